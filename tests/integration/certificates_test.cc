// Client certificates against a real csxd: expired and not-yet-valid ones
// are refused, so are revoked ones, and a renewed CRL takes effect without
// a restart (on SIGHUP and on its own).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;

TEST(CertificatesTest, ExpiredAndNotYetValidCertificatesAreRefused) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  const std::string san = "URI:csx://cl.csirt/analyst/dated";
  const std::string expired = f.ca.IssueDated(
      "expired", "dated", san, "20200101000000Z", "20210101000000Z");
  const std::string future = f.ca.IssueDated(
      "future", "dated", san, "20360101000000Z", "20370101000000Z");
  const std::string current = f.ca.IssueDated(
      "current", "dated", san, "20200101000000Z", "20360101000000Z");
  EXPECT_EQ(f.Csx(current, {"query"}).exit_code, 0);  // the control
  for (const std::string& id : {expired, future}) {
    auto r = f.Csx(id, {"query"});
    EXPECT_EQ(r.exit_code, 2) << id;
    EXPECT_FALSE(r.err.empty());
  }
}

// The node trusts its own CA, which publishes a CRL, and a partner's CA,
// which does not.
class CrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    revoked_ = f.ca.Issue("revoked", "eve", "URI:csx://cl.csirt/analyst/eve");
    f.ca.Revoke(revoked_);
    f.ca.WriteCrl(f.tmp.File("ca.crl"));
    TestCa partner_ca(f.tmp.path(), "partner-ca");
    partner_ = partner_ca.Issue("partner-reader", "bot",
                                "URI:csx://cl.csirt/reader/partner");
    WriteFile(f.tmp.File("trusted.crt"),
              ReadFile(f.ca.cert()) + ReadFile(partner_ca.cert()));
    taxii_port_ = FreePort();
    node_ = std::make_unique<NodeProcess>(
        f.tmp.path(),
        absl::StrReplaceAll(
            f.ConfigYaml(),
            {{"client_ca: ca.crt }",
              "client_ca: trusted.crt, crl: ca.crl, reload_interval_seconds: "
              "1 }"},
             {"listen: \"127.0.0.1:0\" }",
              absl::StrCat("listen: \"127.0.0.1:0\", taxii_listen: "
                           "\"127.0.0.1:",
                           taxii_port_, "\" }")}}));
    ASSERT_TRUE(node_->Start());
  }
  // The HTTP status of the TAXII discovery as `identity`; 0 when the TLS
  // handshake is refused.
  int Discovery(const std::string& identity) {
    httplib::SSLClient client("127.0.0.1", taxii_port_, identity + ".crt",
                              identity + ".key");
    client.set_ca_cert_path(f.ca.cert().c_str());
    client.enable_server_certificate_verification(true);
    auto res = client.Get("/taxii2/",
                          {{"Accept", "application/taxii+json;version=2.1"}});
    return res ? res->status : 0;
  }
  int Query(const std::string& identity) {
    return RunCommand(
               CsxCommand(node_->address(), f.ca.cert(), identity, {"query"}))
        .exit_code;
  }
  // A CRL names its issue time in seconds, and the newest one wins: the
  // next must be at least a second younger than the last.
  void RenewCrlRevoking(const std::string& identity) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    f.ca.Revoke(identity);
    f.ca.WriteCrl(f.tmp.File("ca.crl"));
  }

  NodeFixture f;
  std::unique_ptr<NodeProcess> node_;
  std::string revoked_, partner_;
  int taxii_port_ = 0;
};

TEST_F(CrlTest, RevokedCertificateIsRefusedOnBothPorts) {
  EXPECT_EQ(Query(f.analyst), 0);
  EXPECT_EQ(Query(revoked_), 2);
  EXPECT_EQ(Discovery(f.reader), 200);
  EXPECT_EQ(Discovery(revoked_), 0);
}

TEST_F(CrlTest, ACaWithoutACrlIsStillTrustedOnBothPorts) {
  EXPECT_EQ(Query(partner_), 0);
  EXPECT_EQ(Discovery(partner_), 200);
}

TEST_F(CrlTest, RenewedCrlTakesEffectOnSighup) {
  EXPECT_EQ(Query(f.analyst), 0);
  RenewCrlRevoking(f.analyst);
  node_->Signal(SIGHUP);
  ASSERT_TRUE(node_->WaitForLog("CRL reloaded"));
  EXPECT_EQ(Query(f.analyst), 2);
  EXPECT_EQ(Query(f.reader), 0);
  EXPECT_EQ(Query(revoked_), 2);  // the old entries still hold
}

TEST_F(CrlTest, RenewedCrlTakesEffectWithinTheReloadInterval) {
  EXPECT_EQ(Query(f.reader), 0);
  EXPECT_EQ(Discovery(f.reader), 200);
  RenewCrlRevoking(f.reader);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int code = 0, status = 200;
  while ((code = Query(f.reader)) != 2 || (status = Discovery(f.reader)) != 0) {
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(code, 2);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(Query(f.analyst), 0);
}

TEST_F(CrlTest, AnUnreadableCrlKeepsThePreviousOne) {
  WriteFile(f.tmp.File("ca.crl"), "not a CRL\n");
  node_->Signal(SIGHUP);
  ASSERT_TRUE(node_->WaitForLog("CRL not reloaded"));
  EXPECT_EQ(Query(revoked_), 2);
  EXPECT_EQ(Query(f.analyst), 0);
}

}  // namespace
}  // namespace csx::testing
