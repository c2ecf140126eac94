// GroupSizer: how many items one write transaction may take, so that the
// pages it changes fit in the store's write cache.
//
// A transaction that changes more pages than the writer's cache holds has
// the store write some of them out before its commit and read them back,
// and a page changed again after that is written twice. The values of a
// bulk load land on random pages of the key index, so once that index is
// much larger than the cache each value changes a page of its own (about
// half a page per value at five million stored, against a sixth on an empty
// store): a group of the largest size then overflows the cache, while the
// same group on a small store does not.
//
// The sizer keeps an estimate of the pages changed per item, from the
// transactions it is shown (Observe), and allows as many items as fill
// `kCacheShare` of the cache at that rate, within [min_items, max_items].
// With no cache size known it allows max_items.
//
// Thread-safety: all methods may be called from any thread.
#ifndef CSX_SERVER_CORE_GROUP_SIZER_H_
#define CSX_SERVER_CORE_GROUP_SIZER_H_

#include <atomic>
#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace csx {

class GroupSizer {
 public:
  // The share of the cache a transaction's changed pages may take: the rest
  // holds the index pages the next values are looked up on.
  static constexpr double kCacheShare = 0.75;

  // `cache_pages` 0: no limit below max_items.
  GroupSizer(size_t min_items, size_t max_items, size_t cache_pages);

  // A committed transaction of `items` items changed `pages` pages (0 pages:
  // the store does not say; ignored).
  void Observe(size_t items, size_t pages);

  // The items the next transaction may take.
  size_t Limit() const { return limit_.load(std::memory_order_relaxed); }

 private:
  const size_t min_items_;
  const size_t max_items_;
  const size_t cache_pages_;
  absl::Mutex mu_;
  double pages_per_item_ ABSL_GUARDED_BY(mu_) = 0;  // 0: none observed yet
  std::atomic<size_t> limit_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_GROUP_SIZER_H_
