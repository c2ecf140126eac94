// GroupCommit: many threads' writes in one durable transaction. Callers that
// arrive while a transaction is being committed queue up; the first of them
// becomes the next group's leader and applies every queued member (up to
// `max_items` items) in one transaction, so one fsync acknowledges them all
// (the writer queue of leveldb's DBImpl::Write). Under load this turns N
// commits into one; alone, a caller commits at once, as before.
//
// A group's leader hands over to the next group as soon as its transaction
// is committed, and only then waits for it to be durable: the next group's
// transaction runs while the log is flushed.
//
// Thread-safety: Join() may be called from any number of threads.
#ifndef CSX_SERVER_CORE_GROUP_COMMIT_H_
#define CSX_SERVER_CORE_GROUP_COMMIT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/types/span.h"

namespace csx {

class GroupCommit {
 public:
  // One caller's write. `items` sizes the group; `data` is the caller's,
  // read by the apply function of whichever thread leads the group.
  struct Member {
    size_t items = 0;
    void* data = nullptr;
    // Notified once the member's group is committed (or has failed), before
    // it is durable; may be null.
    absl::Notification* applied = nullptr;

   private:
    friend class GroupCommit;
    absl::Status status;
    bool done = false;
    absl::CondVar cv;
  };
  // Applies a whole group in one transaction and commits it without waiting
  // for it to be durable; returns a ticket for DurableFn. A failure is every
  // member's status.
  using ApplyFn =
      absl::FunctionRef<absl::StatusOr<uint64_t>(absl::Span<Member* const>)>;
  // Returns once the transaction of `ticket` is durable; its status is every
  // member's.
  using DurableFn = absl::FunctionRef<absl::Status(uint64_t ticket)>;

  explicit GroupCommit(size_t max_items) : max_items_(max_items) {}

  // The most items of the groups formed from now on (a member larger alone
  // still forms a group of its own).
  void set_max_items(size_t max_items) {
    max_items_.store(max_items, std::memory_order_relaxed);
  }

  // Returns once `member` is applied and durable, by this thread or by
  // another group's leader, with the status of its group's transaction.
  absl::Status Join(Member& member, ApplyFn apply, DurableFn durable);

 private:
  std::atomic<size_t> max_items_;
  absl::Mutex mu_;
  std::deque<Member*> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_GROUP_COMMIT_H_
