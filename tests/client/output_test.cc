// IndicatorWriter in every format, the cursor file, and the progress bar.
#include "client/formats/output.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>

#include "client/cursor_file.h"
#include "client/formats/csv_reader.h"
#include "client/formats/indicator_json.h"
#include "client/formats/jsonl_reader.h"
#include "client/progress_bar.h"
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

// An indicator with every field set.
v1::Indicator FullIndicator() {
  v1::Indicator ind;
  ind.set_id("0b7e6c1a-0000-4000-8000-000000000001");
  ind.set_type(v1::IPV4);
  ind.set_value("192.0.2.1");
  ind.set_tlp(v1::TLP_AMBER_STRICT);
  ind.set_confidence(80);
  ind.set_severity(v1::SEVERITY_HIGH);
  ind.add_tags("c2");
  ind.add_tags("botnet");
  ind.add_sectors("finance");
  ind.set_description("seen, \"quoted\"\n  second line ");
  *ind.mutable_valid_from() = Ts("2025-01-02T03:04:05Z");
  *ind.mutable_valid_until() = Ts("2025-04-02T00:00:00.123Z");
  *ind.mutable_first_seen() = Ts("2024-12-30T10:00:00Z");
  *ind.mutable_last_seen() = Ts("2025-01-01T10:00:00Z");
  ind.set_origin("cl.csirt");
  ind.set_reporter("alice");
  *ind.mutable_created() = Ts("2025-01-02T03:04:05Z");
  *ind.mutable_modified() = Ts("2025-01-03T00:00:00Z");
  ind.set_version(3);
  ind.set_revoked(true);
  ind.set_revoked_reason("false positive");
  ind.add_path("cl.csirt");
  ind.set_sighting_count(2);
  *ind.mutable_last_sighting() = Ts("2025-01-03T12:00:00Z");
  ind.set_expired(false);
  v1::Warning* w = ind.add_warnings();
  w->set_list("rfc5737");
  w->set_detail("192.0.2.0/24");
  return ind;
}

// What the server returns for a fresh indicator: nothing optional set.
v1::Indicator MinimalIndicator(const std::string& id,
                               const std::string& value) {
  v1::Indicator ind;
  ind.set_id(id);
  ind.set_type(v1::DOMAIN);
  ind.set_value(value);
  ind.set_tlp(v1::TLP_GREEN);
  ind.set_confidence(50);
  ind.set_severity(v1::SEVERITY_MEDIUM);
  ind.set_origin("cl.csirt");
  *ind.mutable_created() = Ts("2025-01-02T03:04:05Z");
  *ind.mutable_modified() = Ts("2025-01-02T03:04:05Z");
  ind.set_version(1);
  return ind;
}

const char kFullJson[] =
    R"({"confidence":80,"created":"2025-01-02T03:04:05.000Z",)"
    R"("description":"seen, \"quoted\"\n  second line ","expired":false,)"
    R"("first_seen":"2024-12-30T10:00:00.000Z",)"
    R"("id":"0b7e6c1a-0000-4000-8000-000000000001",)"
    R"("last_seen":"2025-01-01T10:00:00.000Z",)"
    R"("modified":"2025-01-03T00:00:00.000Z","origin":"cl.csirt",)"
    R"("path":["cl.csirt"],"reporter":"alice","revoked":true,)"
    R"("revoked_reason":"false positive","sectors":["finance"],)"
    R"("severity":"high",)"
    R"("sightings":{"count":2,"last":"2025-01-03T12:00:00.000Z"},)"
    R"("tags":["c2","botnet"],"tlp":"AMBER+STRICT","type":"ipv4",)"
    R"("valid_from":"2025-01-02T03:04:05.000Z",)"
    R"("valid_until":"2025-04-02T00:00:00.123Z","value":"192.0.2.1",)"
    R"("version":3,"warnings":[{"detail":"192.0.2.0/24","list":"rfc5737"}]})";

