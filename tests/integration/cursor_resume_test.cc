// csx pull --cursor-file over more than 10 000 entries, interrupted many
// times (by --limit and by SIGINT/SIGTERM during --follow) and resumed: every
// entry arrives exactly once, in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using json = nlohmann::json;

void AppendSeqs(const std::string& out, std::vector<uint64_t>* seqs) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json e = json::parse(line, nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << line;
    seqs->push_back(e["seq"].get<uint64_t>());
  }
}

size_t CountLines(const std::string& path) {
  std::string s = ReadFile(path);
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(CursorResumeTest, InterruptedPullsResumeWithoutGapOrDuplicate) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  constexpr int kTotal = 12000;
  auto stub = f.Stub<v1::IndicatorService>(f.analyst);
  for (int b = 0; b < kTotal / 1000; ++b) {
    v1::SubmitRequest req;
    for (int i = 0; i < 1000; ++i) {
      const int n = b * 1000 + i;
      auto* item = req.add_items();
      item->set_type("ipv4");
      item->set_value("10." + std::to_string(n / 65536) + "." +
                      std::to_string(n / 256 % 256) + "." +
                      std::to_string(n % 256));
    }
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    ASSERT_TRUE(stub->SubmitBatch(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.created(), 1000u);
  }

  const unsigned seed = std::random_device()();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  const std::string cursor_file = f.tmp.File("cursor");
  std::vector<uint64_t> seqs;
  int follow_runs = 0;
  size_t from_follow = 0;
  for (int run = 0; run < 200 && seqs.size() < static_cast<size_t>(kTotal);
       ++run) {
    if (run % 3 == 1) {
      // A live follow, stopped by a signal once it has written something.
      const std::string out = f.tmp.File("follow.out");
      BackgroundCommand follow(
          f.CsxArgv(f.reader, {"pull", "--follow", "--batch",
                               std::to_string(50 + rng() % 400),
                               "--cursor-file", cursor_file}),
          out, f.tmp.File("follow.err"));
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(20);
      const size_t want = 1 + rng() % 1500;
      while (CountLines(out) < want &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      follow.Signal(run % 2 ? SIGINT : SIGTERM);
      EXPECT_EQ(follow.Wait(), 0) << ReadFile(f.tmp.File("follow.err"));
      const size_t before = seqs.size();
      AppendSeqs(ReadFile(out), &seqs);
      from_follow += seqs.size() - before;
      ++follow_runs;
      continue;
    }
    auto r = f.Csx(f.reader, {"pull", "--cursor-file", cursor_file, "--limit",
                              std::to_string(1 + rng() % 2500), "--batch",
                              std::to_string(1 + rng() % 700)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    AppendSeqs(r.out, &seqs);
  }
  EXPECT_GT(follow_runs, 0);
  EXPECT_GT(from_follow, 0u) << "no follow run delivered entries";
  std::printf("%d follow runs delivered %zu entries\n", follow_runs,
              from_follow);
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kTotal));
  for (size_t i = 0; i < seqs.size(); ++i)
    ASSERT_EQ(seqs[i], i + 1) << "at position " << i;

  // Caught up: another pull returns nothing and keeps the cursor.
  auto tail = f.Csx(f.reader, {"pull", "--cursor-file", cursor_file});
  EXPECT_EQ(tail.exit_code, 0);
  EXPECT_TRUE(tail.out.empty()) << tail.out;
}

// A pull whose output cannot be written (here /dev/full) fails and leaves
// the cursor where it was, for every output format, so the next pull brings
// the same entries again.
TEST(CursorResumeTest, CursorStaysWhenTheOutputCannotBeWritten) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  const std::string csv = f.tmp.File("in.csv");
  WriteFile(csv,
            "type,value\nipv4,192.0.2.1\nipv4,192.0.2.2\ndomain,x.example\n");
  ASSERT_EQ(f.Csx(f.analyst, {"submit", "--file", csv}).exit_code, 0);
  for (const std::string format : {"jsonl", "json", "csv", "stix", "zeek"}) {
    SCOPED_TRACE(format);
    const std::string cursor_file = f.tmp.File("cursor." + format);
    std::string shell;
    for (const std::string& a : f.CsxArgv(
             f.reader, {"pull", "-o", format, "--cursor-file", cursor_file})) {
      shell += "'" + a + "' ";
    }
    auto full = RunCommand({"/bin/sh", "-c", shell + "> /dev/full"});
    EXPECT_NE(full.exit_code, 0);
    EXPECT_THAT(full.err, ::testing::HasSubstr("was not advanced"));
    EXPECT_FALSE(std::ifstream(cursor_file).good())
        << "cursor advanced: " << ReadFile(cursor_file);
    auto again =
        f.Csx(f.reader, {"pull", "-o", format, "--cursor-file", cursor_file});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_THAT(again.out, ::testing::HasSubstr("192.0.2.2"));
    EXPECT_TRUE(std::ifstream(cursor_file).good());
  }
}

}  // namespace
}  // namespace csx::testing
