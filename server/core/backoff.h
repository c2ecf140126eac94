// Backoff: capped exponential backoff with jitter for reconnecting to
// partners. Each delay is drawn uniformly from [d/2, d] where d doubles from
// `initial` up to `max`; Reset() after a success. Not thread-safe.
#ifndef CSX_SERVER_CORE_BACKOFF_H_
#define CSX_SERVER_CORE_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace csx {

class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max, uint64_t seed)
      : initial_(initial), max_(max), current_(initial), rng_(seed) {}

  absl::Duration Next() {
    const absl::Duration d = current_;
    current_ = std::min(current_ * 2, max_);
    std::uniform_int_distribution<int64_t> half(
        0, absl::ToInt64Microseconds(d) / 2);
    return d - absl::Microseconds(half(rng_));
  }
  void Reset() { current_ = initial_; }

 private:
  absl::Duration initial_, max_, current_;
  std::mt19937_64 rng_;
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_BACKOFF_H_