TEST(ParseOutputFormatTest, AcceptsKnownNames) {
  struct Case {
    const char* name;
    OutputFormat want;
  };
  for (const Case& c :
       {Case{"table", OutputFormat::kTable}, Case{"json", OutputFormat::kJson},
        Case{"jsonl", OutputFormat::kJsonl}, Case{"csv", OutputFormat::kCsv},
        Case{"JSON", OutputFormat::kJson}}) {
    SCOPED_TRACE(c.name);
    auto got = ParseOutputFormat(c.name);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(*got, c.want);
  }
  EXPECT_EQ(OutputFormatName(OutputFormat::kJsonl), "jsonl");
}

TEST(ParseOutputFormatTest, RejectsUnknownNamingAccepted) {
  EXPECT_THAT(ParseOutputFormat("yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown output format 'yaml' (expected table, json, "
                       "jsonl, csv, stix, zeek, suricata, rpz or nftables)"));
}

TEST(IndicatorJsonTest, FullIndicator) {
  EXPECT_EQ(IndicatorToJson(FullIndicator()).dump(), kFullJson);
}

TEST(IndicatorJsonTest, OmitsUnsetAndEmpty) {
  EXPECT_EQ(IndicatorToJson(MinimalIndicator("id1", "a.example")).dump(),
            R"({"confidence":50,"created":"2025-01-02T03:04:05.000Z",)"
            R"("description":"","expired":false,"id":"id1",)"
            R"("modified":"2025-01-02T03:04:05.000Z","origin":"cl.csirt",)"
            R"("path":[],"revoked":false,"sectors":[],"severity":"medium",)"
            R"("sightings":{"count":0},"tags":[],"tlp":"GREEN",)"
            R"("type":"domain","value":"a.example","version":1,)"
            R"("warnings":[]})");
}

TEST(IndicatorWriterTest, JsonlOneCompactObjectPerLine) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kJsonl, out);
  w.Write(FullIndicator());
  EXPECT_EQ(out.str(), std::string(kFullJson) + "\n");  // written at once
  v1::FeedEntry e;
  e.set_seq(42);
  e.set_op(v1::OP_SIGHTING);
  *e.mutable_time() = Ts("2025-01-03T12:00:00Z");
  *e.mutable_indicator() = FullIndicator();
  w.WriteEntry(e);
  w.Finish();
  EXPECT_EQ(
      out.str(),
      std::string(kFullJson) + "\n" + R"({"indicator":)" + kFullJson +
          R"(,"op":"sighting","seq":42,"time":"2025-01-03T12:00:00.000Z"})"
          "\n");
}

TEST(IndicatorWriterTest, JsonPrettyArrayAtFinish) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kJson, out);
  v1::Indicator ind = MinimalIndicator("id1", "a.example");
  ind.add_tags("x");
  w.Write(ind);
  EXPECT_EQ(out.str(), "");
  w.Finish();
  w.Finish();  // idempotent
  EXPECT_EQ(out.str(), R"([
  {
    "confidence": 50,
    "created": "2025-01-02T03:04:05.000Z",
    "description": "",
    "expired": false,
    "id": "id1",
    "modified": "2025-01-02T03:04:05.000Z",
    "origin": "cl.csirt",
    "path": [],
    "revoked": false,
    "sectors": [],
    "severity": "medium",
    "sightings": {
      "count": 0
    },
    "tags": [
      "x"
    ],
    "tlp": "GREEN",
    "type": "domain",
    "value": "a.example",
    "version": 1,
    "warnings": []
  }
]
)");
}

TEST(IndicatorWriterTest, JsonEmptyResultIsEmptyArray) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kJson, out);
  w.Finish();
  EXPECT_EQ(out.str(), "[]\n");
}

