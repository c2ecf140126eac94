#include "server/core/principal_mapper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

google::protobuf::RepeatedPtrField<v1::PrincipalRule> Rules() {
  google::protobuf::RepeatedPtrField<v1::PrincipalRule> rules;
  auto add = [&](const std::string& uri, const std::string& dns,
                 const std::string& cn, const std::string& org,
                 const std::string& role) {
    auto* r = rules.Add();
    r->mutable_match()->set_san_uri(uri);
    r->mutable_match()->set_san_dns(dns);
    r->mutable_match()->set_cn(cn);
    r->set_org(org);
    r->set_role(role);
  };
  add("csx://cl.csirt/analyst/*", "", "", "", "analyst");
  add("", "node.us.cisa", "", "us.cisa", "peer");
  add("", "", "feed.uk.ncsc", "uk.ncsc", "reader");
  return rules;
}

TEST(SegmentGlobMatchTest, Cases) {
  EXPECT_TRUE(
      SegmentGlobMatch("csx://a/analyst/*", "csx://a/analyst/alice", '/'));
  EXPECT_FALSE(
      SegmentGlobMatch("csx://a/analyst/*", "csx://a/analyst/alice/x", '/'));
  EXPECT_FALSE(
      SegmentGlobMatch("csx://a/analyst/*", "csx://a/admin/alice", '/'));
  EXPECT_TRUE(SegmentGlobMatch("*.cisa.gov", "node.cisa.gov", '.'));
  EXPECT_FALSE(SegmentGlobMatch("*.cisa.gov", "a.node.cisa.gov", '.'));
  EXPECT_FALSE(SegmentGlobMatch("*.cisa.gov", "evilcisa.gov", '.'));
  EXPECT_TRUE(SegmentGlobMatch("exact", "exact", '.'));
  EXPECT_FALSE(SegmentGlobMatch("exact", "exact2", '.'));
}

TEST(PrincipalMapperTest, MapsEachKindOnlyFromItsOwnField) {
  auto m = PrincipalMapper::Create("cl.csirt", Rules());
  ASSERT_THAT(m, IsOk());
  CertIdentity alice;
  alice.uris = {"csx://cl.csirt/analyst/alice"};
  auto p = m->Map(alice);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->ToString(), "cl.csirt/analyst/alice");

  CertIdentity peer;
  peer.dns_names = {"node.us.cisa"};
  p = m->Map(peer);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->ToString(), "us.cisa/peer/node.us.cisa");

  // A CN equal to a DNS rule does not match it, and vice versa.
  CertIdentity cn_only;
  cn_only.common_name = "node.us.cisa";
  EXPECT_THAT(m->Map(cn_only), StatusIs(absl::StatusCode::kPermissionDenied));
  CertIdentity dns_as_cn;
  dns_as_cn.dns_names = {"feed.uk.ncsc"};
  EXPECT_THAT(m->Map(dns_as_cn), StatusIs(absl::StatusCode::kPermissionDenied));
  CertIdentity uri_as_dns;
  uri_as_dns.dns_names = {"csx://cl.csirt/analyst/alice"};
  EXPECT_THAT(m->Map(uri_as_dns),
              StatusIs(absl::StatusCode::kPermissionDenied));
  CertIdentity nothing;
  EXPECT_THAT(m->Map(nothing),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("matches no principals rule")));
}

TEST(PrincipalMapperTest, CsxUriCannotClaimAnotherOrg) {
  google::protobuf::RepeatedPtrField<v1::PrincipalRule> rules;
  auto* r = rules.Add();
  r->mutable_match()->set_san_uri("csx://*/reader/*");
  r->set_org("us.cisa");
  r->set_role("reader");
  auto m = PrincipalMapper::Create("cl.csirt", rules);
  ASSERT_THAT(m, IsOk());
  CertIdentity us;
  us.uris = {"csx://us.cisa/reader/bot"};
  EXPECT_THAT(m->Map(us), IsOk());
  CertIdentity uk;
  uk.uris = {"csx://uk.ncsc/reader/bot"};
  EXPECT_THAT(m->Map(uk), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(PrincipalMapperTest, SeveralCsxUrisAreRefused) {
  auto m = PrincipalMapper::Create("cl.csirt", Rules());
  ASSERT_THAT(m, IsOk());
  CertIdentity id;
  id.uris = {"https://example.org/x", "csx://cl.csirt/analyst/alice"};
  EXPECT_THAT(m->Map(id), IsOk());  // one csx:// name among other URIs
  id.uris.push_back("csx://us.cisa/peer/node");
  EXPECT_THAT(m->Map(id), StatusIs(absl::StatusCode::kPermissionDenied,
                                   HasSubstr("2 csx:// URIs")));
}

TEST(PrincipalMapperTest, UnusableIssuerCaIsRefused) {
  char path[] = "/tmp/csx-pin-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  auto rules = Rules();
  rules.Mutable(0)->set_issuer_ca(path);  // empty file: no certificate
  EXPECT_THAT(PrincipalMapper::Create("cl.csirt", rules),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("principals[0].issuer_ca")));
  rules.Mutable(0)->set_issuer_ca("/nonexistent/ca.crt");
  EXPECT_THAT(PrincipalMapper::Create("cl.csirt", rules),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot read /nonexistent/ca.crt")));
  unlink(path);
}

TEST(PrincipalMapperTest, BadRulesAreRefused) {
  google::protobuf::RepeatedPtrField<v1::PrincipalRule> rules;
  rules.Add()->set_role("analyst");
  EXPECT_THAT(PrincipalMapper::Create("cl.csirt", rules),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("principals[0].match")));
  rules.Mutable(0)->mutable_match()->set_cn("*");
  EXPECT_THAT(
      PrincipalMapper::Create("cl.csirt", rules),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lone '*'")));
  rules.Mutable(0)->mutable_match()->set_cn("x");
  rules.Mutable(0)->set_role("root");
  EXPECT_THAT(PrincipalMapper::Create("cl.csirt", rules),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("principals[0].role")));
}

}  // namespace
}  // namespace csx
