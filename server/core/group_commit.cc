#include "server/core/group_commit.h"

#include <vector>

namespace csx {

absl::Status GroupCommit::Join(Member& member, ApplyFn apply,
                               DurableFn durable) {
  mu_.Lock();
  queue_.push_back(&member);
  // A member of a group led by another thread leaves the queue before it is
  // done: it waits for `done` then.
  while (!member.done && (queue_.empty() || queue_.front() != &member)) {
    member.cv.Wait(&mu_);
  }
  if (member.done) {
    mu_.Unlock();
    return member.status;
  }
  // This thread leads: take the members at the front, in arrival order.
  std::vector<Member*> group;
  size_t items = 0;
  const size_t max_items = max_items_.load(std::memory_order_relaxed);
  for (Member* m : queue_) {
    if (!group.empty() && items + m->items > max_items) break;
    group.push_back(m);
    items += m->items;
  }
  mu_.Unlock();
  absl::StatusOr<uint64_t> ticket = apply(group);
  mu_.Lock();
  for (Member* m : group) {
    queue_.pop_front();
    if (m->applied != nullptr) m->applied->Notify();
  }
  // The next group's leader starts now, while this group's commit is
  // flushed.
  if (!queue_.empty()) queue_.front()->cv.Signal();
  mu_.Unlock();
  const absl::Status status = ticket.ok() ? durable(*ticket) : ticket.status();
  mu_.Lock();
  for (Member* m : group) {
    m->status = status;
    m->done = true;
    if (m != &member) m->cv.Signal();
  }
  mu_.Unlock();
  return status;
}

}  // namespace csx
