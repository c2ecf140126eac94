#include "server/core/group_sizer.h"

#include <algorithm>

namespace csx {
namespace {

// Only transactions this large say how a group of the largest size would
// fare: a handful of items changes a few pages wherever they land.
constexpr size_t kMinSample = 500;

}  // namespace

GroupSizer::GroupSizer(size_t min_items, size_t max_items, size_t cache_pages)
    : min_items_(std::min(min_items, max_items)),
      max_items_(max_items),
      cache_pages_(cache_pages),
      limit_(max_items) {}

void GroupSizer::Observe(size_t items, size_t pages) {
  if (cache_pages_ == 0 || items < kMinSample || pages == 0) return;
  absl::MutexLock lock(&mu_);
  const double observed =
      static_cast<double>(pages) / static_cast<double>(items);
  // Half of the estimate is the last transaction: the store's growth moves
  // it slowly, a change of workload (values that exist, other types) at
  // once.
  pages_per_item_ =
      pages_per_item_ == 0 ? observed : (pages_per_item_ + observed) / 2;
  const double fits =
      kCacheShare * static_cast<double>(cache_pages_) / pages_per_item_;
  const size_t limit = fits >= static_cast<double>(max_items_)
                           ? max_items_
                           : std::max(min_items_, static_cast<size_t>(fits));
  limit_.store(limit, std::memory_order_relaxed);
}

}  // namespace csx
