// csx submit --file with 1 000 mixed valid and invalid lines: exact per-line
// errors, every valid line stored, exit code 3.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using json = nlohmann::json;

struct Line {
  std::string text;
  std::string expected_error;  // substring; empty = valid
};

// A generated line of each kind, valid or not, with the error it must draw.
Line MakeLine(int i, std::mt19937& rng) {
  const int kind = static_cast<int>(rng() % 10);
  const std::string n = std::to_string(i);
  switch (kind) {
    case 0:
      return {"ipv4,10.9." + std::to_string(i / 256) + "." +
                  std::to_string(i % 256) + ",GREEN,70",
              ""};
    case 1:
      return {"domain,host" + n + ".Example.COM,amber,", ""};
    case 2:
      return {"url,HTTP://site" + n + ".example/x,,", ""};
    case 3:
      return {"cve,cve-2023-" + std::to_string(10000 + i) + ",,", ""};
    case 4:
      return {"ipv4,10.0.0." + std::to_string(256 + i) + ",,", "value"};
    case 5:
      return {"domain,bad_domain-" + n + "-.com.,,", "value"};
    case 6:
      return {"sha256,abc" + n + ",,", "value"};
    case 7:
      return {"ipv4,192.0.2." + std::to_string(i % 250) + ",PURPLE,", "tlp"};
    case 8:
      return {"ipv4,192.0.2.1,,x" + n, "confidence"};
    default:
      return {"hash," + n + ",,", "type"};
  }
}

TEST(BulkFileTest, MixedLinesGetExactPerLineErrors) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  const unsigned seed = std::random_device()();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::string csv = "type,value,tlp,confidence\n";
  std::map<int, std::string> expected_errors;  // file line -> substring
  int valid = 0;
  for (int i = 0; i < 1000; ++i) {
    Line l = MakeLine(i, rng);
    csv += l.text + "\n";
    const int line_no = i + 2;  // after the header
    if (l.expected_error.empty()) {
      ++valid;
    } else {
      expected_errors[line_no] = l.expected_error;
    }
  }
  WriteFile(f.tmp.File("mixed.csv"), csv);
  auto r = f.Csx(f.analyst, {"submit", "--file", f.tmp.File("mixed.csv"), "-o",
                             "json", "--batch-size", "100"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  json summary = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(summary.is_discarded()) << r.out;
  EXPECT_EQ(summary["accepted"].get<int>(), valid);
  EXPECT_EQ(summary["rejected"].get<size_t>(), expected_errors.size());
  std::map<int, std::string> got;
  for (const auto& e : summary["errors"])
    got[e["line"].get<int>()] = e["error"];
  ASSERT_EQ(got.size(), expected_errors.size());
  for (const auto& [line, want] : expected_errors) {
    ASSERT_TRUE(got.count(line)) << "no error reported for line " << line;
    EXPECT_EQ(got[line].rfind(want, 0), 0u)
        << "line " << line << ": " << got[line];
  }

  // Every valid line is stored: the feed holds exactly that many entries.
  auto p = f.Csx(f.reader, {"pull"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(std::count(p.out.begin(), p.out.end(), '\n'), valid);
}

TEST(BulkFileTest, JsonlFromStdinAllValid) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  std::string jsonl;
  for (int i = 0; i < 50; ++i) {
    jsonl += json{{"type", "email"},
                  {"value", "user" + std::to_string(i) + "@Example.ORG"},
                  {"tags", {"spam"}}}
                 .dump() +
             "\n";
  }
  WriteFile(f.tmp.File("in.jsonl"), jsonl);
  auto r = f.Csx(f.analyst,
                 {"submit", "--file", "-", "--format", "jsonl", "-o", "json"},
                 f.tmp.File("in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["created"], 50);
  auto q =
      f.Csx(f.reader, {"query", "--value", "user7@example.org", "-o", "json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(json::parse(q.out).size(), 1u);
}

}  // namespace
}  // namespace csx::testing
