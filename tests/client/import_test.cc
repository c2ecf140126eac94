// The STIX and MISP readers on hand-written fixtures (tests/testdata), on
// malformed and very large files, and on the real-world samples when
// ../shared/samples is there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "client/formats/format_detect.h"
#include "client/formats/misp_reader.h"
#include "client/formats/stix_reader.h"
#include "tests/golden.h"
#include "tests/status_matchers.h"

namespace csx::formats {
namespace {

using ::csx::testing::ReadTestData;
using ::testing::HasSubstr;

// One line per record: where | type value tlp ... or the error.
std::string Describe(const ImportResult& r) {
  std::string out;
  for (const InputRecord& rec : r.records) {
    absl::StrAppend(&out, rec.line, " ", rec.where, " | ");
    if (!rec.input.ok()) {
      absl::StrAppend(&out, "ERROR ", rec.input.status().message(), "\n");
      continue;
    }
    const v1::IndicatorInput& in = *rec.input;
    absl::StrAppend(&out, in.type(), " ", in.value(), " tlp=", in.tlp());
    if (in.has_confidence()) absl::StrAppend(&out, " conf=", in.confidence());
    if (!in.severity().empty()) absl::StrAppend(&out, " sev=", in.severity());
    for (const auto& t : in.tags()) absl::StrAppend(&out, " tag=", t);
    for (const auto& s : in.sectors()) absl::StrAppend(&out, " sector=", s);
    if (!in.description().empty()) {
      absl::StrAppend(&out, " desc=", in.description());
    }
    if (in.has_valid_from()) {
      absl::StrAppend(&out, " from=", in.valid_from().seconds());
    }
    if (in.has_valid_until()) {
      absl::StrAppend(&out, " until=", in.valid_until().seconds());
    }
    if (in.has_first_seen()) {
      absl::StrAppend(&out, " first=", in.first_seen().seconds());
    }
    if (rec.revoke) absl::StrAppend(&out, " REVOKE(", rec.revoke_reason, ")");
    absl::StrAppend(&out, "\n");
  }
  for (const auto& [what, n] : r.skipped) {
    absl::StrAppend(&out, "skipped ", what, " ", n, "\n");
  }
  return out;
}

TEST(StixReaderTest, MixedBundleGolden) {
  auto r = ReadStix(ReadTestData("stix/mixed_bundle.json"));
  ASSERT_TRUE(r.ok()) << r.status();
  csx::testing::ExpectGolden("stix/mixed_bundle.records", Describe(*r));
}

TEST(StixReaderTest, UnmappablePatternsAreReportedPerObject) {
  auto r = ReadStix(ReadTestData("stix/mixed_bundle.json"));
  ASSERT_TRUE(r.ok());
  std::vector<std::string> errors;
  for (const auto& rec : r->records) {
    if (!rec.input.ok()) {
      errors.push_back(
          absl::StrCat(rec.where, ": ", rec.input.status().message()));
    }
  }
  EXPECT_THAT(
      errors,
      ::testing::ElementsAre(
          HasSubstr("indicator--a1000000-0000-4000-8000-000000000004): "
                    "pattern: AND is not supported"),
          HasSubstr(
              "000000000005): pattern: operator MATCHES is not supported"),
          HasSubstr("000000000006): pattern: object path file:name is not "
                    "supported"),
          HasSubstr("000000000007): pattern_type: 'sigma' is not supported"),
          HasSubstr("000000000012): confidence: expected an integer 0-100")));
}

TEST(StixReaderTest, SingleObjectAndArray) {
  const std::string one =
      R"({"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '192.0.2.1']","pattern_type":"stix"})";
  auto a = ReadStix(one);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->records.size(), 1u);
  EXPECT_EQ(a->records[0].input->value(), "192.0.2.1");
  auto b = ReadStix("[" + one + "," + one + "]");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->records.size(), 2u);
}