TEST(IndicatorWriterTest, WriteObjectInEveryFormat) {
  const nlohmann::json obj = {{"org", "cl.csirt"},
                              {"indicators", 12},
                              {"ok", true},
                              {"lists", {"a", "b"}},
                              {"errors", {{{"line", 3}, {"error", "x"}}}}};
  struct Case {
    OutputFormat format;
    std::string want;
  };
  for (const Case& c : {
           Case{OutputFormat::kJsonl,
                R"({"errors":[{"error":"x","line":3}],"indicators":12,)"
                R"("lists":["a","b"],"ok":true,"org":"cl.csirt"})"
                "\n"},
           Case{OutputFormat::kJson,
                "{\n  \"errors\": [\n    {\n      \"error\": \"x\",\n"
                "      \"line\": 3\n    }\n  ],\n  \"indicators\": 12,\n"
                "  \"lists\": [\n    \"a\",\n    \"b\"\n  ],\n"
                "  \"ok\": true,\n  \"org\": \"cl.csirt\"\n}\n"},
           Case{OutputFormat::kTable,
                "errors:     [{\"error\":\"x\",\"line\":3}]\n"
                "indicators: 12\n"
                "lists:      a, b\n"
                "ok:         true\n"
                "org:        cl.csirt\n"},
           Case{OutputFormat::kCsv,
                "key,value\n"
                "errors,\"[{\"\"error\"\":\"\"x\"\",\"\"line\"\":3}]\"\n"
                "indicators,12\n"
                "lists,a;b\n"
                "ok,true\n"
                "org,cl.csirt\n"},
       }) {
    SCOPED_TRACE(OutputFormatName(c.format));
    std::ostringstream out;
    IndicatorWriter w(c.format, out);
    w.WriteObject(obj);
    w.Finish();  // prints no empty array or table after an object
    EXPECT_EQ(out.str(), c.want);
  }
}

TEST(IndicatorWriterTest, CsvHeaderAndRow) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kCsv, out);
  w.Write(FullIndicator());
  w.Finish();
  EXPECT_EQ(out.str(),
            "id,type,value,tlp,confidence,severity,tags,sectors,description,"
            "valid_from,valid_until,first_seen,last_seen,origin,created,"
            "modified,version,revoked,sightings,warnings\n"
            "0b7e6c1a-0000-4000-8000-000000000001,ipv4,192.0.2.1,AMBER+STRICT,"
            "80,high,c2;botnet,finance,\"seen, \"\"quoted\"\"\n  second line "
            "\",2025-01-02T03:04:05.000Z,2025-04-02T00:00:00.123Z,"
            "2024-12-30T10:00:00.000Z,2025-01-01T10:00:00.000Z,cl.csirt,"
            "2025-01-02T03:04:05.000Z,2025-01-03T00:00:00.000Z,3,true,2,"
            "rfc5737: 192.0.2.0/24\n");
}

// What ReadCsv/ReadJsonl should recover from `ind`: every input field.
v1::IndicatorInput SubmittableFields(const v1::Indicator& ind) {
  v1::IndicatorInput in;
  in.set_type("ipv4");
  in.set_value(ind.value());
  in.set_tlp("AMBER+STRICT");
  in.set_confidence(ind.confidence());
  in.set_severity("high");
  *in.mutable_tags() = ind.tags();
  *in.mutable_sectors() = ind.sectors();
  in.set_description(ind.description());
  // Only present times: an absent one must stay absent after the trip.
  if (ind.has_valid_from()) *in.mutable_valid_from() = ind.valid_from();
  if (ind.has_valid_until()) *in.mutable_valid_until() = ind.valid_until();
  if (ind.has_first_seen()) *in.mutable_first_seen() = ind.first_seen();
  if (ind.has_last_seen()) *in.mutable_last_seen() = ind.last_seen();
  return in;
}

TEST(IndicatorWriterTest, CsvOutputReadsBackEveryInputField) {
  v1::Indicator second = FullIndicator();
  second.set_value(" 192.0.2.2");  // a blank edge must survive quoting
  second.set_description("");
  second.clear_valid_until();
  second.clear_tags();
  for (bool entries : {false, true}) {
    SCOPED_TRACE(entries ? "entries" : "indicators");
    std::ostringstream out;
    IndicatorWriter w(OutputFormat::kCsv, out);
    for (const v1::Indicator& ind : {FullIndicator(), second}) {
      if (entries) {
        v1::FeedEntry e;
        e.set_seq(7);
        e.set_op(v1::OP_UPSERT);
        *e.mutable_indicator() = ind;
        w.WriteEntry(e);
      } else {
        w.Write(ind);
      }
    }
    w.Finish();
    auto records = ReadCsv(out.str());
    ASSERT_THAT(records, IsOk());
    ASSERT_EQ(records->size(), 2u);
    EXPECT_EQ((*records)[0].line, 2);
    EXPECT_EQ((*records)[1].line, 4);  // the description spans two lines
    ASSERT_THAT((*records)[0].input, IsOk());
    EXPECT_EQ((*records)[0].input->DebugString(),
              SubmittableFields(FullIndicator()).DebugString());
    ASSERT_THAT((*records)[1].input, IsOk());
    v1::IndicatorInput want = SubmittableFields(second);
    want.set_value("192.0.2.2");  // values are trimmed on input
    EXPECT_EQ((*records)[1].input->DebugString(), want.DebugString());
  }
}

