#include "client/formats/jsonl_reader.h"

#include <ostream>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/timestamps.h"
#include "tests/status_matchers.h"

namespace csx::formats {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::csx::testing::Ts;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(JsonlReaderTest, ReadsEveryInputField) {
  auto records = ReadJsonl(
      R"({"type":"ipv4","value":"192.0.2.1","tlp":"TLP:AMBER","confidence":80,)"
      R"("severity":"high","tags":["c2"," botnet",""],"sectors":"finance; energy",)"
      R"("description":" kept  verbatim ","valid_from":"2025-01-02T03:04:05Z",)"
      R"("valid_until":"2025-02-01","first_seen":"2024-12-31T22:00:00Z",)"
      R"("last_seen":"2025-01-01T00:00:00.250Z"})");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].line, 1);
  ASSERT_THAT(records[0].input, IsOk());
  v1::IndicatorInput want;
  want.set_type("ipv4");
  want.set_value("192.0.2.1");
  want.set_tlp("TLP:AMBER");
  want.set_confidence(80);
  want.set_severity("high");
  want.add_tags("c2");
  want.add_tags("botnet");
  want.add_sectors("finance");
  want.add_sectors("energy");
  want.set_description(" kept  verbatim ");
  *want.mutable_valid_from() = Ts("2025-01-02T03:04:05Z");
  *want.mutable_valid_until() = Ts("2025-02-01T00:00:00Z");
  *want.mutable_first_seen() = Ts("2024-12-31T22:00:00Z");
  *want.mutable_last_seen() = Ts("2025-01-01T00:00:00.250Z");
  EXPECT_EQ(records[0].input->DebugString(), want.DebugString());
}

TEST(JsonlReaderTest, BlankLinesSkippedAndLinesNumbered) {
  auto records = ReadJsonl(
      "\xEF\xBB\xBF\n"
      "{\"type\":\"ipv4\",\"value\":\"1.1.1.1\"}\r\n"
      "   \r\n"
      "\n"
      "{\"type\":\"domain\",\"value\":\"a.example\",\"confidence\":null}");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 2);
  ASSERT_THAT(records[0].input, IsOk());
  EXPECT_EQ(records[0].input->value(), "1.1.1.1");
  EXPECT_EQ(records[1].line, 5);
  ASSERT_THAT(records[1].input, IsOk());
  EXPECT_EQ(records[1].input->value(), "a.example");
  EXPECT_FALSE(records[1].input->has_confidence());
}

// Found by jsonl_fuzz: a number too large for a double threw out_of_range,
// which only parse errors were caught for.
TEST(JsonlReaderTest, NumberOutOfRangeIsRejectedAlone) {
  auto records = ReadJsonl(
      "{\"type\":\"ipv4\",\"value\":\"192.0.2.1\"}\n"
      "{\"seq\":366666666666666666666660000000000000e999999}\n"
      "{\"type\":\"ipv4\",\"value\":\"192.0.2.2\",\"confidence\":1e400}\n"
      "{\"type\":\"ipv4\",\"value\":\"192.0.2.3\"}\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_THAT(records[0].input, IsOk());
  EXPECT_THAT(records[1].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("json: invalid JSON")));
  EXPECT_FALSE(records[2].input.ok());
  EXPECT_THAT(records[3].input, IsOk());
}

TEST(JsonlReaderTest, ReadsPulledFeedEntry) {
  auto records = ReadJsonl(
      R"({"seq":12,"op":"revoke","time":"2025-01-02T03:04:05.000Z",)"
      R"("indicator":{"id":"abc","type":"domain","value":"evil.example",)"
      R"("tlp":"GREEN","confidence":70,"severity":"low","tags":["x"],)"
      R"("sectors":[],"description":"d","origin":"us.cisa","version":2,)"
      R"("revoked":true,"revoked_reason":"fp","path":["us.cisa"],)"
      R"("sightings":{"count":1},"expired":false,"warnings":[],)"
      R"("created":"2025-01-01T00:00:00.000Z","modified":"2025-01-02T00:00:00.000Z"}})");
  ASSERT_EQ(records.size(), 1u);
  ASSERT_THAT(records[0].input, IsOk());
  const v1::IndicatorInput& in = *records[0].input;
  EXPECT_EQ(in.type(), "domain");
  EXPECT_EQ(in.value(), "evil.example");
  EXPECT_EQ(in.tlp(), "GREEN");
  EXPECT_EQ(in.confidence(), 70u);
  EXPECT_EQ(in.severity(), "low");
  EXPECT_THAT(in.tags(), ElementsAre("x"));
  EXPECT_THAT(in.sectors(), IsEmpty());
  EXPECT_EQ(in.description(), "d");
}

