// GroupSizer: the items of a transaction follow the pages each item changed
// in the transactions before, so that one transaction's changes fit in the
// share of the write cache they may take.
#include "server/core/group_sizer.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace csx {
namespace {

constexpr size_t kMin = 2000;
constexpr size_t kMax = 50000;
constexpr size_t kCache = 16384;  // 64 MB of 4 KB pages
// What the share of the cache holds.
constexpr double kBudget = GroupSizer::kCacheShare * kCache;

TEST(GroupSizerTest, AllowsTheMostUntilATransactionIsSeen) {
  GroupSizer sizer(kMin, kMax, kCache);
  EXPECT_EQ(sizer.Limit(), kMax);
}

TEST(GroupSizerTest, ASmallStoreKeepsTheLargestGroups) {
  // An empty store: a sixth of a page per value.
  GroupSizer sizer(kMin, kMax, kCache);
  sizer.Observe(50000, 8000);
  EXPECT_EQ(sizer.Limit(), kMax);
}

TEST(GroupSizerTest, ALargeStoreGetsGroupsThatFitTheCache) {
  // Five million stored: a 50 000-item group changed 24 000 pages, more
  // than the cache holds.
  GroupSizer sizer(kMin, kMax, kCache);
  sizer.Observe(50000, 24000);
  const size_t limit = sizer.Limit();
  EXPECT_EQ(limit, static_cast<size_t>(kBudget / (24000.0 / 50000)));
  EXPECT_LT(limit, kMax);
  // A group of that size changes about the budget at that rate.
  EXPECT_LE(static_cast<double>(limit) * 24000 / 50000, kBudget);
}

TEST(GroupSizerTest, FollowsTheRateAsItMovesBothWays) {
  GroupSizer sizer(kMin, kMax, kCache);
  sizer.Observe(50000, 24000);  // 0.48 a page per item
  const size_t large_store = sizer.Limit();
  // The workload turns to values that exist (few pages each): the limit
  // grows back, within a few transactions.
  for (int i = 0; i < 8; ++i) sizer.Observe(large_store, large_store / 20);
  EXPECT_EQ(sizer.Limit(), kMax);
  // And shrinks again when each item changes a page or more.
  for (int i = 0; i < 8; ++i) sizer.Observe(20000, 24000);
  EXPECT_LT(sizer.Limit(), large_store);
  EXPECT_NEAR(static_cast<double>(sizer.Limit()), kBudget / 1.2, 200);
}

TEST(GroupSizerTest, NeverBelowTheFewest) {
  GroupSizer sizer(kMin, kMax, kCache);
  sizer.Observe(10000, 500000);  // fifty pages an item
  EXPECT_EQ(sizer.Limit(), kMin);
}

TEST(GroupSizerTest, IgnoresWhatSaysNothing) {
  GroupSizer sizer(kMin, kMax, kCache);
  sizer.Observe(100, 10000);  // a handful of items lands anywhere
  sizer.Observe(50000, 0);    // a store that does not count
  EXPECT_EQ(sizer.Limit(), kMax);
  // No cache size known: the largest groups whatever is observed.
  GroupSizer unknown(kMin, kMax, 0);
  unknown.Observe(50000, 500000);
  EXPECT_EQ(unknown.Limit(), kMax);
}

TEST(GroupSizerTest, ObserversOnManyThreadsAgree) {
  GroupSizer sizer(kMin, kMax, kCache);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sizer] {
      for (int i = 0; i < 1000; ++i) sizer.Observe(20000, 20000);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sizer.Limit(), static_cast<size_t>(kBudget / 1.0));
}

}  // namespace
}  // namespace csx
