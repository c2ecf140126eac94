// RateLimiter: a token bucket per key (a principal), refilled at `rate` per
// second up to `burst`. A call costs one token, a submission one per item.
// A rate of 0 means unlimited. Buckets of keys that have been quiet long
// enough to be full again are dropped when the table grows, so a flood of
// distinct identities cannot grow it without bound.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CSX_SERVER_CORE_RATE_LIMITER_H_
#define CSX_SERVER_CORE_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/clock.h"

namespace csx {

class RateLimiter {
 public:
  // `clock` is borrowed and must outlive the limiter.
  RateLimiter(Clock* clock, double rate, double burst);

  // Takes `cost` tokens from `key`'s bucket; false (and nothing taken) when
  // the bucket does not hold that many.
  bool Allow(const std::string& key, double cost = 1);

  // True at most once per `interval` per key: whether to log a refusal.
  bool ShouldReport(const std::string& key, absl::Duration interval);

  // Changes the rate and burst (a reloaded config); buckets keep their fill.
  void Configure(double rate, double burst);

  // How many keys have a bucket now (at most kMaxKeys).
  size_t tracked_keys() {
    absl::MutexLock lock(&mu_);
    return buckets_.size();
  }
  static constexpr size_t kMaxKeys = 10000;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
    absl::Time reported = absl::InfinitePast();
  };
  Clock* const clock_;
  absl::Mutex mu_;
  double rate_ ABSL_GUARDED_BY(mu_);
  double burst_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_RATE_LIMITER_H_
