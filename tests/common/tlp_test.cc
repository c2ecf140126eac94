#include "common/tlp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ip_address.h"
#include "common/severity.h"
#include "common/time_util.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TlpTest, Spellings) {
  const std::vector<std::pair<std::string, v1::Tlp>> cases = {
      {"CLEAR", v1::TLP_CLEAR},
      {"TLP:CLEAR", v1::TLP_CLEAR},
      {"white", v1::TLP_CLEAR},
      {"TLP:WHITE", v1::TLP_CLEAR},
      {"green", v1::TLP_GREEN},
      {"tlp:green", v1::TLP_GREEN},
      {"AMBER", v1::TLP_AMBER},
      {" Amber ", v1::TLP_AMBER},
      {"AMBER+STRICT", v1::TLP_AMBER_STRICT},
      {"tlp:amber+strict", v1::TLP_AMBER_STRICT},
      {"amber_strict", v1::TLP_AMBER_STRICT},
      {"RED", v1::TLP_RED},
      {"TLP:RED", v1::TLP_RED},
  };
  for (const auto& [in, want] : cases) {
    auto got = ParseTlp(in);
    ASSERT_TRUE(got.ok()) << in;
    EXPECT_EQ(*got, want) << in;
  }
  for (const std::string bad :
       {"", "PURPLE", "TLP:", "AMBER STRICT", "TLP-RED", "red!"}) {
    EXPECT_THAT(ParseTlp(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tlp:")))
        << bad;
  }
  EXPECT_EQ(TlpName(v1::TLP_AMBER_STRICT), "AMBER+STRICT");
  EXPECT_LT(TlpRank(v1::TLP_CLEAR), TlpRank(v1::TLP_GREEN));
  EXPECT_LT(TlpRank(v1::TLP_GREEN), TlpRank(v1::TLP_AMBER));
  EXPECT_LT(TlpRank(v1::TLP_AMBER), TlpRank(v1::TLP_AMBER_STRICT));
  EXPECT_LT(TlpRank(v1::TLP_AMBER_STRICT), TlpRank(v1::TLP_RED));
}

TEST(SeverityTest, Names) {
  EXPECT_EQ(*ParseSeverity("HIGH"), v1::SEVERITY_HIGH);
  EXPECT_EQ(SeverityName(v1::SEVERITY_CRITICAL), "critical");
  EXPECT_THAT(
      ParseSeverity("urgent"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("severity:")));
}

TEST(IpRangeTest, ContainmentIsByteOrder) {
  auto net = RangeOfIp("10.0.0.0/8");
  auto inside = RangeOfIp("10.200.1.1");
  auto outside = RangeOfIp("11.0.0.0");
  ASSERT_TRUE(net.ok() && inside.ok() && outside.ok());
  EXPECT_LE(net->lo, inside->lo);
  EXPECT_GE(net->hi, inside->hi);
  EXPECT_LT(net->hi, outside->lo);
  auto v6 = RangeOfIndicator(v1::CIDR, "2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(FormatIpAddress(IpAddress{true, v6->hi}),
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_FALSE(RangeOfIp("not-an-ip").ok());
}

TEST(TimeUtilTest, ParseFormatDuration) {
  auto t = ParseTime("2025-01-02T03:04:05Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(csx::FormatTime(*t), "2025-01-02T03:04:05.000Z");
  EXPECT_EQ(csx::FormatTime(*ParseTime("2025-01-02")),
            "2025-01-02T00:00:00.000Z");
  EXPECT_EQ(csx::FormatTime(*ParseTime("2025-01-02T05:04:05+02:00")),
            "2025-01-02T03:04:05.000Z");
  EXPECT_THAT(ParseTime("yesterday"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(*ParseDuration("90d"), absl::Hours(24 * 90));
  EXPECT_EQ(*ParseDuration("12h"), absl::Hours(12));
  EXPECT_THAT(ParseDuration("3 weeks"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseDuration("0d"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FromProto(ToProto(*t)), *t);
}

}  // namespace
}  // namespace csx
