// Faults with real processes: a partner that stalls mid-stream (SIGSTOP:
// it still holds its connections but answers nothing), and a disk that
// fills up under the store (a small tmpfs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// cl.csirt subscribes to us.cisa's feed, asking for a heartbeat every second.
class StalledPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string org : {"us.cisa", "cl.csirt"}) {
      std::filesystem::create_directories(tmp.File(org));
      ca.Issue(org + "/node", "node." + org,
               "DNS:localhost,IP:127.0.0.1,URI:csx://" + org + "/peer/node");
      ca.Issue(org + "/analyst", "a", "URI:csx://" + org + "/analyst/a");
      ca.Issue(org + "/reader", "r", "URI:csx://" + org + "/reader/r");
    }
    us_port_ = FreePort();
    auto config = [&](const std::string& self, const std::string& partner,
                      const std::string& listen, const std::string& extra) {
      return absl::StrCat(
          "node: { org: ", self, ", listen: \"", listen, "\" }\n",
          "tls: { cert: node.crt, key: node.key, client_ca: ../ca.crt }\n",
          "store: { sqlite: csx.db }\n", "principals:\n",
          "  - { match: { san_uri: \"csx://", self,
          "/analyst/*\" }, role: analyst }\n",
          "  - { match: { san_uri: \"csx://", self,
          "/reader/*\" }, role: reader }\n", "  - { match: { san_uri: \"csx://",
          partner, "/peer/*\" }, org: ", partner, ", role: peer }\n",
          "agreements:\n  - { id: a, partner: ", partner,
          ", effective_from: \"2018-01-01T00:00:00Z\", share: { max_tlp: "
          "GREEN }, accept: { max_tlp: GREEN } }\n",
          extra);
    };
    us_ = std::make_unique<NodeProcess>(
        tmp.File("us.cisa"), config("us.cisa", "cl.csirt",
                                    absl::StrCat("127.0.0.1:", us_port_), ""));
    cl_ = std::make_unique<NodeProcess>(
        tmp.File("cl.csirt"),
        config("cl.csirt", "us.cisa", "127.0.0.1:0",
               absl::StrCat("peers:\n  - { org: us.cisa, address: "
                            "\"127.0.0.1:",
                            us_port_,
                            "\", server_name: localhost }\n"
                            "limits: { peer_heartbeat_seconds: 1 }\n")));
    ASSERT_TRUE(us_->Start());
    ASSERT_TRUE(cl_->Start());
  }

  CommandResult Csx(NodeProcess& node, const std::string& identity,
                    std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "jsonl"});
    return RunCommand(
        CsxCommand(node.address(), ca.cert(), identity, std::move(args)));
  }
  std::string SubmitAtUs(const std::string& value) {
    auto r =
        Csx(*us_, tmp.File("us.cisa/analyst"),
            {"submit", "--type", "domain", "--value", value, "--tlp", "GREEN"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out)["id"] : "";
  }
  bool ArrivesAtCl(const std::string& id) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      if (Csx(*cl_, tmp.File("cl.csirt/reader"), {"get", id}).exit_code == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempDir tmp;
  TestCa ca{tmp.path(), "ca"};
  int us_port_ = 0;
  std::unique_ptr<NodeProcess> us_, cl_;
};

TEST_F(StalledPeerTest, TheStreamTimesOutAndResumes) {
  const std::string before = SubmitAtUs("before-stall.example");
  ASSERT_TRUE(ArrivesAtCl(before));

  us_->Signal(SIGSTOP);  // the partner stalls with its connections open
  const auto stalled = Clock::now();
  // The node's other work goes on.
  auto q = Csx(*cl_, tmp.File("cl.csirt/reader"), {"query"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_LT(Clock::now() - stalled, std::chrono::seconds(2));
  // Three silent heartbeats later the subscription is dropped; keepalive
  // alone would take a minute.
  EXPECT_TRUE(cl_->WaitForLog("silent for three heartbeats"));
  std::printf("stall noticed after %.1f s\n",
              std::chrono::duration<double>(Clock::now() - stalled).count());

  us_->Signal(SIGCONT);
  const std::string after = SubmitAtUs("after-stall.example");
  EXPECT_TRUE(ArrivesAtCl(after)) << cl_->log();
  // Nothing was applied twice: each arrived once, as version 1.
  auto held = Csx(*cl_, tmp.File("cl.csirt/reader"), {"get", before});
  EXPECT_EQ(nlohmann::json::parse(held.out)["version"], 1);
}

// A 4 MiB tmpfs under the store. Submissions fail with a clear error once it
// is full, nothing acknowledged is lost, the node keeps serving reads, and
// it takes submissions again when space returns.
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "mounting a tmpfs needs root";
    disk_ = f.tmp.File("disk");
    std::filesystem::create_directories(disk_);
    ASSERT_TRUE(Shell(absl::StrCat("mount -t tmpfs -o size=4m tmpfs ", disk_)));
    mounted_ = true;
  }
  void TearDown() override {
    node_.reset();
    if (mounted_) Shell(absl::StrCat("umount -l ", disk_));
  }
  NodeFixture f;
  std::string disk_;
  bool mounted_ = false;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(DiskFullTest, SubmissionsFailClearlyAndNothingIsLost) {
  node_ = std::make_unique<NodeProcess>(
      f.tmp.path(),
      absl::StrReplaceAll(f.ConfigYaml(),
                          {{"sqlite: csx.db", "sqlite: disk/csx.db"}}));
  ASSERT_TRUE(node_->Start());
  auto channel = MakeChannel(node_->address(), f.ca.cert(), f.analyst);
  auto stub = v1::IndicatorService::NewStub(channel);
  std::set<std::string> acked;
  // Batches of 200, then smaller ones into what a failed batch left, until
  // not even one indicator fits.
  grpc::Status failure;
  int batch = 0;
  for (int size : {200, 50, 10, 1}) {
    failure = grpc::Status::OK;
    for (int tries = 0; tries < 400 && failure.ok(); ++tries, ++batch) {
      v1::SubmitRequest req;
      for (int i = 0; i < size; ++i) {
        auto* item = req.add_items();
        item->set_type("domain");
        item->set_value(absl::StrCat("full-", batch, "-", i, ".example"));
        item->set_description(std::string(200, 'd'));
      }
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      failure = stub->SubmitBatch(&ctx, req, &resp);
      if (failure.ok()) {
        for (const auto& r : resp.results()) acked.insert(r.id());
      }
    }
    ASSERT_FALSE(failure.ok()) << "the disk never filled up";
    EXPECT_EQ(failure.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(failure.error_message(), HasSubstr("disk full"));
  }
  std::printf("disk full after %zu acknowledged indicators\n", acked.size());

  // The CLI says so: a server-side error, one line on stderr.
  auto cli = RunCommand(
      CsxCommand(node_->address(), f.ca.cert(), f.analyst,
                 {"submit", "--type", "domain", "--value", "one-more.example",
                  "--description", std::string(3000, 'x')}));
  EXPECT_EQ(cli.exit_code, 4) << cli.err;
  EXPECT_THAT(cli.err, HasSubstr("disk full"));

  // Reads go on and see exactly what was acknowledged.
  auto count = [&]() {
    auto admin = v1::AdminService::NewStub(
        MakeChannel(node_->address(), f.ca.cert(), f.admin));
    grpc::ClientContext ctx;
    v1::StatusResponse status;
    EXPECT_TRUE(admin->Status(&ctx, v1::StatusRequest(), &status).ok());
    return status.indicators();
  };
  EXPECT_EQ(count(), acked.size());

  // Space returns: submissions are taken again.
  ASSERT_TRUE(Shell(absl::StrCat("mount -o remount,size=64m ", disk_)));
  v1::SubmitRequest req;
  req.add_items()->set_type("domain");
  req.mutable_items(0)->set_value("after-space.example");
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  grpc::Status again = stub->SubmitBatch(&ctx, req, &resp);
  EXPECT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(count(), acked.size() + 1);

  // After a restart the store passes its integrity check (csxd refuses to
  // start otherwise) and the audit chain verifies.
  ASSERT_EQ(node_->Terminate(), 0);
  ASSERT_TRUE(node_->Start());
  EXPECT_EQ(count(), acked.size() + 1);
  auto verify = RunCommand(CsxCommand(node_->address(), f.ca.cert(), f.admin,
                                      {"audit", "verify", "-o", "json"}));
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace csx::testing
