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

// Some of gRPC's objects outlive the ones their owner frees: here, after the
// channel and the server are gone, gRPC stays initialised for about a second
// on its own threads (without the runtime's wait, this test fails). The
// runtime's end waits until gRPC has shut down and its threads are gone.
TEST(GrpcRuntimeTest, GrpcHasStoppedWhenTheRuntimeEnds) {
  const int before = Threads();
  {
    GrpcRuntime runtime;
    EXPECT_TRUE(GrpcRuntime::Running());
    ConnectOverMutualTls();
    EXPECT_GT(Threads(), before);
  }
  EXPECT_FALSE(GrpcRuntime::Running());
  // The detached thread that shut gRPC down may still be returning.
  for (int i = 0; i < 1000 && Threads() > before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(Threads(), before);
}

}  // namespace
}  // namespace csx
