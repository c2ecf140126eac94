#include "server/core/group_commit.h"

#include <vector>

namespace csx {

absl::Status GroupCommit::Join(Member& member, ApplyFn apply) {
  mu_.Lock();
  queue_.push_back(&member);
  while (!member.done && queue_.front() != &member) member.cv.Wait(&mu_);
  if (member.done) {
    mu_.Unlock();
    return member.status;
  }
  // This thread leads: take the members at the front, in arrival order.
  std::vector<Member*> group;
  size_t items = 0;
  for (Member* m : queue_) {
    if (!group.empty() && items + m->items > max_items_) break;
    group.push_back(m);
    items += m->items;
  }
  mu_.Unlock();
  const absl::Status status = apply(group);
  mu_.Lock();
  for (Member* m : group) {
    queue_.pop_front();
    m->status = status;
    m->done = true;
    if (m != &member) m->cv.Signal();
  }
  // The next group's leader starts now.
  if (!queue_.empty()) queue_.front()->cv.Signal();
  mu_.Unlock();
  return status;
}

}  // namespace csx
