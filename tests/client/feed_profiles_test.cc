// The feed profiles against golden files, and against the sensors' own
// checkers where this machine has them (named-checkzone, nft -c).
#include "client/formats/feed_profiles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/formats/output.h"
#include "common/time_util.h"
#include "tests/golden.h"

namespace csx::formats {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1763856000);  // 2025-11-23

v1::Indicator Make(v1::IndicatorType type, const std::string& value, int n) {
  v1::Indicator ind;
  ind.set_id(
      absl::StrCat("00000000-0000-4000-8000-0000000000", n < 10 ? "0" : "", n));
  ind.set_type(type);
  ind.set_value(value);
  ind.set_tlp(n % 2 ? v1::TLP_GREEN : v1::TLP_AMBER);
  ind.set_confidence(70);
  ind.set_origin(n % 3 ? "us.cisa" : "cl.csirt");
  ind.set_version(static_cast<uint64_t>(n % 4 + 1));
  ind.add_tags("c2");
  *ind.mutable_modified() = ToProto(kNow);
  return ind;
}

// Every type, hostile text, removals and a tombstone, as feed entries.
std::vector<v1::FeedEntry> Entries() {
  std::vector<v1::Indicator> inds = {
      Make(v1::IPV4, "198.51.100.7", 1),
      Make(v1::IPV6, "2001:db8::1", 2),
      Make(v1::CIDR, "10.0.0.0/8", 3),
      Make(v1::CIDR, "2001:db8:0:0:1::/80", 4),
      Make(v1::DOMAIN, "evil.example", 5),
      Make(v1::URL, "https://evil.example:8443/a;b\"c|d?x=1", 6),
      Make(v1::EMAIL, "ceo@phish.example", 7),
      Make(v1::SHA256, std::string(64, 'a'), 8),
      Make(v1::CVE, "CVE-2024-3094", 9),
      Make(v1::ASN, "64500", 10),
  };
  inds[0].set_description("tab\there; newline\nthere \"quoted\" \\ back");
  inds[0].add_tags("semi;colon");
  std::vector<v1::FeedEntry> entries;
  uint64_t seq = 100;
  for (const auto& ind : inds) {
    v1::FeedEntry e;
    e.set_seq(++seq);
    e.set_op(v1::OP_UPSERT);
    *e.mutable_indicator() = ind;
    entries.push_back(e);
  }
  v1::FeedEntry revoke = entries[0];
  revoke.set_seq(++seq);
  revoke.set_op(v1::OP_REVOKE);
  revoke.mutable_indicator()->set_revoked(true);
  entries.push_back(revoke);
  v1::FeedEntry expire = entries[4];
  expire.set_seq(++seq);
  expire.set_op(v1::OP_EXPIRE);
  expire.mutable_indicator()->set_expired(true);
  entries.push_back(expire);
  v1::FeedEntry tombstone;
  tombstone.set_seq(++seq);
  tombstone.set_op(v1::OP_REVOKE);
  tombstone.mutable_indicator()->set_id("00000000-0000-4000-8000-000000000099");
  tombstone.mutable_indicator()->set_revoked(true);
  entries.push_back(tombstone);
  return entries;
}

std::string Render(FeedProfile profile, bool with_entries) {
  std::ostringstream out;
  auto sink = NewProfileSinkAt(profile, out, kNow);
  for (const auto& e : Entries()) {
    sink->Write(e.indicator(), with_entries ? &e : nullptr);
  }
  sink->EndBatch();
  sink->Finish();
  return out.str();
}

std::string RenderEmpty(FeedProfile profile) {
  std::ostringstream out;
  auto sink = NewProfileSinkAt(profile, out, kNow);
  sink->Finish();
  return out.str();
}

struct Case {
  FeedProfile profile;
  const char* golden;
};

class FeedProfileTest : public ::testing::TestWithParam<Case> {};

TEST_P(FeedProfileTest, MatchesGolden) {
  csx::testing::ExpectGolden(GetParam().golden,
                             Render(GetParam().profile, true));
}

TEST_P(FeedProfileTest, QueryResultsMatchGolden) {
  csx::testing::ExpectGolden(absl::StrCat(GetParam().golden, ".query"),
                             Render(GetParam().profile, false));
}

