// RateLimiter: token buckets per key on a fake clock.
#include "server/core/rate_limiter.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace csx {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  FakeClock clock_{absl::FromUnixSeconds(1767225600)};
};

TEST_F(RateLimiterTest, BurstThenRefillAtTheRate) {
  RateLimiter limiter(&clock_, /*rate=*/10, /*burst=*/20);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(limiter.Allow("a")) << i;
  EXPECT_FALSE(limiter.Allow("a"));
  clock_.Advance(absl::Milliseconds(250));  // 2.5 tokens
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  clock_.Advance(absl::Hours(1));  // never more than the burst
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(limiter.Allow("a")) << i;
  EXPECT_FALSE(limiter.Allow("a"));
}

TEST_F(RateLimiterTest, KeysHaveBucketsOfTheirOwn) {
  RateLimiter limiter(&clock_, 1, 1);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b"));
}

TEST_F(RateLimiterTest, CostAndOversizedRequests) {
  RateLimiter limiter(&clock_, 100, 1000);
  EXPECT_TRUE(limiter.Allow("a", 600));
  EXPECT_FALSE(limiter.Allow("a", 600));  // 400 left: refused, none taken
  EXPECT_TRUE(limiter.Allow("a", 400));
  clock_.Advance(absl::Seconds(10));  // full again
  // Larger than the burst: passes only from a full bucket, which it empties.
  EXPECT_TRUE(limiter.Allow("a", 5000));
  EXPECT_FALSE(limiter.Allow("a", 1));
}

TEST_F(RateLimiterTest, ZeroRateIsUnlimitedAndReconfigurable) {
  RateLimiter limiter(&clock_, 0, 0);
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(limiter.Allow("a", 1000));
  limiter.Configure(1, 2);
  EXPECT_TRUE(limiter.Allow("b"));
  EXPECT_TRUE(limiter.Allow("b"));
  EXPECT_FALSE(limiter.Allow("b"));
}

TEST_F(RateLimiterTest, ReportsOncePerInterval) {
  RateLimiter limiter(&clock_, 1, 1);
  limiter.Allow("a");
  EXPECT_TRUE(limiter.ShouldReport("a", absl::Minutes(1)));
  EXPECT_FALSE(limiter.ShouldReport("a", absl::Minutes(1)));
  clock_.Advance(absl::Seconds(61));
  EXPECT_TRUE(limiter.ShouldReport("a", absl::Minutes(1)));
}

TEST_F(RateLimiterTest, AFloodOfIdentitiesDoesNotGrowTheTable) {
  RateLimiter limiter(&clock_, 1, 1);
  for (int i = 0; i < 50000; ++i) {
    limiter.Allow(absl::StrCat("id", i));
    if (i % 20000 == 19999) clock_.Advance(absl::Seconds(2));
  }
  EXPECT_LE(limiter.tracked_keys(), RateLimiter::kMaxKeys);
  // Each key still gets its own fresh bucket.
  EXPECT_TRUE(limiter.Allow("late"));
  EXPECT_FALSE(limiter.Allow("late"));
}

}  // namespace
}  // namespace csx
