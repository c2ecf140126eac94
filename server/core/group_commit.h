// GroupCommit: many threads' writes in one durable transaction. Callers that
// arrive while a transaction is being committed queue up; the first of them
// becomes the next group's leader and applies every queued member (up to
// `max_items` items) in one transaction, so one fsync acknowledges them all
// (the writer queue of leveldb's DBImpl::Write). Under load this turns N
// commits into one; alone, a caller commits at once, as before.
//
// Thread-safety: Join() may be called from any number of threads.
#ifndef CSX_SERVER_CORE_GROUP_COMMIT_H_
#define CSX_SERVER_CORE_GROUP_COMMIT_H_

#include <cstddef>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace csx {

class GroupCommit {
 public:
  // One caller's write. `items` sizes the group; `data` is the caller's,
  // read by the apply function of whichever thread leads the group.
  struct Member {
    size_t items = 0;
    void* data = nullptr;

   private:
    friend class GroupCommit;
    absl::Status status;
    bool done = false;
    absl::CondVar cv;
  };
  // Applies a whole group in one transaction; its status is every member's.
  using ApplyFn = absl::FunctionRef<absl::Status(absl::Span<Member* const>)>;

  explicit GroupCommit(size_t max_items) : max_items_(max_items) {}

  // Returns once `member` is applied, by this thread or by another group's
  // leader, with the status of its group's transaction.
  absl::Status Join(Member& member, ApplyFn apply);

 private:
  const size_t max_items_;
  absl::Mutex mu_;
  std::deque<Member*> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_GROUP_COMMIT_H_
