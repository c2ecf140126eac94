// Built-in warninglists, MISP warninglist files, and refusal.
#include "server/core/warninglists.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> Lists(const Warninglists& w, v1::IndicatorType type,
                               const std::string& value) {
  std::vector<std::string> names;
  for (const auto& h : w.Check(type, value)) names.push_back(h.warning.list());
  return names;
}

TEST(WarninglistsTest, BuiltinLists) {
  auto w = Warninglists::Create(v1::WarninglistSection());
  ASSERT_THAT(w, IsOk());
  using ::testing::ElementsAre;
  EXPECT_THAT(Lists(*w, v1::IPV4, "10.1.2.3"), ElementsAre("rfc1918-private"));
  EXPECT_THAT(Lists(*w, v1::IPV4, "8.8.8.8"),
              ElementsAre("public-dns-resolvers"));
  EXPECT_THAT(Lists(*w, v1::IPV6, "2001:4860:4860::8888"),
              ElementsAre("public-dns-resolvers"));
  EXPECT_THAT(Lists(*w, v1::IPV4, "198.51.100.7"),
              ElementsAre("rfc5737-documentation"));
  EXPECT_THAT(Lists(*w, v1::IPV6, "fe80::1"), ElementsAre("ipv6-special"));
  EXPECT_THAT(Lists(*w, v1::IPV4, "239.1.1.1"), ElementsAre("multicast"));
  EXPECT_THAT(Lists(*w, v1::CIDR, "172.16.4.0/24"),
              ElementsAre("rfc1918-private"));
  EXPECT_THAT(Lists(*w, v1::URL, "http://192.168.1.1:8080/admin"),
              ElementsAre("rfc1918-private"));
  EXPECT_THAT(Lists(*w, v1::URL, "http://[2001:db8::5]/x"),
              ElementsAre("rfc5737-documentation"));
  EXPECT_THAT(Lists(*w, v1::DOMAIN, "mail.example.com"),
              ElementsAre("rfc6761-special-use-domains"));
  EXPECT_THAT(Lists(*w, v1::EMAIL, "bob@host.test"),
              ElementsAre("rfc6761-special-use-domains"));
  // Near misses are not hits.
  EXPECT_THAT(Lists(*w, v1::DOMAIN, "notexample.com"), ElementsAre());
  EXPECT_THAT(Lists(*w, v1::IPV4, "11.0.0.1"), ElementsAre());
  EXPECT_THAT(Lists(*w, v1::SHA256, std::string(64, 'a')), ElementsAre());
  auto hits = w->Check(v1::URL, "http://192.168.1.1:8080/admin");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].warning.detail(), "192.168.1.1");
  EXPECT_FALSE(hits[0].refuse);
}

TEST(WarninglistsTest, MispFilesAndRefusal) {
  Warninglists w;
  ASSERT_THAT(w.AddMispList(R"({"name":"Corporate ranges","type":"cidr",
                               "list":["203.0.113.0/24","2001:DB8:1::/48"]})",
                            "corp.json"),
              IsOk());
  ASSERT_THAT(w.AddMispList(R"({"name":"Resolvers","type":"string",
                               "list":["2001:4860:4860:0:0:0:0:8888"]})",
                            "dns.json"),
              IsOk());
  ASSERT_THAT(w.AddMispList(
                  R"({"name":"CDN","type":"hostname","list":["cdn.example."]})",
                  "cdn.json"),
              IsOk());
  EXPECT_THAT(Lists(w, v1::IPV4, "203.0.113.9"),
              ::testing::ElementsAre("Corporate ranges"));
  EXPECT_THAT(Lists(w, v1::IPV6, "2001:4860:4860::8888"),
              ::testing::ElementsAre("Resolvers"));
  EXPECT_THAT(Lists(w, v1::URL, "https://a.cdn.example/x"),
              ::testing::ElementsAre("CDN"));
  EXPECT_THAT(
      w.AddMispList("[1,2]", "bad.json"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.json")));
  EXPECT_THAT(
      w.AddMispList(R"({"name":"x","type":"regex","list":["a.*"]})", "re.json"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("unsupported list type")));
  EXPECT_THAT(
      w.AddMispList(R"({"name":"x","type":"cidr","list":["nope"]})", "c.json"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'nope'")));

  v1::WarninglistSection config;
  config.add_refuse("rfc1918-private");
  auto refusing = Warninglists::Create(config);
  ASSERT_THAT(refusing, IsOk());
  auto hits = refusing->Check(v1::IPV4, "192.168.0.1");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].refuse);
  config.add_refuse("no-such-list");
  EXPECT_THAT(Warninglists::Create(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("warninglists.refuse[1]")));
  config.Clear();
  config.add_files("/nonexistent/list.json");
  EXPECT_THAT(Warninglists::Create(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/nonexistent/list.json")));
}

}  // namespace
}  // namespace csx
