// STIX patterns both ways, and the STIX 2.1 export of indicators.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "common/stix/stix_export.h"
#include "common/stix/stix_pattern.h"
#include "common/time_util.h"
#include "tests/golden.h"
#include "tests/status_matchers.h"

namespace csx::stix {
namespace {

using ::testing::HasSubstr;

struct Good {
  const char* pattern;
  std::vector<std::pair<std::string, std::string>> terms;
};

class ParsePatternGoodTest : public ::testing::TestWithParam<Good> {};

TEST_P(ParsePatternGoodTest, Terms) {
  auto r = ParsePattern(GetParam().pattern);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& t : *r) got.emplace_back(t.type, t.value);
  EXPECT_EQ(got, GetParam().terms);
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, ParsePatternGoodTest,
    ::testing::Values(
        Good{"[ipv4-addr:value = '192.0.2.1']", {{"ipv4", "192.0.2.1"}}},
        Good{"[ipv4-addr:value = '10.0.0.0/8']", {{"cidr", "10.0.0.0/8"}}},
        Good{"[ipv4-addr:value = '192.0.2.1/32']", {{"cidr", "192.0.2.1/32"}}},
        Good{"[ipv6-addr:value = '2001:db8::1']", {{"ipv6", "2001:db8::1"}}},
        Good{"[ipv6-addr:value = '2001:db8::/32']",
             {{"cidr", "2001:db8::/32"}}},
        Good{"[domain-name:value = 'evil.example']",
             {{"domain", "evil.example"}}},
        Good{"[url:value = 'http://a.example/it\\'s \\\\ ok']",
             {{"url", "http://a.example/it's \\ ok"}}},
        Good{"[email-addr:value = 'a@b.example']", {{"email", "a@b.example"}}},
        Good{"[email-message:from_ref.value = 'a@b.example']",
             {{"email", "a@b.example"}}},
        Good{"[file:hashes.'SHA-256' = 'ab']", {{"sha256", "ab"}}},
        Good{"[file:hashes.SHA256 = 'ab']", {{"sha256", "ab"}}},
        Good{"[file:hashes.MD5 = 'ab']", {{"md5", "ab"}}},
        Good{"[file:hashes.'SHA-1' = 'ab']", {{"sha1", "ab"}}},
        Good{"[file:hashes.'SHA-512' = 'ab']", {{"sha512", "ab"}}},
        Good{"[autonomous-system:number = 64500]", {{"asn", "64500"}}},
        Good{"[domain-name:value = 'a.example' OR domain-name:value = "
             "'b.example']",
             {{"domain", "a.example"}, {"domain", "b.example"}}},
        Good{"[ipv4-addr:value = '192.0.2.1'] OR [url:value = 'http://x/']",
             {{"ipv4", "192.0.2.1"}, {"url", "http://x/"}}},
        Good{"([domain-name:value = 'x.example'] OR [url:value = 'http://y/'])",
             {{"domain", "x.example"}, {"url", "http://y/"}}},
        Good{"  [ ( domain-name:value='a.example' ) ]  ",
             {{"domain", "a.example"}}}));

struct Bad {
  const char* pattern;
  const char* error;
};

class ParsePatternBadTest : public ::testing::TestWithParam<Bad> {};

TEST_P(ParsePatternBadTest, ClearError) {
  EXPECT_THAT(ParsePattern(GetParam().pattern),
              csx::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr(GetParam().error)));
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, ParsePatternBadTest,
    ::testing::Values(
        Bad{"", "incomplete"}, Bad{"[", "incomplete"},
        Bad{"[ipv4-addr:value = '1.2.3.4'", "incomplete"},
        Bad{"[ipv4-addr:value = '1.2.3.4]", "unterminated string"},
        Bad{"[ipv4-addr:value = '1' AND ipv4-addr:value = '2']",
            "AND is not supported"},
        Bad{"[ipv4-addr:value = '1'] FOLLOWEDBY [ipv4-addr:value = '2']",
            "FOLLOWEDBY is not supported"},
        Bad{"[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",
            "qualifier WITHIN"},
        Bad{"[ipv4-addr:value != '1.2.3.4']", "operator != is not supported"},
        Bad{"[domain-name:value LIKE 'evil%']", "operator LIKE"},
        Bad{"[file:name = 'x.exe']", "object path file:name is not supported"},
        Bad{"[process:pid = 4]", "object path process:pid"},
        Bad{"[autonomous-system:number = 'x' OR]", "misplaced ']'"},
        Bad{"[ipv4-addr:value = 5]", "needs a string literal"},
        Bad{"[NOT ipv4-addr:value = '1']", "NOT is not supported"},
        Bad{"ipv4-addr:value = '1'", "outside a comparison"},
        Bad{"[ipv4-addr:value = '1'] OR", "incomplete"},
        Bad{"[[ipv4-addr:value = '1']]", "misplaced '['"},
        Bad{"[ipv4-addr:value = '1'] 'x'", "misplaced literal"},
        Bad{"[ipv4-addr:value = '1'] %", "unexpected character"}));

