// ReadCsv: RFC 4180 syntax, header rules, per-line errors with exact line
// numbers, and the round trip of csx's own CSV output.
#include "client/formats/csv_reader.h"

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "client/formats/output.h"
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
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(CsvReaderTest, ReadsEveryInputField) {
  const std::string csv =
      "type,value,tlp,confidence,severity,tags,sectors,description,"
      "valid_from,valid_until,first_seen,last_seen\n"
      "ipv4,192.0.2.1,amber+strict,80,high,c2; botnet,finance;energy,"
      "seen in phishing,2025-01-02T03:04:05Z,2025-02-01,"
      "2024-12-31T23:00:00+01:00,2025-01-01T00:00:00.250Z\n";
  auto records = ReadCsv(csv);
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 1u);
  const InputRecord& r = (*records)[0];
  EXPECT_EQ(r.line, 2);
  ASSERT_THAT(r.input, IsOk());
  v1::IndicatorInput want;
  want.set_type("ipv4");
  want.set_value("192.0.2.1");
  want.set_tlp("amber+strict");
  want.set_confidence(80);
  want.set_severity("high");
  want.add_tags("c2");
  want.add_tags("botnet");
  want.add_sectors("finance");
  want.add_sectors("energy");
  want.set_description("seen in phishing");
  *want.mutable_valid_from() = Ts("2025-01-02T03:04:05Z");
  *want.mutable_valid_until() = Ts("2025-02-01T00:00:00Z");
  *want.mutable_first_seen() = Ts("2024-12-31T22:00:00Z");
  *want.mutable_last_seen() = Ts("2025-01-01T00:00:00.250Z");
  EXPECT_EQ(r.input->DebugString(), want.DebugString());
}

TEST(CsvReaderTest, OptionalFieldsLeftUnset) {
  auto records = ReadCsv("value,type,confidence,valid_until\n1.2.3.4,ipv4,,\n");
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 1u);
  ASSERT_THAT((*records)[0].input, IsOk());
  const v1::IndicatorInput& in = *(*records)[0].input;
  EXPECT_EQ(in.type(), "ipv4");
  EXPECT_EQ(in.value(), "1.2.3.4");
  EXPECT_FALSE(in.has_confidence());
  EXPECT_FALSE(in.has_valid_until());
  EXPECT_THAT(in.tags(), IsEmpty());
}

// A successfully parsed record: its line and the fields a case looks at.
struct WantRecord {
  int line;
  std::string value;
  std::string description;
  std::vector<std::string> tags;
};

struct SyntaxCase {
  std::string name;
  std::string content;
  std::vector<WantRecord> want;
};

void PrintTo(const SyntaxCase& c, std::ostream* os) { *os << c.name; }