TEST(StixReaderTest, MalformedFilesFailClearly) {
  EXPECT_THAT(ReadStix(ReadTestData("stix/truncated.json")),
              csx::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("stix: invalid JSON")));
  EXPECT_THAT(ReadStix(ReadTestData("stix/wrong_objects.json")),
              csx::testing::StatusIs(
                  absl::StatusCode::kInvalidArgument,
                  "stix: objects: expected an array of STIX objects"));
  EXPECT_THAT(ReadStix("42"),
              csx::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("expected a bundle")));
  EXPECT_THAT(ReadStix(""),
              csx::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MispReaderTest, EventGolden) {
  auto r = ReadMisp(ReadTestData("misp/event.json"));
  ASSERT_TRUE(r.ok()) << r.status();
  csx::testing::ExpectGolden("misp/event.records", Describe(*r));
}

TEST(MispReaderTest, ListsAndSearchResponses) {
  const std::string event = ReadTestData("misp/event.json");
  auto one = ReadMisp(event);
  ASSERT_TRUE(one.ok());
  auto list = ReadMisp("[" + event + "," + event + "]");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->records.size(), 2 * one->records.size());
  auto search = ReadMisp(R"({"response": [)" + event + "]}");
  ASSERT_TRUE(search.ok());
  EXPECT_EQ(search->records.size(), one->records.size());
  // The second event's attributes are numbered on from the first's.
  EXPECT_THAT(list->records.back().where, HasSubstr("event 2 attribute"));
}

TEST(MispReaderTest, DistributionGivesTlpWithoutTags) {
  auto r = ReadMisp(R"({"Event": {"info": "x", "distribution": 0, "Attribute": [
      {"type": "ip-dst", "value": "192.0.2.1", "to_ids": true},
      {"type": "ip-dst", "value": "192.0.2.2", "to_ids": true, "distribution": 2},
      {"type": "ip-dst", "value": "192.0.2.3", "to_ids": true, "distribution": 3},
      {"type": "ip-dst", "value": "192.0.2.4", "to_ids": true, "distribution": 4},
      {"type": "ip-dst", "value": "192.0.2.5", "to_ids": true, "distribution": 1}]}})");
  ASSERT_TRUE(r.ok());
  std::vector<std::string> tlps;
  for (const auto& rec : r->records) tlps.push_back(rec.input->tlp());
  EXPECT_THAT(tlps, ::testing::ElementsAre("AMBER+STRICT", "GREEN", "GREEN",
                                           "AMBER", "AMBER"));
}

TEST(MispReaderTest, MalformedFilesFailClearly) {
  EXPECT_THAT(ReadMisp(ReadTestData("misp/truncated.json")),
              csx::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("misp: invalid JSON")));
  auto wrong = ReadMisp(ReadTestData("misp/wrong_attributes.json"));
  ASSERT_TRUE(wrong.ok());
  ASSERT_EQ(wrong->records.size(), 1u);
  EXPECT_THAT(wrong->records[0].input.status().message(),
              HasSubstr("Attribute: expected a list"));
  EXPECT_THAT(ReadMisp(R"({"colour": "red"})"),
              csx::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("misp: expected an event")));
}

TEST(FormatDetectTest, StixAndMispDocuments) {
  EXPECT_EQ(*DetectFormat("x.json", ReadTestData("stix/mixed_bundle.json")),
            "stix");
  EXPECT_EQ(*DetectFormat("-", ReadTestData("misp/event.json")), "misp");
  EXPECT_EQ(*DetectFormat("x.json", R"({"type":"ipv4","value":"1.2.3.4"})"),
            "jsonl");
}

