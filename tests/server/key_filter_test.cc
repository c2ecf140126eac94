// The writer's filter of value keys (key_filter.h): no key added is ever
// missed, keys never added pass rarely, also after levels were added.
#include "server/store/sqlite/key_filter.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace csx {
namespace {

// Keys that look random, as SipHash outputs do (splitmix64).
uint64_t KeyOf(uint64_t i) {
  uint64_t x = i + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The share of `n` keys never added (numbered from `from`) that pass.
double FalseRate(const KeyFilter& f, uint64_t from, uint64_t n) {
  uint64_t passed = 0;
  for (uint64_t i = from; i < from + n; ++i) passed += f.MayContain(KeyOf(i));
  return static_cast<double>(passed) / static_cast<double>(n);
}

TEST(KeyFilterTest, AnEmptyFilterHoldsNothing) {
  KeyFilter f(1000);
  EXPECT_EQ(FalseRate(f, 0, 10000), 0.0);
  EXPECT_EQ(f.keys(), 0);
}

TEST(KeyFilterTest, EveryKeyAddedIsFoundAcrossLevels) {
  KeyFilter f(1000);
  for (uint64_t i = 0; i < 100000; ++i) f.Add(KeyOf(i));
  // 1 000, 1 000, 2 000, ... 64 000: eight levels.
  EXPECT_EQ(f.levels(), 8u);
  EXPECT_EQ(f.keys(), 100000);
  for (uint64_t i = 0; i < 100000; ++i) {
    ASSERT_TRUE(f.MayContain(KeyOf(i))) << i;
  }
}

TEST(KeyFilterTest, AFullLevelPassesAboutOneKeyInTwoHundredNeverAdded) {
  constexpr int64_t kKeys = 200000;
  KeyFilter f(kKeys);
  for (uint64_t i = 0; i < kKeys; ++i) f.Add(KeyOf(i));
  EXPECT_EQ(f.levels(), 1u);
  const double rate = FalseRate(f, 1u << 30, 1000000);
  EXPECT_GT(rate, 0.0);
  EXPECT_LT(rate, 0.008);
  // kBitsPerKey bits a key, and one block more.
  EXPECT_LE(f.bytes(), kKeys * KeyFilter::kBitsPerKey / 8 + 32);
}

TEST(KeyFilterTest, EachLevelAddedAsItGrowsPassesAsFewMore) {
  KeyFilter f(1 << 12);
  for (uint64_t i = 0; i < (1u << 18); ++i) f.Add(KeyOf(i));
  // Each full level passes about one key in 200.
  EXPECT_EQ(f.levels(), 7u);
  EXPECT_LT(FalseRate(f, 1u << 30, 1000000), 0.006 * 7);
}

}  // namespace
}  // namespace csx
