// ReadCsv: RFC 4180 syntax, header rules, per-line errors with exact line
// numbers, and the round trip of csx's own CSV output.
#include "client/formats/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "client/formats/output.h"
#include "common/time_util.h"
#include "tests/status_matchers.h"

namespace csx::formats {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CsvReaderTest, QuotingAndLineNumbers) {
  const std::string csv =
      "type,value,description,tags\r\n"
      "ipv4,192.0.2.1,\"a, b\",x;y\r\n"
      "\n"
      "domain,example.com,\"two\nlines\",\"\"\n"
      "url,\"http://example.com/?a=\"\"b\"\"\",plain,\n";
  auto records = ReadCsv(csv);
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].line, 2);
  ASSERT_THAT((*records)[0].input, IsOk());
  EXPECT_EQ((*records)[0].input->description(), "a, b");
  EXPECT_THAT((*records)[0].input->tags(), ::testing::ElementsAre("x", "y"));
  EXPECT_EQ((*records)[1].line, 4);
  EXPECT_EQ((*records)[1].input->description(), "two\nlines");
  EXPECT_EQ((*records)[2].line, 6);  // after the quoted newline
  EXPECT_EQ((*records)[2].input->value(), "http://example.com/?a=\"b\"");
}

TEST(CsvReaderTest, PerLineErrors) {
  struct Case {
    std::string row;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"ipv4,192.0.2.1,abc,", "confidence: not a number 'abc'"},
      {"ipv4,192.0.2.1,101,", "confidence:"},
      {"ipv4,192.0.2.1,-1,", "confidence:"},
      {"ipv4,192.0.2.1,50,yesterday", "valid_until:"},
      {"ipv4,192.0.2.1,50", "csv:"},
      {"ipv4,192.0.2.1,50,,extra", "csv:"},
      {",192.0.2.1,50,", "type: required field is empty"},
      {"ipv4,,50,", "value: required field is empty"},
  };
  std::string csv = "type,value,confidence,valid_until\n";
  for (const auto& c : cases) csv += c.row + "\n";
  auto records = ReadCsv(csv);
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ((*records)[i].line, static_cast<int>(i + 2));
    EXPECT_THAT(
        (*records)[i].input,
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(cases[i].error)))
        << cases[i].row;
  }
}

TEST(CsvReaderTest, HeaderErrors) {
  EXPECT_THAT(ReadCsv("type,confidence\nipv4,1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("header: missing required column 'value'")));
  EXPECT_THAT(ReadCsv("type,value,colour\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown column 'colour'")));
  EXPECT_THAT(ReadCsv("type,value,value\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("duplicate column")));
  EXPECT_THAT(ReadCsv(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("header")));
}

TEST(CsvReaderTest, UnterminatedQuoteStopsAtItsLine) {
  auto records =
      ReadCsv("type,value\nipv4,192.0.2.1\nipv4,\"192.0.2.2\nipv4,192.0.2.3\n");
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].line, 3);
  EXPECT_THAT((*records)[1].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("unterminated")));
}

TEST(CsvReaderTest, OwnCsvOutputReadsBack) {
  v1::Indicator ind;
  ind.set_id("7d3e2a4c-0000-4000-8000-000000000001");
  ind.set_type(v1::URL);
  ind.set_value("http://example.com/a,b?\"q\"");
  ind.set_tlp(v1::TLP_AMBER_STRICT);
  ind.set_confidence(77);
  ind.set_severity(v1::SEVERITY_HIGH);
  ind.add_tags("c2");
  ind.add_tags("apt x");
  ind.add_sectors("energy");
  ind.set_description("line one\nline two, with comma");
  *ind.mutable_valid_until() = ToProto(absl::FromUnixSeconds(1900000000));
  ind.set_origin("cl.csirt");
  std::ostringstream out;
  IndicatorWriter writer(OutputFormat::kCsv, out);
  writer.Write(ind);
  writer.Finish();
  auto records = ReadCsv(out.str());
  ASSERT_THAT(records, IsOk()) << out.str();
  ASSERT_EQ(records->size(), 1u);
  ASSERT_THAT((*records)[0].input, IsOk());
  const v1::IndicatorInput& in = *(*records)[0].input;
  EXPECT_EQ(in.type(), "url");
  EXPECT_EQ(in.value(), ind.value());
  EXPECT_EQ(in.tlp(), "AMBER+STRICT");
  EXPECT_EQ(in.confidence(), 77u);
  EXPECT_EQ(in.severity(), "high");
  EXPECT_THAT(in.tags(), ::testing::ElementsAre("c2", "apt x"));
  EXPECT_THAT(in.sectors(), ::testing::ElementsAre("energy"));
  EXPECT_EQ(in.description(), ind.description());
  EXPECT_EQ(in.valid_until().seconds(), 1900000000);
}

}  // namespace
}  // namespace csx::formats
