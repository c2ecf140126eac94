#include "common/grpc/grpc_runtime.h"

#include <dirent.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/integration/test_env.h"

namespace csx {
namespace {

// Threads of this process, from /proc/self/task.
int Threads() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A server in this process and a channel to it over mutual TLS with
// certificates made for the test; returns once the channel has connected
// and both are gone.
void ConnectOverMutualTls() {
  testing::TempDir tmp;
  testing::TestCa ca(tmp.path(), "ca");
  const std::string node = ca.IssueServer("node", "node");
  const std::string client =
      ca.Issue("client", "client", "URI:csx://cl.csirt/reader/a");
  grpc::SslServerCredentialsOptions server_tls(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  server_tls.pem_root_certs = ReadFile(ca.cert());
  server_tls.pem_key_cert_pairs.push_back(
      {ReadFile(node + ".key"), ReadFile(node + ".crt")});
  grpc::SslCredentialsOptions client_tls;
  client_tls.pem_root_certs = ReadFile(ca.cert());
  client_tls.pem_cert_chain = ReadFile(client + ".crt");
  client_tls.pem_private_key = ReadFile(client + ".key");

  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0",
                           grpc::SslServerCredentials(server_tls), &port);
  grpc::AsyncGenericService generic;  // a server needs one service
  builder.RegisterAsyncGenericService(&generic);
  std::unique_ptr<grpc::ServerCompletionQueue> cq =
      builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::SslCredentials(client_tls));
    EXPECT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                          std::chrono::seconds(10)));
  }
  server->Shutdown(std::chrono::system_clock::now());
  cq->Shutdown();
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) {
  }
}

// A channel to a port where nothing listens, destroyed once it has failed
// to connect: its reconnect timer holds gRPC for about a second after that,
// and gRPC then shuts down on one of its own threads.
void FailToConnect() {
  int port = 0;
  {
    // A port that was free a moment ago.
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    grpc::AsyncGenericService generic;
    builder.RegisterAsyncGenericService(&generic);
    auto cq = builder.AddCompletionQueue();
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    ASSERT_NE(server, nullptr);
    server->Shutdown(std::chrono::system_clock::now());
    cq->Shutdown();
    void* tag;
    bool ok;
    while (cq->Next(&tag, &ok)) {
    }
  }
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  EXPECT_FALSE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                         std::chrono::milliseconds(300)));
}

// Waits up to 5 s for the threads of this process to be `n` again.
int ThreadsOnceSettledTo(int n) {
  for (int i = 0; i < 5000 && Threads() != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Threads();
}

TEST(GrpcRuntimeTest, GrpcHasStoppedWhenTheRuntimeEndsAfterACall) {
  const int before = Threads();
  {
    GrpcRuntime runtime(absl::Seconds(5));
    EXPECT_TRUE(GrpcRuntime::Running());
    ConnectOverMutualTls();
    EXPECT_GT(Threads(), before);
  }
  EXPECT_FALSE(GrpcRuntime::Running());
  // The thread that shut gRPC down may still be returning.
  EXPECT_EQ(ThreadsOnceSettledTo(before), before);
}

// Without the runtime's wait, gRPC would still run here, on its own threads.
TEST(GrpcRuntimeTest, TheEndWaitsForAChannelThatFailedToConnect) {
  const int before = Threads();
  const absl::Time start = absl::Now();
  {
    GrpcRuntime runtime(absl::Seconds(5));
    FailToConnect();
  }
  EXPECT_FALSE(GrpcRuntime::Running());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(ThreadsOnceSettledTo(before), before);
}

TEST(GrpcRuntimeTest, TheWaitIsBounded) {
  auto runtime = std::make_unique<GrpcRuntime>(absl::Milliseconds(100));
  FailToConnect();
  const absl::Time start = absl::Now();
  runtime.reset();
  const absl::Duration waited = absl::Now() - start;
  // The reconnect timer still holds gRPC: the end gave up after 100 ms.
  EXPECT_TRUE(GrpcRuntime::Running());
  EXPECT_GE(waited, absl::Milliseconds(100));
  EXPECT_LT(waited, absl::Milliseconds(700));
  // gRPC stops on its own once the timer has fired.
  for (int i = 0; i < 5000 && GrpcRuntime::Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(GrpcRuntime::Running());
}

}  // namespace
}  // namespace csx
