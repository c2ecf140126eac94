// CountsCache: the store's counts for metric scrapes, at a bounded cost.
//
// Counting reads every row: a millisecond on a small store, seconds at ten
// million indicators. A scrape reuses the last counts while less than
// kCostFactor times the time they took to read has passed since, so reading
// them takes at most about 1/kCostFactor of one core however often the node
// is scraped. A small store is counted at every scrape, as before.
//
// Thread-safety: Get() may be called from any thread; one count runs at a
// time.
#ifndef CSX_SERVER_SERVICE_COUNTS_CACHE_H_
#define CSX_SERVER_SERVICE_COUNTS_CACHE_H_

#include <functional>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/store.h"

namespace csx {

class CountsCache {
 public:
  static constexpr int kCostFactor = 20;
  using Source = std::function<absl::StatusOr<StoreCounts>()>;
  using Now = std::function<absl::Time()>;

  CountsCache(Source source, Now now)
      : source_(std::move(source)), now_(std::move(now)) {}

  absl::StatusOr<StoreCounts> Get() {
    absl::MutexLock lock(&mu_);
    const absl::Time start = now_();
    if (last_ && start - taken_ < kCostFactor * cost_) return *last_;
    absl::StatusOr<StoreCounts> c = source_();
    if (!c.ok()) return c.status();
    taken_ = now_();
    cost_ = taken_ - start;
    last_ = *c;
    return c;
  }

 private:
  const Source source_;
  const Now now_;
  absl::Mutex mu_;
  std::optional<StoreCounts> last_ ABSL_GUARDED_BY(mu_);
  absl::Time taken_ ABSL_GUARDED_BY(mu_);
  absl::Duration cost_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_COUNTS_CACHE_H_
