// GroupCommit: concurrent callers share groups, every member is applied
// exactly once, in arrival order within a group, and a failed group fails
// each of its members.
#include "server/core/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace csx {
namespace {

TEST(GroupCommitTest, ConcurrentCallersShareGroupsAndEachIsAppliedOnce) {
  GroupCommit gc(/*max_items=*/64);
  absl::Mutex mu;
  std::vector<int> applied;  // member ids, in apply order
  std::atomic<int> groups{0};
  std::atomic<size_t> largest{0};
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int id = t * kEach + i;
        GroupCommit::Member m;
        m.items = 4;
        m.data = &id;
        absl::Status s = gc.Join(
            m,
            [&](absl::Span<GroupCommit::Member* const> group) {
              ++groups;
              size_t items = 0;
              absl::MutexLock lock(&mu);
              for (auto* g : group) {
                applied.push_back(*static_cast<int*>(g->data));
                items += g->items;
              }
              EXPECT_LE(items, 64u);
              if (group.size() > largest) largest = group.size();
              return uint64_t{1};
            },
            [](uint64_t) { return absl::OkStatus(); });
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(applied.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(std::set<int>(applied.begin(), applied.end()).size(),
            applied.size())
      << "a member was applied twice";
  // Members of one thread are applied in the order that thread joined.
  std::vector<int> last(kThreads, -1);
  for (int id : applied) {
    EXPECT_GT(id, last[id / kEach]);
    last[id / kEach] = id;
  }
  std::printf("%d groups for %d members, largest %zu\n", groups.load(),
              kThreads * kEach, largest.load());
  EXPECT_LE(largest.load(), 16u);  // 64 items / 4 per member
}

TEST(GroupCommitTest, ALoweredLimitCapsTheGroupsFormedAfterIt) {
  GroupCommit gc(/*max_items=*/64);
  gc.set_max_items(8);
  std::atomic<size_t> largest{0};
  std::atomic<int> members{0};
  auto join = [&](size_t items) {
    GroupCommit::Member m;
    m.items = items;
    return gc.Join(
        m,
        [&](absl::Span<GroupCommit::Member* const> group) {
          size_t total = 0;
          for (auto* g : group) total += g->items;
          if (total > largest) largest = total;
          members += static_cast<int>(group.size());
          return uint64_t{1};
        },
        [](uint64_t) { return absl::OkStatus(); });
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) EXPECT_TRUE(join(4).ok());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(members.load(), 1600);
  EXPECT_LE(largest.load(), 8u);  // two members of 4, not sixteen
  // A member larger than the limit alone still forms a group.
  EXPECT_TRUE(join(20).ok());
  EXPECT_EQ(largest.load(), 20u);
}

TEST(GroupCommitTest, AFailedGroupFailsEveryMember) {
  GroupCommit gc(/*max_items=*/1000);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        GroupCommit::Member m;
        m.items = 1;
        absl::Status s = gc.Join(
            m,
            [](absl::Span<GroupCommit::Member* const>)
                -> absl::StatusOr<uint64_t> {
              return absl::ResourceExhaustedError("store: disk full");
            },
            [](uint64_t) { return absl::OkStatus(); });
        if (absl::IsResourceExhausted(s)) ++failed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 400);
}

TEST(GroupCommitTest, TheNextGroupIsAppliedWhileTheLastIsMadeDurable) {
  GroupCommit gc(/*max_items=*/10);
  absl::Notification first_applied, second_applied, told_applied;
  absl::Status first, second;
  std::thread a([&] {
    GroupCommit::Member m;
    m.items = 10;
    m.applied = &told_applied;
    first = gc.Join(
        m,
        [&](absl::Span<GroupCommit::Member* const>) {
          first_applied.Notify();
          return uint64_t{1};
        },
        [&](uint64_t ticket) {
          EXPECT_EQ(ticket, 1u);
          // The member hears that its group is committed before it is
          // durable (a stream starts its next transaction then).
          EXPECT_TRUE(told_applied.HasBeenNotified());
          // Without the hand-over the second group would wait for this.
          return second_applied.WaitForNotificationWithTimeout(
                     absl::Seconds(10))
                     ? absl::OkStatus()
                     : absl::DeadlineExceededError("second group not applied");
        });
  });
  first_applied.WaitForNotification();
  std::thread b([&] {
    GroupCommit::Member m;
    m.items = 10;
    second = gc.Join(
        m,
        [&](absl::Span<GroupCommit::Member* const>) {
          second_applied.Notify();
          return uint64_t{2};
        },
        [](uint64_t) { return absl::DataLossError("flush failed"); });
  });
  a.join();
  b.join();
  EXPECT_TRUE(first.ok()) << first;
  // A failed flush is its group's status.
  EXPECT_TRUE(absl::IsDataLoss(second)) << second;
}

}  // namespace
}  // namespace csx