TEST_P(FeedProfileTest, EmptyFeedIsTheBarePreamble) {
  const std::string empty = RenderEmpty(GetParam().profile);
  const std::string full = Render(GetParam().profile, true);
  EXPECT_FALSE(empty.empty());
  EXPECT_EQ(full.substr(0, empty.size()), empty);
}

TEST_P(FeedProfileTest, NoHostileCharacterBreaksALine) {
  const std::string out = Render(GetParam().profile, true);
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\nthere")));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\t here")));
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, FeedProfileTest,
    ::testing::Values(Case{FeedProfile::kZeek, "profiles/intel.dat"},
                      Case{FeedProfile::kSuricata, "profiles/csx.rules"},
                      Case{FeedProfile::kRpz, "profiles/rpz.zone"},
                      Case{FeedProfile::kNftables, "profiles/csx.nft"}));

TEST(FeedProfileBehaviourTest, RemovalsAndSkips) {
  const std::string zeek = Render(FeedProfile::kZeek, true);
  EXPECT_THAT(zeek, HasSubstr("#csx-remove\t198.51.100.7\tIntel::ADDR\n"));
  EXPECT_THAT(zeek, HasSubstr("evil.example:8443/a;b\"c|d?x=1\tIntel::URL"));
  EXPECT_THAT(zeek, HasSubstr("# csx: skipped 2 indicators of type asn, cve, "
                              "not expressible in zeek"));
  const std::string nft = Render(FeedProfile::kNftables, true);
  EXPECT_THAT(nft, HasSubstr("add element inet csx csx_ipv4 { 198.51.100.7 }\n"
                             "delete element inet csx csx_ipv4 { "
                             "198.51.100.7 }\n"));
  EXPECT_THAT(nft, HasSubstr("csx_ipv6_net { 2001:db8:0:0:1::/80 }"));
  const std::string rpz = Render(FeedProfile::kRpz, true);
  EXPECT_THAT(rpz, HasSubstr("32.7.100.51.198.rpz-ip CNAME .\n"));
  EXPECT_THAT(rpz, HasSubstr("8.0.0.0.10.rpz-ip CNAME .\n"));
  EXPECT_THAT(rpz, HasSubstr("128.1.zz.db8.2001.rpz-ip CNAME .\n"));
  EXPECT_THAT(rpz, HasSubstr("80.zz.1.0.0.db8.2001.rpz-ip CNAME .\n"));
  EXPECT_THAT(rpz, HasSubstr("*.evil.example CNAME .\n"));
  EXPECT_THAT(rpz, HasSubstr("; csx-remove evil.example\n"));
  const std::string rules = Render(FeedProfile::kSuricata, true);
  // Two sids per entry: 1000000000 + 2 * seq (+1 for a domain's TLS rule).
  EXPECT_THAT(rules, HasSubstr("sid:1000000202; rev:2;"));
  EXPECT_THAT(rules, HasSubstr("sid:1000000210;"));
  EXPECT_THAT(rules, HasSubstr("sid:1000000211;"));
  EXPECT_THAT(rules, HasSubstr("content:\"/a|3B|b|22|c|7C|d?x=1\""));
  EXPECT_THAT(rules,
              HasSubstr("msg:\"csx url https://evil.example:8443/a\\;b"));
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path =
      (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << content;
  return path;
}

TEST(SensorCheckTest, NamedCheckzoneAcceptsTheZone) {
  if (std::system("command -v named-checkzone >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "named-checkzone (bind9utils) is not installed";
  }
  const std::string path =
      WriteTemp("csx-test.rpz", Render(FeedProfile::kRpz, true));
  EXPECT_EQ(std::system(("named-checkzone -q rpz.csx " + path).c_str()), 0);
  const std::string empty =
      WriteTemp("csx-empty.rpz", RenderEmpty(FeedProfile::kRpz));
  EXPECT_EQ(std::system(("named-checkzone -q rpz.csx " + empty).c_str()), 0);
}

TEST(SensorCheckTest, NftChecksTheScript) {
  if (std::system("nft -c -f /dev/null >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "nft is not installed or cannot check scripts here "
                    "(it needs CAP_NET_ADMIN)";
  }
  const std::string path =
      WriteTemp("csx-test.nft", Render(FeedProfile::kNftables, true));
  EXPECT_EQ(std::system(("nft -c -f " + path).c_str()), 0);
}

}  // namespace
}  // namespace csx::formats
