// LogSyncer: makes commits durable after the write lock is released, one
// flush of the log for every commit made since the last one began.
//
// The writer connection commits with synchronous=NORMAL: COMMIT writes its
// pages to the write-ahead log and returns without flushing it. The
// committer then takes a ticket (Committed()), releases the write lock so
// that the next transaction can run, and waits (Await()) until a flush that
// began after its commit has finished. The first waiter to find no flush in
// progress runs one for all the commits made so far; the others wait for it.
// So a flush of the log no longer holds every other writer off, and under
// load one flush acknowledges many transactions (group commit of the flush,
// as in PostgreSQL's XLogFlush).
//
// The feed must not serve a change that a crash of the machine could still
// take back: durable_seq() is the highest change-log seq that a finished
// flush covers, and readers of the change log stop there.
//
// A failed flush leaves the log's state on disk unknown (a later flush may
// succeed without writing the lost pages again, as with Linux's fsync), so
// the failure is kept: every later Await() fails with it, and the store
// takes no more acknowledged writes until it is opened again.
//
// Thread-safety: all methods may be called from any thread.
#ifndef CSX_SERVER_STORE_SQLITE_LOG_SYNCER_H_
#define CSX_SERVER_STORE_SQLITE_LOG_SYNCER_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace csx {

class LogSyncer {
 public:
  // Flushes the log to stable storage (fdatasync). Called from one thread
  // at a time; what was written before the call began must be durable when
  // it returns OK.
  using SyncFn = std::function<absl::Status()>;

  // `durable_seq`: the change-log seq already durable (the log's end when
  // the store was opened and flushed).
  LogSyncer(SyncFn sync, uint64_t durable_seq);
  LogSyncer(const LogSyncer&) = delete;
  LogSyncer& operator=(const LogSyncer&) = delete;

  // Records a commit whose writes to the log have returned; `last_seq` is
  // the highest change-log seq it wrote (0: none). Returns its ticket for
  // Await(). Called in commit order (under the store's write lock).
  uint64_t Committed(uint64_t last_seq);
  // The ticket of the last commit: what a transaction that wrote nothing
  // awaits (it may have read what that commit wrote).
  uint64_t LastTicket() const;

  // Returns once the commit of `ticket` is durable: the change-log seq
  // durable then (at least the commit's own `last_seq`). Fails with the
  // error of a failed flush, this one's or an earlier one's.
  absl::StatusOr<uint64_t> Await(uint64_t ticket);

  // OK, or the error of the flush that failed.
  absl::Status failure() const;
  // The highest change-log seq that is durable.
  uint64_t durable_seq() const {
    return durable_seq_.load(std::memory_order_acquire);
  }
  // Flushes run so far.
  uint64_t syncs() const;

 private:
  const SyncFn sync_;
  mutable absl::Mutex mu_;
  uint64_t committed_ ABSL_GUARDED_BY(mu_) = 0;  // tickets handed out
  uint64_t committed_seq_ ABSL_GUARDED_BY(mu_);
  uint64_t synced_ ABSL_GUARDED_BY(mu_) = 0;  // tickets durable
  bool syncing_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t syncs_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> durable_seq_;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_LOG_SYNCER_H_
