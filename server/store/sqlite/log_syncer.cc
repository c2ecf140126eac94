#include "server/store/sqlite/log_syncer.h"

#include <algorithm>
#include <utility>

namespace csx {

LogSyncer::LogSyncer(SyncFn sync, uint64_t durable_seq)
    : sync_(std::move(sync)),
      committed_seq_(durable_seq),
      durable_seq_(durable_seq) {}

uint64_t LogSyncer::Committed(uint64_t last_seq) {
  absl::MutexLock lock(&mu_);
  committed_seq_ = std::max(committed_seq_, last_seq);
  return ++committed_;
}

uint64_t LogSyncer::LastTicket() const {
  absl::MutexLock lock(&mu_);
  return committed_;
}

absl::StatusOr<uint64_t> LogSyncer::Await(uint64_t ticket) {
  absl::MutexLock lock(&mu_);
  while (synced_ < ticket && failed_.ok()) {
    if (syncing_) {
      // The flush in progress may have begun before this commit: wait for
      // it, then look again.
      auto idle = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !syncing_; };
      mu_.Await(absl::Condition(&idle));
      continue;
    }
    // Every commit counted so far has written its pages: one flush now
    // makes all of them durable.
    syncing_ = true;
    const uint64_t target = committed_;
    const uint64_t target_seq = committed_seq_;
    mu_.Unlock();
    absl::Status s = sync_();
    mu_.Lock();
    syncing_ = false;
    ++syncs_;
    if (!s.ok()) {
      failed_ = std::move(s);
      break;
    }
    synced_ = target;
    durable_seq_.store(target_seq, std::memory_order_release);
  }
  if (synced_ < ticket) return failed_;
  return durable_seq_.load(std::memory_order_acquire);
}

absl::Status LogSyncer::failure() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

uint64_t LogSyncer::syncs() const {
  absl::MutexLock lock(&mu_);
  return syncs_;
}

}  // namespace csx
