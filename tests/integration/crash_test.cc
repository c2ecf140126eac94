// kill -9 of csxd during bulk submission: every acknowledged indicator is
// present after restart, the database passes its integrity check, and the
// audit chain still verifies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
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

TEST(CrashTest, AcknowledgedSubmissionsSurviveKill9) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  const unsigned seed = std::random_device()();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);

  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<int> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    auto stub = f.Stub<v1::IndicatorService>(f.analyst);
    while (!stop) {
      const int base = next.fetch_add(200);
      v1::SubmitRequest req;
      for (int i = 0; i < 200; ++i) {
        const int n = base + i;
        auto* item = req.add_items();
        item->set_type("domain");
        item->set_value("crash" + std::to_string(n) + ".example");
      }
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
      v1::SubmitResponse resp;
      if (!stub->SubmitBatch(&ctx, req, &resp).ok()) return;  // node is gone
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& r : resp.results()) acked.insert(r.id());
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) workers.emplace_back(worker);
  std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
  f.node->Kill9();
  stop = true;
  for (auto& t : workers) t.join();
  ASSERT_GT(acked.size(), 0u);
  std::printf("acknowledged before kill -9: %zu\n", acked.size());

  EXPECT_EQ(IntegrityCheck(f.node->db_path()), "ok");
  ASSERT_TRUE(f.node->Start());
  std::set<std::string> stored;
  auto feed = f.Stub<v1::FeedService>(f.reader);
  std::string cursor;
  while (true) {
    grpc::ClientContext ctx;
    v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_limit(10000);
    v1::PullResponse resp;
    ASSERT_TRUE(feed->Pull(&ctx, req, &resp).ok());
    for (const auto& e : resp.entries()) stored.insert(e.indicator().id());
    cursor = resp.cursor();
    if (!resp.more()) break;
  }
  size_t missing = 0;
  for (const auto& id : acked) missing += stored.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "acknowledged indicators lost";
  auto v = f.Csx(f.admin, {"audit", "verify", "-o", "json"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace csx::testing
