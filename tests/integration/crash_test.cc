// kill -9 of csxd during bulk submission, again and again: every
// acknowledged indicator is present after restart, nothing is stored twice,
// the database passes its integrity check, and the audit chain verifies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

// Five rounds: four clients submit batches while csxd is killed with
// kill -9 at a random moment; a batch whose answer was lost is submitted
// again in the next round, as a client would. After every kill the file
// passes SQLite's integrity check; at the end every acknowledged indicator
// is there, no value is stored twice, and the audit chain verifies.
TEST(CrashTest, AcknowledgedSubmissionsSurviveRepeatedKill9) {
  constexpr int kRounds = 5, kBatch = 200;
  NodeFixture f;
  const unsigned seed = std::random_device()();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);

  std::mutex mu;
  std::set<std::string> acked;  // ids of acknowledged items
  std::set<int> uncertain;      // batches whose answer never came
  std::atomic<int> next{0};
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    ASSERT_TRUE(f.node->Start());
    std::vector<int> retry(uncertain.begin(), uncertain.end());
    uncertain.clear();
    std::atomic<bool> stop{false};
    auto worker = [&] {
      auto stub = f.Stub<v1::IndicatorService>(f.analyst);
      while (!stop) {
        int base;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!retry.empty()) {
            base = retry.back();
            retry.pop_back();
          } else {
            base = next.fetch_add(kBatch);
          }
        }
        v1::SubmitRequest req;
        for (int i = 0; i < kBatch; ++i) {
          auto* item = req.add_items();
          item->set_type("domain");
          item->set_value("crash" + std::to_string(base + i) + ".example");
        }
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
        v1::SubmitResponse resp;
        const bool ok = stub->SubmitBatch(&ctx, req, &resp).ok();
        std::lock_guard<std::mutex> lock(mu);
        if (!ok) {
          uncertain.insert(base);
          return;  // the node is gone
        }
        for (const auto& r : resp.results()) acked.insert(r.id());
      }
    };
    std::vector<std::thread> workers;
    for (int i = 0; i < 4; ++i) workers.emplace_back(worker);
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 700));
    f.node->Kill9();
    stop = true;
    for (auto& t : workers) t.join();
    for (int base : retry) uncertain.insert(base);  // never sent
    ASSERT_EQ(IntegrityCheck(f.node->db_path()), "ok");
  }
  ASSERT_GT(acked.size(), 0u);
  std::printf("acknowledged across %d kill -9: %zu\n", kRounds, acked.size());

  ASSERT_TRUE(f.node->Start());
  std::map<std::string, std::string> value_of;  // id -> value
  auto feed = f.Stub<v1::FeedService>(f.reader);
  std::string cursor;
  while (true) {
    grpc::ClientContext ctx;
    v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_limit(10000);
    v1::PullResponse resp;
    ASSERT_TRUE(feed->Pull(&ctx, req, &resp).ok());
    for (const auto& e : resp.entries()) {
      value_of[e.indicator().id()] = e.indicator().value();
    }
    cursor = resp.cursor();
    if (!resp.more()) break;
  }
  size_t missing = 0;
  for (const auto& id : acked) missing += value_of.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "acknowledged indicators lost";
  std::map<std::string, int> ids_per_value;
  for (const auto& [id, value] : value_of) ++ids_per_value[value];
  for (const auto& [value, n] : ids_per_value) {
    EXPECT_EQ(n, 1) << value << " is stored under " << n << " ids";
  }
  auto v = f.Csx(f.admin, {"audit", "verify", "-o", "json"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace csx::testing
