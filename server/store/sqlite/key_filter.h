// A filter of 64-bit keys that says "not there" without reading the store:
// split-block Bloom filters (the layout of Apache Parquet's bloom filters:
// a key sets one bit in each of the eight 32-bit words of one 32-byte
// block, so a lookup touches one cache line), in levels that double in
// size as keys are added. MayContain is true for every key added; for a
// key never added it is true about once in 200 per full level (kBitsPerKey
// bits a key). A store's writer sizes the first level for twice the keys
// it holds, so it rarely has more than one.
//
// The keys must look random (they are SipHash outputs, value_key.h): the
// filter mixes nothing itself.
//
// Thread-safety: none; the writer alone uses it.
#ifndef CSX_SERVER_STORE_SQLITE_KEY_FILTER_H_
#define CSX_SERVER_STORE_SQLITE_KEY_FILTER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace csx {

class KeyFilter {
 public:
  static constexpr int64_t kBitsPerKey = 12;

  // A filter whose first level holds `capacity` keys; each later level
  // holds as many as all before it.
  explicit KeyFilter(int64_t capacity);

  void Add(uint64_t key);
  bool MayContain(uint64_t key) const;

  int64_t keys() const { return keys_; }
  size_t bytes() const;
  size_t levels() const { return levels_.size(); }

 private:
  using Block = std::array<uint32_t, 8>;
  struct Level {
    explicit Level(int64_t capacity);
    std::vector<Block> blocks;
    int64_t capacity;
    int64_t keys = 0;
  };

  static const Block& BlockOf(const Level& level, uint64_t key);
  static Block MaskOf(uint64_t key);

  std::vector<Level> levels_;
  int64_t keys_ = 0;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_KEY_FILTER_H_
