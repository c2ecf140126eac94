// IndicatorWriter in every format, the cursor file, and the progress bar.
#include "client/formats/output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "client/cursor_file.h"
#include "client/progress_bar.h"
#include "common/time_util.h"
#include "tests/status_matchers.h"

namespace csx::formats {
namespace {

using ::csx::testing::IsOk;
using ::testing::HasSubstr;

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
  EXPECT_THAT(out.str(), HasSubstr("revoked"));
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
