#include "server/core/rate_limiter.h"

#include <algorithm>

namespace csx {

RateLimiter::RateLimiter(Clock* clock, double rate, double burst)
    : clock_(clock), rate_(rate), burst_(std::max(burst, rate)) {}

void RateLimiter::Configure(double rate, double burst) {
  absl::MutexLock lock(&mu_);
  rate_ = rate;
  burst_ = std::max(burst, rate);
}

bool RateLimiter::Allow(const std::string& key, double cost) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (rate_ <= 0) return true;
  if (buckets_.size() >= kMaxKeys && !buckets_.contains(key)) {
    // Drop the buckets that would be full by now: forgetting them changes
    // nothing, as a new bucket starts full.
    const absl::Duration refill = absl::Seconds(burst_ / rate_);
    absl::erase_if(buckets_, [&](const auto& kv) {
      return now - kv.second.updated >= refill;
    });
    // Still full: that many identities active at once is itself abnormal;
    // start over rather than grow without bound.
    if (buckets_.size() >= kMaxKeys) buckets_.clear();
  }
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = burst_;
  } else {
    const double elapsed = absl::ToDoubleSeconds(now - b.updated);
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  }
  b.updated = now;
  // A single request larger than the burst can never pass: let it through
  // when the bucket is full, and leave the bucket empty.
  const double need = std::min(cost, burst_);
  if (b.tokens < need) return false;
  b.tokens = std::max(0.0, b.tokens - cost);
  return true;
}

bool RateLimiter::ShouldReport(const std::string& key,
                               absl::Duration interval) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return true;
  if (now - it->second.reported < interval) return false;
  it->second.reported = now;
  return true;
}

}  // namespace csx