TEST(ParsePatternTest, NonsenseNeverCrashes) {
  std::mt19937 rng(7);
  const std::string alphabet = "[]()'\\=!<> ORANDipv4-addr:value.0123'";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    (void)ParsePattern(s).ok();
  }
}

TEST(PatternForTest, RoundTripsEveryType) {
  const std::vector<std::pair<v1::IndicatorType, std::string>> cases = {
      {v1::IPV4, "192.0.2.1"},
      {v1::IPV6, "2001:db8::1"},
      {v1::CIDR, "10.0.0.0/8"},
      {v1::CIDR, "2001:db8::/32"},
      {v1::DOMAIN, "xn--bcher-kva.example"},
      {v1::URL, "http://a.example/it's"},
      {v1::EMAIL, "a@b.example"},
      {v1::MD5, std::string(32, 'a')},
      {v1::SHA1, std::string(40, 'b')},
      {v1::SHA256, std::string(64, 'c')},
      {v1::SHA512, std::string(128, 'd')},
      {v1::ASN, "64500"}};
  for (const auto& [type, value] : cases) {
    const std::string pattern = PatternFor(type, value);
    auto terms = ParsePattern(pattern);
    ASSERT_TRUE(terms.ok()) << pattern << ": " << terms.status();
    ASSERT_EQ(terms->size(), 1u);
    EXPECT_EQ((*terms)[0].value, value) << pattern;
  }
}

v1::Indicator Sample(v1::IndicatorType type, const std::string& value,
                     const std::string& id) {
  v1::Indicator ind;
  ind.set_id(id);
  ind.set_type(type);
  ind.set_value(value);
  ind.set_tlp(v1::TLP_AMBER);
  ind.set_confidence(85);
  ind.set_severity(v1::SEVERITY_HIGH);
  ind.add_tags("c2");
  ind.add_sectors("finance");
  ind.set_description("Seen in a phishing wave");
  ind.set_origin("us.cisa");
  ind.add_path("us.cisa");
  ind.add_path("cl.csirt");
  ind.set_version(3);
  *ind.mutable_created() = ToProto(absl::FromUnixSeconds(1700000000));
  *ind.mutable_modified() = ToProto(absl::FromUnixSeconds(1700003600));
  *ind.mutable_valid_from() = ToProto(absl::FromUnixSeconds(1700000000));
  *ind.mutable_valid_until() = ToProto(absl::FromUnixSeconds(1731536000));
  return ind;
}

