// LogSyncer: a commit is acknowledged only after a flush that began after
// its writes has finished, concurrent commits share flushes, and a failed
// flush fails every commit it did not cover, then and later.
#include "server/store/sqlite/log_syncer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;

// A log on a simulated disk: commits write to it, a flush makes what was
// written before it began durable, some time later.
struct FakeLog {
  absl::Mutex mu;
  uint64_t written ABSL_GUARDED_BY(mu) = 0;  // last seq written
  uint64_t on_disk ABSL_GUARDED_BY(mu) = 0;  // last seq durable

  absl::Status Flush() {
    uint64_t covered;
    {
      absl::MutexLock lock(&mu);
      covered = written;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    absl::MutexLock lock(&mu);
    on_disk = std::max(on_disk, covered);
    return absl::OkStatus();
  }
};

TEST(LogSyncerTest, ACommitIsDurableWhenAwaitReturnsAndFlushesAreShared) {
  FakeLog log;
  LogSyncer syncer([&log] { return log.Flush(); }, /*durable_seq=*/0);
  absl::Mutex write_lock;  // the store's: commits happen in seq order
  uint64_t next_seq = 0;
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> early{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        uint64_t seq, ticket;
        {
          absl::MutexLock lock(&write_lock);
          seq = ++next_seq;
          {
            absl::MutexLock l(&log.mu);
            log.written = seq;
          }
          ticket = syncer.Committed(seq);
        }
        absl::StatusOr<uint64_t> durable = syncer.Await(ticket);
        ASSERT_THAT(durable, IsOk());
        EXPECT_GE(*durable, seq);
        absl::MutexLock l(&log.mu);
        if (log.on_disk < seq) ++early;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(early.load(), 0) << "a commit was acknowledged before its flush";
  EXPECT_EQ(syncer.durable_seq(), uint64_t{kThreads * kEach});
  const uint64_t syncs = syncer.syncs();
  std::printf("%llu flushes for %d commits\n",
              static_cast<unsigned long long>(syncs), kThreads * kEach);
  // A commit made during a flush waits for the next one, which covers every
  // commit made meanwhile.
  EXPECT_LT(syncs, uint64_t{kThreads * kEach}) << "flushes not shared";
}

TEST(LogSyncerTest, AFailedFlushFailsEveryLaterCommit) {
  int calls = 0;
  LogSyncer syncer(
      [&calls]() -> absl::Status {
        if (++calls == 2) return absl::InternalError("store: flushing failed");
        return absl::OkStatus();
      },
      /*durable_seq=*/7);
  EXPECT_EQ(syncer.durable_seq(), 7u);
  const uint64_t first = syncer.Committed(8);
  ASSERT_THAT(syncer.Await(first), IsOk());
  EXPECT_EQ(syncer.durable_seq(), 8u);
  const uint64_t second = syncer.Committed(9);
  EXPECT_THAT(syncer.Await(second), StatusIs(absl::StatusCode::kInternal));
  const uint64_t third = syncer.Committed(10);
  EXPECT_THAT(syncer.Await(third), StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(calls, 2) << "a flush ran after one had failed";
  EXPECT_EQ(syncer.durable_seq(), 8u);
  EXPECT_THAT(syncer.failure(), StatusIs(absl::StatusCode::kInternal));
  // What was durable before the failure stays acknowledged.
  EXPECT_THAT(syncer.Await(first), IsOk());
  // A transaction that wrote nothing waits for the last commit.
  EXPECT_EQ(syncer.LastTicket(), third);
}

}  // namespace
}  // namespace csx
