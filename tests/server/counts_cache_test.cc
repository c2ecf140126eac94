#include "server/service/counts_cache.h"

#include <gtest/gtest.h>

#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;

// A store whose count takes `cost` of a fake clock and returns how many
// times it was counted.
struct FakeStore {
  absl::Time now = absl::UnixEpoch();
  absl::Duration cost;
  uint64_t counted = 0;
  CountsCache cache{[this]() -> absl::StatusOr<StoreCounts> {
                      now += cost;
                      StoreCounts c;
                      c.indicators = ++counted;
                      return c;
                    },
                    [this] { return now; }};
  uint64_t Scrape() {
    auto c = cache.Get();
    EXPECT_THAT(c, IsOk());
    return c.ok() ? c->indicators : 0;
  }
};

TEST(CountsCacheTest, ACheapCountIsReadAtEveryScrape) {
  FakeStore s;
  s.cost = absl::Milliseconds(1);
  EXPECT_EQ(s.Scrape(), 1u);
  s.now += absl::Seconds(1);
  EXPECT_EQ(s.Scrape(), 2u);
  s.now += absl::Seconds(1);
  EXPECT_EQ(s.Scrape(), 3u);
}

TEST(CountsCacheTest, ADearCountIsReusedForTwentyTimesItsCost) {
  FakeStore s;
  s.cost = absl::Seconds(3);
  EXPECT_EQ(s.Scrape(), 1u);
  s.now += absl::Seconds(15);  // a scrape every 15 s
  EXPECT_EQ(s.Scrape(), 1u);
  s.now += absl::Seconds(15);
  EXPECT_EQ(s.Scrape(), 1u);
  s.now += absl::Seconds(30);  // 60 s after the count ended
  EXPECT_EQ(s.Scrape(), 2u);
  EXPECT_EQ(s.Scrape(), 2u);
}

TEST(CountsCacheTest, AFailedCountIsNotKept) {
  int calls = 0;
  CountsCache cache(
      [&]() -> absl::StatusOr<StoreCounts> {
        if (++calls == 1) return absl::UnavailableError("store: busy");
        return StoreCounts{};
      },
      [] { return absl::UnixEpoch(); });
  EXPECT_FALSE(cache.Get().ok());
  EXPECT_THAT(cache.Get(), IsOk());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace csx