struct ErrorCase {
  std::string name;
  std::string line;
  std::string error;  // the exact message
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class JsonlErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(JsonlErrorTest, RejectsLineNamingTheField) {
  const ErrorCase& c = GetParam();
  auto records =
      ReadJsonl("{\"type\":\"ipv4\",\"value\":\"1.1.1.1\"}\n\n" + c.line +
                "\n{\"type\":\"ipv4\",\"value\":\"1.1.1.2\"}\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].input, IsOk());
  EXPECT_EQ(records[1].line, 3);
  EXPECT_THAT(records[1].input,
              StatusIs(absl::StatusCode::kInvalidArgument, c.error));
  EXPECT_THAT(records[2].input, IsOk());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonlErrorTest,
    ::testing::Values(
        ErrorCase{"InvalidJson", R"({"type":"ipv4",)",
                  "json: invalid JSON at column 16"},
        ErrorCase{"TrailingGarbage", R"({"type":"ipv4","value":"x"} x)",
                  "json: invalid JSON at column 29"},
        ErrorCase{"NotAnObject", R"(["ipv4","1.1.1.1"])",
                  "json: expected an object, got array"},
        ErrorCase{"UnknownKey", R"({"type":"ipv4","value":"x","colour":"red"})",
                  "colour: unknown field"},
        ErrorCase{"ConfidenceString",
                  R"({"type":"ipv4","value":"x","confidence":"80"})",
                  "confidence: expected an integer 0..100, got string"},
        ErrorCase{"ConfidenceFraction",
                  R"({"type":"ipv4","value":"x","confidence":80.5})",
                  "confidence: expected an integer 0..100, got a fraction"},
        ErrorCase{"ConfidenceOutOfRange",
                  R"({"type":"ipv4","value":"x","confidence":101})",
                  "confidence: 101 is out of range 0..100"},
        ErrorCase{
            "ConfidenceHuge",
            R"({"type":"ipv4","value":"x","confidence":18446744073709551615})",
            "confidence: 18446744073709551615 is out of range 0..100"},
        ErrorCase{"ConfidenceNegative",
                  R"({"type":"ipv4","value":"x","confidence":-3})",
                  "confidence: -3 is out of range 0..100"},
        ErrorCase{"ValueNumber", R"({"type":"ipv4","value":16843009})",
                  "value: expected a string, got number"},
        ErrorCase{"TagsNumber", R"({"type":"ipv4","value":"x","tags":5})",
                  "tags: expected an array of strings or a ';'-separated "
                  "string"},
        ErrorCase{"TagsArrayOfNumbers",
                  R"({"type":"ipv4","value":"x","tags":["a",1]})",
                  "tags: expected an array of strings or a ';'-separated "
                  "string"},
        ErrorCase{"BadTime",
                  R"({"type":"ipv4","value":"x","valid_until":"tomorrow"})",
                  "valid_until: invalid time 'tomorrow': expected RFC 3339 "
                  "(2025-01-02T03:04:05Z) or a date (2025-01-02)"},
        ErrorCase{"TimeNotString",
                  R"({"type":"ipv4","value":"x","valid_from":1735689600})",
                  "valid_from: expected a string, got number"},
        ErrorCase{"MissingValue", R"({"type":"ipv4"})",
                  "value: required field is empty"},
        ErrorCase{"EntryIndicatorNotObject", R"({"seq":1,"indicator":"x"})",
                  "indicator: expected an object, got string"},
        ErrorCase{
            "EntryUnknownKey",
            R"({"seq":1,"extra":1,"indicator":{"type":"ipv4","value":"x"}})",
            "extra: unknown field"},
        ErrorCase{
            "EntryNestedError",
            R"({"seq":1,"indicator":{"type":"ipv4","value":"x","confidence":true}})",
            "indicator.confidence: expected an integer 0..100, got "
            "boolean"},
        ErrorCase{
            "EntryNestedRange",
            R"({"seq":1,"indicator":{"type":"ipv4","value":"x","confidence":200}})",
            "indicator.confidence: 200 is out of range 0..100"},
        ErrorCase{"EntryNestedMissing",
                  R"({"seq":1,"indicator":{"type":"ipv4"}})",
                  "indicator.value: required field is empty"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      return info.param.name;
    });

// Tests from the first version of this file.
TEST(JsonlReaderTest, ValidAndInvalidLines) {
  const std::string content =
      R"({"type":"ipv4","value":"192.0.2.1","tags":["a","b"],"confidence":90})"
      "\n\n"
      R"({"type":"domain","value":"x.example","tags":"c;d"})"
      "\n"
      R"({"type":"ipv4","value":"192.0.2.2","colour":"red"})"
      "\n"
      R"({"type":"ipv4","value":"192.0.2.3","confidence":"high"})"
      "\n"
      R"({"type":"ipv4",)"
      "\n"
      R"(["not","an","object"])"
      "\n"
      R"({"seq":5,"op":"upsert","indicator":{"type":"sha1","value":"da39a3ee5e6b4b0d3255bfef95601890afd80709","id":"x"}})"
      "\n";
  auto records = ReadJsonl(content);
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[0].line, 1);
  ASSERT_THAT(records[0].input, IsOk());
  EXPECT_EQ(records[0].input->confidence(), 90u);
  EXPECT_EQ(records[1].line, 3);
  ASSERT_THAT(records[1].input, IsOk());
  EXPECT_THAT(records[1].input->tags(), ::testing::ElementsAre("c", "d"));
  EXPECT_THAT(records[2].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("colour: unknown field")));
  EXPECT_THAT(records[3].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("confidence:")));
  EXPECT_THAT(records[4].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("json: invalid JSON")));
  EXPECT_THAT(records[5].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("expected an object")));
  ASSERT_THAT(records[6].input, IsOk());
  EXPECT_EQ(records[6].input->type(), "sha1");
  EXPECT_EQ(records[6].line, 8);
}

}  // namespace
}  // namespace csx::formats