// Found by stix_fuzz: a "type" that is not a string threw type_error from
// Json::value. Properties of the wrong JSON type are errors, never crashes.
TEST(StixReaderTest, PropertiesOfTheWrongJsonTypeAreErrors) {
  EXPECT_FALSE(ReadStix(R"({"type": 6})").ok());
  auto r = ReadStix(R"({"type":"bundle","objects":[
    {"type": 6},
    {"type": "indicator", "id": 7, "pattern": ["x"], "pattern_type": 1},
    {"type": "marking-definition", "definition_type": 3, "definition": 4},
    {"type": "vulnerability", "external_references": [{"source_name": 5}]},
    {"type": "indicator", "id": "indicator--1", "pattern_type": "stix",
     "pattern": "[domain-name:value = 'ok.example']", "revoked": true,
     "x_csx_revoked_reason": 9}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  int good = 0;
  for (const auto& rec : r->records) good += rec.input.ok() ? 1 : 0;
  EXPECT_EQ(good, 1);
}

// A 10 MB bundle gives one record per object, each with its own value; a
// 10 MB file cut short fails clearly. (How fast a bundle is read is a
// figure of csx-bench's, not an assertion here: a loaded CI machine is no
// clock.)
TEST(ImportSizeTest, TenMegabyteFiles) {
  std::string bundle = R"({"type":"bundle","objects":[)";
  int n = 0;
  while (bundle.size() < 10 << 20) {
    if (n > 0) bundle += ",";
    absl::StrAppend(
        &bundle,
        R"({"type":"indicator","spec_version":"2.1","id":"indicator--)", n,
        R"(","pattern":"[domain-name:value = 'host)", n,
        R"(.big.example']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","labels":["bulk"]})");
    ++n;
  }
  bundle += "]}";
  auto r = ReadStix(bundle);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(static_cast<int>(r->records.size()), n);
  for (int i : {0, n / 2, n - 1}) {
    const InputRecord& rec = r->records[i];
    ASSERT_TRUE(rec.input.ok()) << rec.input.status();
    EXPECT_EQ(rec.line, i + 1);
    EXPECT_EQ(rec.input->value(), absl::StrCat("host", i, ".big.example"));
    EXPECT_THAT(rec.input->tags(), ::testing::ElementsAre("bulk"));
  }
  auto cut = ReadStix(bundle.substr(0, bundle.size() / 2));
  EXPECT_THAT(cut, csx::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("invalid JSON")));
}

// Truncations and random byte changes of the fixtures never crash a reader.
TEST(ImportRobustnessTest, MutatedFixturesNeverCrash) {
  std::mt19937 rng(20261123);
  for (const char* name : {"stix/mixed_bundle.json", "misp/event.json"}) {
    const std::string base = ReadTestData(name);
    for (int i = 0; i < 300; ++i) {
      std::string m = base.substr(0, rng() % (base.size() + 1));
      if (i % 2 == 0) {
        m = base;
        for (int k = 0; k < 5; ++k) {
          m[rng() % m.size()] = static_cast<char>(rng() % 256);
        }
      }
      auto s = ReadStix(m);
      auto p = ReadMisp(m);
      if (s.ok()) {
        for (const auto& rec : s->records) (void)rec.input.ok();
      }
      (void)p.ok();
    }
  }
}

// The real-world samples (MISP/PyMISP tests, OASIS STIX examples).
std::string SamplesDir() {
  if (const char* dir = std::getenv("CSX_SAMPLES_DIR")) return dir;
  return std::string(CSX_SOURCE_DIR) + "/../shared/samples";
}

TEST(SamplesTest, StixExamples) {
  const std::string dir = SamplesDir() + "/stix";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "no sample directory " << dir;
  }
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path());
    std::stringstream buf;
    buf << in.rdbuf();
    auto r = ReadStix(buf.str());
    ASSERT_TRUE(r.ok()) << f.path() << ": " << r.status();
    ++files;
    if (f.path().filename() == "indicator-for-c2-ip-address.json") {
      bool found = false;
      for (const auto& rec : r->records) {
        found |= rec.input.ok() && rec.input->type() == "ipv4";
      }
      EXPECT_TRUE(found) << Describe(*r);
    }
  }
  EXPECT_GE(files, 4);
}

TEST(SamplesTest, MispEvents) {
  const std::string dir = SamplesDir() + "/misp";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "no sample directory " << dir;
  }
  int with_records = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path());
    std::stringstream buf;
    buf << in.rdbuf();
    auto r = ReadMisp(buf.str());
    ASSERT_TRUE(r.ok()) << f.path() << ": " << r.status();
    int ok = 0;
    for (const auto& rec : r->records) ok += rec.input.ok() ? 1 : 0;
    if (ok > 0) ++with_records;
  }
  EXPECT_GE(with_records, 2);
}

}  // namespace
}  // namespace csx::formats