class CsvSyntaxTest : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(CsvSyntaxTest, Parses) {
  const SyntaxCase& c = GetParam();
  auto records = ReadCsv(c.content);
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), c.want.size());
  for (size_t i = 0; i < c.want.size(); ++i) {
    SCOPED_TRACE(i);
    const InputRecord& r = (*records)[i];
    EXPECT_EQ(r.line, c.want[i].line);
    ASSERT_THAT(r.input, IsOk());
    EXPECT_EQ(r.input->value(), c.want[i].value);
    EXPECT_EQ(r.input->description(), c.want[i].description);
    EXPECT_THAT(std::vector<std::string>(r.input->tags().begin(),
                                         r.input->tags().end()),
                ::testing::ContainerEq(c.want[i].tags));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CsvSyntaxTest,
    ::testing::Values(
        SyntaxCase{"QuotedComma",
                   "type,value,description\nipv4,1.2.3.4,\"a, b\"\n",
                   {{2, "1.2.3.4", "a, b", {}}}},
        SyntaxCase{"EscapedQuotes",
                   "type,value,description\nurl,\"http://x/?a=\"\"b\"\"\","
                   "\"say \"\"hi\"\"\"\n",
                   {{2, "http://x/?a=\"b\"", "say \"hi\"", {}}}},
        SyntaxCase{"QuotedNewlineSpansLines",
                   "type,value,description\n"
                   "ipv4,1.1.1.1,\"line one\nline two\n\"\n"
                   "ipv4,2.2.2.2,next\n",
                   {{2, "1.1.1.1", "line one\nline two\n", {}},
                    {5, "2.2.2.2", "next", {}}}},
        SyntaxCase{"Crlf",
                   "type,value,description\r\nipv4,1.1.1.1,\"a\r\nb\"\r\n"
                   "domain,example.com,c\r\n",
                   {{2, "1.1.1.1", "a\r\nb", {}}, {4, "example.com", "c", {}}}},
        SyntaxCase{
            "BlankLinesSkipped",
            "\ntype,value\n\nipv4,1.1.1.1\n  \t\r\n\ndomain,a.example\n\n",
            {{4, "1.1.1.1", "", {}}, {7, "a.example", "", {}}}},
        SyntaxCase{"HeaderCaseInsensitiveAndTrimmed",
                   " Type ,VALUE,\tTags\nipv4,1.1.1.1,x\n",
                   {{2, "1.1.1.1", "", {"x"}}}},
        SyntaxCase{"ByteOrderMark",
                   "\xEF\xBB\xBFtype,value\nipv4,1.1.1.1",
                   {{2, "1.1.1.1", "", {}}}},
        SyntaxCase{"NoTrailingNewline",
                   "type,value\nipv4,1.1.1.1",
                   {{2, "1.1.1.1", "", {}}}},
        SyntaxCase{"UnquotedBlanksTrimmedQuotedKept",
                   "type, value, description\nipv4 ,  1.1.1.1 ,  \"  x  \" \n",
                   {{2, "1.1.1.1", "  x  ", {}}}},
        SyntaxCase{"ListsSplitTrimmedEmptiesDropped",
                   "type,value,tags\nipv4,1.1.1.1,\"a; b;;c ; \"\n",
                   {{2, "1.1.1.1", "", {"a", "b", "c"}}}},
        SyntaxCase{"QuoteInsideUnquotedFieldIsLiteral",
                   "type,value,description\nipv4,1.1.1.1,5\" disk\n",
                   {{2, "1.1.1.1", "5\" disk", {}}}},
        SyntaxCase{"OutputOnlyColumnsIgnored",
                   "id,type,value,origin,created,modified,version,revoked,"
                   "sightings,warnings,seq,op,reporter,revoked_reason,path,"
                   "expired\n"
                   "abc,ipv4,1.1.1.1,cl.csirt,x,x,3,true,2,w:d,7,upsert,r,rr,"
                   "p,false\n",
                   {{2, "1.1.1.1", "", {}}}},
        SyntaxCase{"HeaderOnly", "type,value\n", {}}),
    [](const ::testing::TestParamInfo<SyntaxCase>& info) {
      return info.param.name;
    });

struct LineErrorCase {
  std::string name;
  std::string content;
  int line;           // of the bad record
  std::string error;  // substring of its message
};

void PrintTo(const LineErrorCase& c, std::ostream* os) { *os << c.name; }

class CsvLineErrorTest : public ::testing::TestWithParam<LineErrorCase> {};

TEST_P(CsvLineErrorTest, RejectsOnlyThatLine) {
  const LineErrorCase& c = GetParam();
  auto records = ReadCsv(c.content);
  ASSERT_THAT(records, IsOk());
  int errors = 0;
  for (const InputRecord& r : *records) {
    if (r.input.ok()) continue;
    ++errors;
    EXPECT_EQ(r.line, c.line);
    EXPECT_THAT(r.input, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr(c.error)));
  }
  EXPECT_EQ(errors, 1);
}