TEST(IndicatorWriterTest, JsonlOutputReadsBackEveryInputField) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kJsonl, out);
  w.Write(FullIndicator());
  v1::FeedEntry e;
  e.set_seq(1);
  e.set_op(v1::OP_REVOKE);
  *e.mutable_indicator() = FullIndicator();
  w.WriteEntry(e);
  w.Finish();
  auto records = ReadJsonl(out.str());
  ASSERT_EQ(records.size(), 2u);
  for (const InputRecord& r : records) {
    ASSERT_THAT(r.input, IsOk());
    EXPECT_EQ(r.input->DebugString(),
              SubmittableFields(FullIndicator()).DebugString());
  }
}

TEST(IndicatorWriterTest, TableAlignedAtFinish) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kTable, out);
  v1::Indicator a = MinimalIndicator("id-1", "a.example");
  a.add_tags("c2");
  a.add_tags("apt");
  v1::Indicator b = FullIndicator();
  b.set_id("id-2");
  b.set_expired(true);
  w.Write(a);
  w.Write(b);
  EXPECT_EQ(out.str(), "");
  w.Finish();
  EXPECT_EQ(out.str(),
            "ID    TYPE    VALUE      TLP           CONF  SEV     TAGS       "
            "ORIGIN    MODIFIED                  FLAGS\n"
            "id-1  domain  a.example  GREEN         50    medium  c2,apt     "
            "cl.csirt  2025-01-02T03:04:05.000Z\n"
            "id-2  ipv4    192.0.2.1  AMBER+STRICT  80    high    c2,botnet  "
            "cl.csirt  2025-01-03T00:00:00.000Z  REVOKED EXPIRED !rfc5737\n");
}

TEST(IndicatorWriterTest, TableEntriesTruncateAndSanitise) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kTable, out);
  v1::FeedEntry e;
  e.set_seq(9);
  e.set_op(v1::OP_EXPIRE);
  *e.mutable_indicator() = MinimalIndicator(
      "id-1", "https://example.com/" + std::string(50, 'x') + "\x1b[31m");
  e.mutable_indicator()->set_type(v1::URL);
  w.WriteEntry(e);
  w.Finish();
  const std::string value =
      "https://example.com/" + std::string(39, 'x') + "\u2026";  // 60 wide
  EXPECT_EQ(
      out.str(),
      "SEQ  OP      ID    TYPE  VALUE" + std::string(55, ' ') +
          "  TLP    CONF  SEV     TAGS  ORIGIN    MODIFIED                "
          "  FLAGS\n"
          "9    expire  id-1  url   " +
          value +
          "  GREEN  50    medium        cl.csirt  "
          "2025-01-02T03:04:05.000Z\n");
}

TEST(IndicatorWriterTest, TableEmptyPrintsNothing) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kTable, out);
  w.Finish();
  EXPECT_EQ(out.str(), "");
}

TEST(IndicatorWriterTest, TableSanitisesControlCharactersInObjects) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kTable, out);
  w.WriteObject({{"problem",
                  "bad\x1b]0;title\x07 \xC2\x9B"
                  "2J caf\xC3\xA9"}});
  EXPECT_EQ(out.str(), "problem: bad?]0;title? ?2J caf\xC3\xA9\n");
}

