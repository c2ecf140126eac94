#include "server/store/sqlite/key_filter.h"

#include <algorithm>

namespace csx {
namespace {

// Odd constants that pick a key's bit in each word (Parquet's
// split-block filter).
constexpr std::array<uint32_t, 8> kSalt = {
    0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
    0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};

size_t IndexOf(size_t blocks, uint64_t key) {
  // The high half of the key, scaled onto [0, blocks).
  return static_cast<size_t>(((key >> 32) * static_cast<uint64_t>(blocks)) >>
                             32);
}

}  // namespace

KeyFilter::Level::Level(int64_t cap)
    : blocks(static_cast<size_t>(
          std::max<int64_t>(1, cap * kBitsPerKey / 256 + 1))),
      capacity(cap) {}

KeyFilter::KeyFilter(int64_t capacity) {
  levels_.emplace_back(std::max<int64_t>(capacity, 1));
}

KeyFilter::Block KeyFilter::MaskOf(uint64_t key) {
  Block mask;
  const auto low = static_cast<uint32_t>(key);
  for (size_t i = 0; i < mask.size(); ++i) {
    mask[i] = uint32_t{1} << ((low * kSalt[i]) >> 27);
  }
  return mask;
}

const KeyFilter::Block& KeyFilter::BlockOf(const Level& level, uint64_t key) {
  return level.blocks[IndexOf(level.blocks.size(), key)];
}

void KeyFilter::Add(uint64_t key) {
  if (levels_.back().keys >= levels_.back().capacity) {
    int64_t held = 0;
    for (const Level& l : levels_) held += l.capacity;
    levels_.emplace_back(held);
  }
  Level& level = levels_.back();
  Block& block = level.blocks[IndexOf(level.blocks.size(), key)];
  const Block mask = MaskOf(key);
  for (size_t i = 0; i < block.size(); ++i) block[i] |= mask[i];
  ++level.keys;
  ++keys_;
}

bool KeyFilter::MayContain(uint64_t key) const {
  const Block mask = MaskOf(key);
  // The newest level first: it holds as many keys as all the others.
  for (auto it = levels_.rbegin(); it != levels_.rend(); ++it) {
    const Block& block = BlockOf(*it, key);
    bool all = true;
    for (size_t i = 0; i < block.size(); ++i) {
      all = all && (block[i] & mask[i]) == mask[i];
    }
    if (all) return true;
  }
  return false;
}

size_t KeyFilter::bytes() const {
  size_t n = 0;
  for (const Level& l : levels_) n += l.blocks.size() * sizeof(Block);
  return n;
}

}  // namespace csx