TEST(StixExportTest, BundleGolden) {
  BundleBuilder b;
  b.Add(
      Sample(v1::IPV4, "198.51.100.7", "11111111-1111-4111-8111-111111111111"));
  v1::Indicator cve =
      Sample(v1::CVE, "CVE-2024-3094", "22222222-2222-4222-8222-222222222222");
  cve.set_tlp(v1::TLP_CLEAR);
  b.Add(cve);
  v1::Indicator revoked = Sample(v1::DOMAIN, "evil.example",
                                 "33333333-3333-4333-8333-333333333333");
  revoked.set_revoked(true);
  revoked.set_revoked_reason("sinkholed");
  revoked.set_origin("cl.csirt");
  b.Add(revoked);
  // A later state of the first indicator replaces it; markings and
  // identities appear once.
  v1::Indicator again =
      Sample(v1::IPV4, "198.51.100.7", "11111111-1111-4111-8111-111111111111");
  again.set_version(4);
  b.Add(again);
  EXPECT_EQ(b.size(), 3u);
  nlohmann::json bundle = b.Build();
  EXPECT_THAT(bundle["id"].get<std::string>(),
              ::testing::StartsWith("bundle--"));
  bundle["id"] = "bundle--(random)";
  csx::testing::ExpectGolden("stix/export_bundle.json", bundle.dump(2) + "\n");
}

TEST(StixExportTest, StableIdsAndRequiredProperties) {
  const v1::Indicator ind = Sample(v1::SHA256, std::string(64, 'e'),
                                   "44444444-4444-4444-8444-444444444444");
  const nlohmann::json a = ToStixObject(ind);
  const nlohmann::json b = ToStixObject(ind);
  EXPECT_EQ(a["id"], "indicator--44444444-4444-4444-8444-444444444444");
  EXPECT_EQ(a, b);
  for (const char* key : {"type", "spec_version", "id", "created", "modified",
                          "pattern", "pattern_type", "valid_from"}) {
    EXPECT_TRUE(a.contains(key)) << key;
  }
  EXPECT_EQ(a["created"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(a["object_marking_refs"][0],
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
  EXPECT_EQ(TlpOfMarkingId(TlpMarkingId(v1::TLP_AMBER_STRICT)),
            v1::TLP_AMBER_STRICT);
  EXPECT_EQ(TlpOfMarkingId(
                "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            v1::TLP_CLEAR);
  EXPECT_EQ(IdentityId("us.cisa"), IdentityId("us.cisa"));
  EXPECT_NE(IdentityId("us.cisa"), IdentityId("cl.csirt"));
}

TEST(StixExportTest, WithdrawalIsTheSameObjectRevoked) {
  v1::Indicator full;
  full.set_id("00000000-0000-4000-8000-000000000042");
  full.set_type(v1::DOMAIN);
  full.set_value("gone.example");
  v1::Indicator w;
  w.set_id(full.id());
  w.set_type(v1::DOMAIN);
  w.set_revoked(true);
  w.set_version(3);
  *w.mutable_modified() = ToProto(absl::FromUnixSeconds(1767225600));
  ASSERT_TRUE(IsWithdrawal(w));
  ASSERT_FALSE(IsWithdrawal(full));
  const nlohmann::json o = ToStixObject(w);
  EXPECT_EQ(o["id"], ToStixObject(full)["id"]);
  EXPECT_EQ(o["type"], "indicator");
  EXPECT_EQ(o["revoked"], true);
  EXPECT_EQ(o["x_csx_withdrawn"], true);
  EXPECT_EQ(o["modified"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(o["pattern"],
            "[x-csx-withdrawn:id = '00000000-0000-4000-8000-000000000042']");
  // Every property an indicator requires is there.
  for (const char* k : {"spec_version", "created", "modified", "pattern",
                        "pattern_type", "valid_from", "name"}) {
    EXPECT_TRUE(o.contains(k)) << k;
  }
  w.set_type(v1::CVE);
  const nlohmann::json v = ToStixObject(w);
  EXPECT_EQ(v["type"], "vulnerability");
  EXPECT_EQ(v["id"], "vulnerability--" + w.id());
  EXPECT_EQ(v["revoked"], true);
  EXPECT_FALSE(v.contains("pattern"));
  EXPECT_TRUE(v.contains("name"));
}

}  // namespace
}  // namespace csx::stix
