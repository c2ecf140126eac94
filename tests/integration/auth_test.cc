// Mutual TLS and roles against a real csxd: no certificate, a certificate of
// another CA and an unmapped certificate are refused; roles are enforced.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.node->Start()); }

  grpc::Status CallStatus(const std::string& identity) {
    auto stub = f.Stub<v1::AdminService>(identity);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::StatusResponse resp;
    return stub->Status(&ctx, v1::StatusRequest(), &resp);
  }
  grpc::Status Submit(const std::string& identity) {
    auto stub = f.Stub<v1::IndicatorService>(identity);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::SubmitRequest req;
    auto* item = req.add_items();
    item->set_type("ipv4");
    item->set_value("192.0.2.1");
    v1::SubmitResponse resp;
    return stub->SubmitBatch(&ctx, req, &resp);
  }

  NodeFixture f;
};

TEST_F(AuthTest, ClientWithoutCertificateIsRefused) {
  EXPECT_EQ(CallStatus("").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Submit("").error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AuthTest, CertificateFromAnotherCaIsRefused) {
  TestCa other(f.tmp.path(), "other-ca");
  const std::string rogue =
      other.Issue("rogue", "alice",
                  "URI:csx://cl.csirt/analyst/alice");  // right name, wrong CA
  EXPECT_EQ(Submit(rogue).error_code(), grpc::StatusCode::UNAVAILABLE);
  auto r = f.Csx(rogue, {"status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST_F(AuthTest, UnmappedCertificateIsRefusedAndAudited) {
  grpc::Status s = Submit(f.unmapped);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("matches no principals rule"));
  auto r = f.Csx(f.unmapped, {"query"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no principals rule"));
  auto v = f.Csx(f.admin, {"audit", "verify", "-o", "json"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_GE(nlohmann::json::parse(v.out)["records"].get<int>(), 1);
  EXPECT_THAT(f.node->log(), HasSubstr("mallory"));
}

TEST_F(AuthTest, RolesAreEnforcedPerRpc) {
  EXPECT_EQ(CallStatus(f.analyst).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CallStatus(f.reader).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(CallStatus(f.admin).ok());
  EXPECT_EQ(Submit(f.reader).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit(f.admin).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit(f.partner_peer).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Submit(f.analyst).ok());
  auto r = f.Csx(f.analyst, {"audit", "verify"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("may not admin"));
  auto w =
      f.Csx(f.reader, {"submit", "--type", "ipv4", "--value", "192.0.2.2"});
  EXPECT_EQ(w.exit_code, 2);
}

// Two CAs are trusted, ours and a partner's. Rules pinned to a CA accept
// only its certificates: the partner's CA cannot issue one that maps to our
// analysts, nor ours one that maps to the partner's node.
TEST(AuthPinningTest, APinnedRuleAcceptsOnlyItsCa) {
  TempDir tmp;
  TestCa ours(tmp.path(), "ca");
  TestCa theirs(tmp.path(), "us-ca");
  ours.IssueServer("node", "node.cl.csirt");
  WriteFile(tmp.File("trusted.crt"),
            ReadFile(ours.cert()) + ReadFile(theirs.cert()));
  NodeProcess node(tmp.path(), R"(node: { org: cl.csirt, listen: "127.0.0.1:0" }
tls: { cert: node.crt, key: node.key, client_ca: trusted.crt }
store: { sqlite: csx.db }
principals:
  - { match: { san_uri: "csx://cl.csirt/analyst/*" }, role: analyst, issuer_ca: ca.crt }
  - { match: { san_uri: "csx://cl.csirt/reader/*" }, role: reader }
  - { match: { cn: "node.us.cisa" }, org: us.cisa, role: peer, issuer_ca: us-ca.crt }
agreements:
  - { id: cl-us, partner: us.cisa, effective_from: "2018-01-01T00:00:00Z", share: { max_tlp: GREEN } }
)");
  ASSERT_TRUE(node.Start());
  auto csx = [&](const std::string& identity, std::vector<std::string> args) {
    return RunCommand(
        CsxCommand(node.address(), ours.cert(), identity, std::move(args)));
  };
  const std::string analyst =
      ours.Issue("analyst", "alice", "URI:csx://cl.csirt/analyst/alice");
  const std::string forged_analyst = theirs.Issue(
      "forged-analyst", "alice", "URI:csx://cl.csirt/analyst/alice");
  const std::string peer =
      theirs.Issue("peer", "node.us.cisa", "DNS:node.us.cisa");
  const std::string forged_peer =
      ours.Issue("forged-peer", "node.us.cisa", "DNS:node.us.cisa");
  const std::string unpinned_reader =
      theirs.Issue("reader", "bot", "URI:csx://cl.csirt/reader/bot");
  const std::string two_names = ours.Issue(
      "two-names", "bot",
      "URI:csx://cl.csirt/reader/bot,URI:csx://cl.csirt/analyst/bot");

  auto ok = csx(analyst, {"submit", "--type", "ipv4", "--value", "192.0.2.7",
                          "--tlp", "GREEN"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto forged =
      csx(forged_analyst, {"submit", "--type", "ipv4", "--value", "192.0.2.8"});
  EXPECT_EQ(forged.exit_code, 2);
  EXPECT_THAT(forged.err, HasSubstr("no principals rule"));

  auto pulled = csx(peer, {"pull", "-o", "jsonl"});
  EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_THAT(pulled.out, HasSubstr("192.0.2.7"));
  auto forged_pull = csx(forged_peer, {"pull", "-o", "jsonl"});
  EXPECT_EQ(forged_pull.exit_code, 2);
  EXPECT_EQ(forged_pull.out, "");

  // The control: a rule without issuer_ca takes any trusted CA.
  EXPECT_EQ(csx(unpinned_reader, {"query"}).exit_code, 0);

  auto ambiguous = csx(two_names, {"query"});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("2 csx:// URIs"));
  auto stored = csx(analyst, {"query", "-o", "jsonl"});
  EXPECT_THAT(stored.out, ::testing::Not(HasSubstr("192.0.2.8")));
}

TEST_F(AuthTest, HealthAndReflectionAreServed) {
  auto channel = f.Channel(f.reader);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::ByteBuffer request, response;
  // grpc.health.v1.Health/Check with an empty request message.
  grpc::GenericStub generic(channel);
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::Status status;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                    &request, &response, [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace csx::testing
