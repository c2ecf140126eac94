#include "client/formats/format_detect.h"

#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace csx::formats {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

struct DetectCase {
  std::string path;
  std::string content;
  std::string want;
};

void PrintTo(const DetectCase& c, std::ostream* os) {
  *os << c.path << " -> " << c.want;
}

class DetectFormatTest : public ::testing::TestWithParam<DetectCase> {};

TEST_P(DetectFormatTest, Detects) {
  const DetectCase& c = GetParam();
  auto got = DetectFormat(c.path, c.content);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DetectFormatTest,
    ::testing::Values(
        // The extension wins over the content.
        DetectCase{"iocs.csv", "{\"type\":\"ipv4\"}", "csv"},
        DetectCase{"/tmp/x/IOCS.CSV", "", "csv"},
        DetectCase{"iocs.jsonl", "type,value", "jsonl"},
        DetectCase{"iocs.ndjson", "", "jsonl"},
        DetectCase{"iocs.json", "", "jsonl"},
        // Otherwise the first non-blank character decides.
        DetectCase{"-", "\n  {\"type\":\"ipv4\"}\n", "jsonl"},
        DetectCase{"-", "\xEF\xBB\xBF{}", "jsonl"},
        DetectCase{"-", "type,value\n", "csv"},
        DetectCase{"iocs.txt", "{}", "jsonl"},
        DetectCase{"dir.csv/iocs", "{}", "jsonl"},
        DetectCase{".csv", "{}", "jsonl"}));

TEST(DetectFormatTest, EmptyInputWithoutExtensionFails) {
  EXPECT_THAT(
      DetectFormat("-", " \n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("use --format")));
}

TEST(DetectFormatTest, TruncatedJsonDocumentFailsAsAWhole) {
  const std::string bundle =
      "{\n  \"type\": \"bundle\",\n  \"id\": \"bundle--1\",\n"
      "  \"objects\": [\n    {\"type\": \"indicator\"";
  for (const std::string path : {"-", "report.json", "report.txt"}) {
    EXPECT_THAT(DetectFormat(path, bundle),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("not valid JSON at byte")))
        << path;
  }
  EXPECT_THAT(DetectFormat("events.json", "[{\"Event\": {\"info\": \"x\""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("truncated STIX bundle or MISP event")));
  // JSON lines whose last line is cut stay JSON lines: that line is rejected
  // alone by the reader.
  EXPECT_THAT(DetectFormat("-", "{\"type\":\"ipv4\"}\n{\"type\":"), IsOk());
  EXPECT_EQ(*DetectFormat("-", "{\"type\":\"ipv4\"}\n{\"type\":"), "jsonl");
}

// Found by csv_fuzz: a number too large for a double made the error path
// throw out_of_range instead of parse_error.
TEST(DetectFormatTest, HugeNumberInABrokenDocumentIsAnError) {
  const std::string input =
      "[5555555555555555e55555555555,ipv455555555555e55555555555,"
      "ipv45555555555672r\"{\"555";
  EXPECT_THAT(DetectFormat("-", input),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid JSON")));
  EXPECT_THAT(DetectFormat("-", "[1e999999]"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid JSON")));
}

}  // namespace
}  // namespace csx::formats