// Tests from the first version of this file.
v1::Indicator Sample() {
  v1::Indicator ind;
  ind.set_id("7d3e2a4c-0000-4000-8000-000000000001");
  ind.set_type(v1::IPV4);
  ind.set_value("192.0.2.1");
  ind.set_tlp(v1::TLP_GREEN);
  ind.set_confidence(80);
  ind.set_severity(v1::SEVERITY_LOW);
  ind.add_tags("c2");
  ind.set_origin("cl.csirt");
  ind.set_version(2);
  *ind.mutable_modified() = ToProto(absl::FromUnixSeconds(1700000000));
  return ind;
}

TEST(OutputTest, JsonlIsOneCompactObjectPerLine) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kJsonl, out);
  v1::FeedEntry e;
  e.set_seq(7);
  e.set_op(v1::OP_REVOKE);
  *e.mutable_indicator() = Sample();
  w.WriteEntry(e);
  w.Finish();
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["op"], "revoke");
  EXPECT_EQ(j["indicator"]["tlp"], "GREEN");
  EXPECT_EQ(j["indicator"]["modified"], "2023-11-14T22:13:20.000Z");
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(OutputTest, JsonIsAnArray) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kJson, out);
  w.Write(Sample());
  w.Write(Sample());
  EXPECT_TRUE(out.str().empty());  // buffered until Finish
  w.Finish();
  auto j = nlohmann::json::parse(out.str());
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), 2u);
  std::ostringstream empty;
  IndicatorWriter none(OutputFormat::kJson, empty);
  none.Finish();
  EXPECT_EQ(empty.str(), "[]\n");
}

TEST(OutputTest, TableAlignsAndSanitises) {
  std::ostringstream out;
  IndicatorWriter w(OutputFormat::kTable, out);
  v1::Indicator evil = Sample();
  evil.set_value("evil\x1b[31m.example");
  evil.set_revoked(true);
  w.Write(Sample());
  w.Write(evil);
  w.Finish();
  EXPECT_THAT(out.str(), HasSubstr("ID"));
  EXPECT_THAT(out.str(), HasSubstr("evil?[31m.example"));
  EXPECT_THAT(out.str(), HasSubstr("REVOKED"));
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
}

TEST(OutputTest, ObjectsInEachFormat) {
  nlohmann::json obj = {{"ok", true}, {"records", 3}};
  std::ostringstream table, csv, jsonl;
  IndicatorWriter(OutputFormat::kTable, table).WriteObject(obj);
  IndicatorWriter(OutputFormat::kCsv, csv).WriteObject(obj);
  IndicatorWriter(OutputFormat::kJsonl, jsonl).WriteObject(obj);
  EXPECT_EQ(table.str(), "ok:      true\nrecords: 3\n");
  EXPECT_EQ(csv.str(), "key,value\nok,true\nrecords,3\n");
  EXPECT_EQ(jsonl.str(), "{\"ok\":true,\"records\":3}\n");
  EXPECT_FALSE(ParseOutputFormat("xml").ok());
  EXPECT_EQ(*ParseOutputFormat("JSONL"), OutputFormat::kJsonl);
}

TEST(CursorFileTest, AtomicReplace) {
  const std::string path = "/tmp/csx-cursor-test-" + std::to_string(getpid());
  std::remove(path.c_str());
  auto none = cli::ReadCursorFile(path);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(*none, "");
  ASSERT_THAT(cli::WriteCursorFile(path, "abc"), IsOk());
  ASSERT_THAT(cli::WriteCursorFile(path, "def"), IsOk());
  EXPECT_EQ(*cli::ReadCursorFile(path), "def");
  EXPECT_FALSE(cli::WriteCursorFile("/nonexistent-dir/cursor", "x").ok());
  std::remove(path.c_str());
}

TEST(ProgressBarTest, DrawsOnlyWhenGivenAStream) {
  std::ostringstream out;
  cli::ProgressBar bar(&out, 200);
  bar.Update(100);
  bar.Update(200);
  bar.Finish();
  EXPECT_THAT(out.str(), HasSubstr("200/200"));
  EXPECT_THAT(out.str(), HasSubstr(" 50%"));
  cli::ProgressBar silent(nullptr, 10);
  silent.Update(5);
  silent.Finish();
}

}  // namespace
}  // namespace csx::formats