const char kHeader[] = "type,value,confidence,valid_until,description\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, CsvLineErrorTest,
    ::testing::Values(
        LineErrorCase{"BadConfidence",
                      std::string(kHeader) + "ipv4,1.1.1.1,50,,\n\n" +
                          "ipv4,1.1.1.2,abc,,\nipv4,1.1.1.3,,,\n",
                      4, "confidence: not a number 'abc'"},
        LineErrorCase{"ConfidenceOutOfRange",
                      std::string(kHeader) + "ipv4,1.1.1.1,101,,\n", 2,
                      "confidence: 101 is out of range 0..100"},
        LineErrorCase{"NegativeConfidence",
                      std::string(kHeader) + "ipv4,1.1.1.1,-1,,\n", 2,
                      "confidence: -1 is out of range 0..100"},
        LineErrorCase{"BadTime",
                      std::string(kHeader) + "ipv4,1.1.1.1,,,\"d\ne\"\n" +
                          "ipv4,1.1.1.2,,next week,\n",
                      4, "valid_until: invalid time 'next week'"},
        LineErrorCase{"TooFewFields",
                      std::string(kHeader) + "ipv4,1.1.1.1\nipv4,1.1.1.2,,,\n",
                      2, "csv: expected 5 fields, got 2"},
        LineErrorCase{"TooManyFields",
                      std::string(kHeader) + "ipv4,1.1.1.1,,,,extra\n", 2,
                      "csv: expected 5 fields, got 6"},
        LineErrorCase{"TextAfterClosingQuote",
                      std::string(kHeader) + "ipv4,1.1.1.1,,,\"ab\"cd\n", 2,
                      "description: unexpected text after closing quote"},
        LineErrorCase{"EmptyValue", std::string(kHeader) + "ipv4, ,,,\n", 2,
                      "value: required field is empty"},
        LineErrorCase{"EmptyType", std::string(kHeader) + ",1.1.1.1,,,\n", 2,
                      "type: required field is empty"},
        LineErrorCase{"InvalidUtf8",
                      std::string(kHeader) + "ipv4,1.1.1.1,,,bad \xC3\x28\n", 2,
                      "description: invalid UTF-8"}),
    [](const ::testing::TestParamInfo<LineErrorCase>& info) {
      return info.param.name;
    });

TEST(CsvReaderTest, UnterminatedQuoteIsErrorAtRecordStartAndStops) {
  auto records = ReadCsv(
      "type,value,description\n"
      "ipv4,1.1.1.1,ok\n"
      "ipv4,1.1.1.2,\"never closed\n"
      "ipv4,1.1.1.3,swallowed\n");
  ASSERT_THAT(records, IsOk());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_THAT((*records)[0].input, IsOk());
  EXPECT_EQ((*records)[1].line, 3);
  EXPECT_THAT((*records)[1].input, StatusIs(absl::StatusCode::kInvalidArgument,
                                            "csv: unterminated quoted field"));
}

struct HeaderErrorCase {
  std::string name;
  std::string content;
  std::string error;  // the exact message
};

void PrintTo(const HeaderErrorCase& c, std::ostream* os) { *os << c.name; }

class CsvHeaderErrorTest : public ::testing::TestWithParam<HeaderErrorCase> {};

TEST_P(CsvHeaderErrorTest, FailsWholeFile) {
  EXPECT_THAT(ReadCsv(GetParam().content),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CsvHeaderErrorTest,
    ::testing::Values(
        HeaderErrorCase{"MissingValue", "type,tlp\nipv4,AMBER\n",
                        "header: missing required column 'value'"},
        HeaderErrorCase{"MissingType", "value\n1.1.1.1\n",
                        "header: missing required column 'type'"},
        HeaderErrorCase{"UnknownColumn", "type,value,colour\n",
                        "header: unknown column 'colour' (expected type, "
                        "value, tlp, confidence, severity, tags, sectors, "
                        "description, valid_from, valid_until, first_seen, "
                        "last_seen)"},
        HeaderErrorCase{"DuplicateColumn", "type,value,Type\n",
                        "header: duplicate column 'type'"},
        HeaderErrorCase{"EmptyColumnName", "type,value,\n",
                        "header: column 3 has no name"},
        HeaderErrorCase{"UnterminatedQuote", "type,\"value\n",
                        "header: unterminated quoted field"},
        HeaderErrorCase{"TextAfterQuote", "type,\"value\"x\n",
                        "header: column 2: unexpected text after closing "
                        "quote"},
        HeaderErrorCase{"Empty", "", "header: no header row (empty input)"},
        HeaderErrorCase{"OnlyBlankLines", "\n \r\n\n",
                        "header: no header row (empty input)"}),
    [](const ::testing::TestParamInfo<HeaderErrorCase>& info) {
      return info.param.name;
    });

// Tests from the first version of this file.
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
