// SqliteStore's commit path: a commit releases the write lock before its log
// is flushed, the feed serves a change only once it is durable, concurrent
// commits share flushes, and a failed flush stops the store's writes.
#include "server/store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

// Options whose log flush is `sync_log` instead of fdatasync().
SqliteStore::Options WithLogFlush(
    std::function<absl::Status(int fd)> sync_log) {
  SqliteStore::Options o;
  o.sync_log = std::move(sync_log);
  return o;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("csx-store-", getpid()))
               .string();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/csx.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static v1::Indicator Domain(int i) {
    v1::Indicator ind;
    ind.set_id(absl::StrCat("id-", i));
    ind.set_type(v1::DOMAIN);
    ind.set_value(absl::StrCat("host", i, ".example"));
    ind.set_origin("cl.csirt");
    return ind;
  }

  // Writes indicator `i` in a transaction committed without waiting for
  // the flush; returns the ticket.
  static uint64_t PutUnsynced(Store& store, int i) {
    auto txn = store.Begin();
    EXPECT_THAT(txn, IsOk());
    if (!txn.ok()) return 0;
    EXPECT_THAT((*txn)->PutVersion(v1::OP_UPSERT, absl::Now(), Domain(i)),
                IsOk());
    auto ticket = (*txn)->CommitUnsynced();
    EXPECT_THAT(ticket, IsOk());
    return ticket.ok() ? *ticket : 0;
  }

  static size_t FeedSize(Store& store) {
    auto entries = store.ReadChanges(0, 100);
    EXPECT_THAT(entries, IsOk());
    return entries.ok() ? entries->size() : 0;
  }

  std::string dir_, path_;
};

TEST_F(SqliteStoreTest, TheFeedServesAChangeOnlyOnceItsLogIsFlushed) {
  std::atomic<bool> hold{false};
  absl::Notification flushing, release;
  auto store = SqliteStore::Open(
      path_, WithLogFlush([&](int fd) -> absl::Status {
        if (hold.exchange(false)) {
          flushing.Notify();
          release.WaitForNotification();
        }
        return fdatasync(fd) == 0 ? absl::OkStatus()
                                  : absl::InternalError("fdatasync");
      }));
  ASSERT_THAT(store, IsOk());
  Store& s = **store;
  hold = true;
  const uint64_t first = PutUnsynced(s, 1);
  // Committed: readers see it; the feed does not serve it yet.
  EXPECT_THAT(s.Get("id-1"), IsOk());
  EXPECT_EQ(FeedSize(s), 0u);
  absl::StatusOr<uint64_t> durable;
  std::thread waiter([&] { durable = s.AwaitDurable(first); });
  flushing.WaitForNotification();
  // The flush is in progress and holds no other writer off.
  const uint64_t second = PutUnsynced(s, 2);
  EXPECT_EQ(FeedSize(s), 0u);
  release.Notify();
  waiter.join();
  ASSERT_THAT(durable, IsOk());
  EXPECT_EQ(*durable, 1u);
  // The flush began before the second commit: it covers the first only.
  EXPECT_EQ(FeedSize(s), 1u);
  ASSERT_THAT(s.AwaitDurable(second), IsOk());
  EXPECT_EQ(FeedSize(s), 2u);
}

TEST_F(SqliteStoreTest, ConcurrentCommitsShareFlushesAndAllSurviveReopening) {
  std::atomic<int> flushes{0};
  auto store = SqliteStore::Open(
      path_, WithLogFlush([&](int fd) -> absl::Status {
        ++flushes;
        return fdatasync(fd) == 0 ? absl::OkStatus()
                                  : absl::InternalError("fdatasync");
      }));
  ASSERT_THAT(store, IsOk());
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto txn = (*store)->Begin();
        ASSERT_THAT(txn, IsOk());
        ASSERT_THAT((*txn)->PutVersion(v1::OP_UPSERT, absl::Now(),
                                       Domain(t * kEach + i)),
                    IsOk());
        ASSERT_THAT((*txn)->Commit(), IsOk());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::printf("%d flushes for %d commits\n", flushes.load(), kThreads * kEach);
  // One flush at open, then fewer than one per commit.
  EXPECT_LT(flushes.load(), kThreads * kEach);
  EXPECT_EQ(FeedSize(**store), 100u);  // the first page
  store->reset();
  auto reopened = SqliteStore::Open(path_);
  ASSERT_THAT(reopened, IsOk());
  auto counts = (*reopened)->Counts();
  ASSERT_THAT(counts, IsOk());
  EXPECT_EQ(counts->indicators, uint64_t{kThreads * kEach});
  EXPECT_EQ(counts->feed_head, uint64_t{kThreads * kEach});
  auto head = (*reopened)->FeedHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(*head, uint64_t{kThreads * kEach});
}

TEST_F(SqliteStoreTest, PutIfNewStoresANewValueAndLeavesAKnownOneAlone) {
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  v1::Indicator first = Domain(1);
  first.set_description("first");
  v1::Indicator same_value = Domain(1);
  same_value.set_id("id-other");
  same_value.set_description("second");
  {
    auto txn = (*store)->Begin();
    ASSERT_THAT(txn, IsOk());
    auto seq = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), first);
    ASSERT_THAT(seq, IsOk());
    ASSERT_TRUE(seq->has_value());
    // Seen at once in the same transaction, by key and by id.
    auto found = (*txn)->FindByKey(v1::DOMAIN, "host1.example", "cl.csirt");
    ASSERT_THAT(found, IsOk());
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->description(), "first");
    // Another id with the same (type, value, origin) writes nothing.
    auto again = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), same_value);
    ASSERT_THAT(again, IsOk());
    EXPECT_FALSE(again->has_value());
    ASSERT_THAT((*txn)->Commit(), IsOk());
  }
  auto got = (*store)->Get("id-1");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->description(), "first");
  EXPECT_THAT((*store)->Get("id-other"), StatusIs(absl::StatusCode::kNotFound));
  // One log entry, and the row points at it.
  auto entries = (*store)->ReadChanges(0, 100);
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].indicator().description(), "first");
  auto head = (*store)->FeedHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(*head, (*entries)[0].seq());
  // A rolled-back PutIfNew leaves nothing behind.
  {
    auto txn = (*store)->Begin();
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT((*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), Domain(2)),
                IsOk());
  }
  EXPECT_THAT((*store)->Get("id-2"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(FeedSize(**store), 1u);
}

TEST_F(SqliteStoreTest, ANewRowPointsAtItsEntryAndNoSeqIsUsedTwice) {
  auto put_new = [](Store& store, int i, bool commit) -> uint64_t {
    auto txn = store.Begin();
    EXPECT_THAT(txn, IsOk());
    if (!txn.ok()) return 0;
    auto seq = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), Domain(i));
    EXPECT_THAT(seq, IsOk());
    if (commit) {
      EXPECT_THAT((*txn)->Commit(), IsOk());
    }
    return seq.ok() && seq->has_value() ? **seq : 0;
  };
  {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    EXPECT_EQ(put_new(**store, 1, true), 1u);
    EXPECT_EQ(put_new(**store, 2, true), 2u);
    EXPECT_EQ(put_new(**store, 3, true), 3u);
  }
  // The newest entry and its row removed by hand: its seq stays used.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DELETE FROM indicators WHERE id = 'id-3';"
                         "DELETE FROM changes WHERE seq = 3;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ(put_new(**store, 4, true), 4u);
  // A rolled-back transaction gives its seq back.
  EXPECT_EQ(put_new(**store, 5, false), 5u);
  EXPECT_EQ(put_new(**store, 6, true), 5u);
  // Each row reads back its own version.
  for (int i : {1, 2, 4, 6}) {
    auto got = (*store)->Get(absl::StrCat("id-", i));
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->value(), absl::StrCat("host", i, ".example"));
  }
  auto entries = (*store)->ReadChanges(0, 100);
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[2].seq(), 4u);
  EXPECT_EQ((*entries)[2].indicator().id(), "id-4");
  EXPECT_EQ((*entries)[3].seq(), 5u);
  EXPECT_EQ((*entries)[3].indicator().id(), "id-6");
}

TEST_F(SqliteStoreTest, AFailedFlushStopsWritesUntilTheStoreIsReopened) {
  std::atomic<bool> fail{false};
  {
    auto store = SqliteStore::Open(
        path_, WithLogFlush([&](int fd) -> absl::Status {
          if (fail) return absl::InternalError("store: flushing failed: EIO");
          return fdatasync(fd) == 0 ? absl::OkStatus()
                                    : absl::InternalError("fdatasync");
        }));
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->AwaitDurable(PutUnsynced(**store, 1)), IsOk());
    fail = true;
    auto txn = (*store)->Begin();
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT((*txn)->PutVersion(v1::OP_UPSERT, absl::Now(), Domain(2)),
                IsOk());
    EXPECT_THAT((*txn)->Commit(),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("EIO")));
    txn->reset();
    fail = false;  // the disk is back: the store still refuses
    EXPECT_THAT((*store)->Begin(),
                StatusIs(absl::StatusCode::kInternal,
                         HasSubstr("no writes until csxd is restarted")));
    EXPECT_EQ(FeedSize(**store), 1u);
  }
  auto reopened = SqliteStore::Open(path_);
  ASSERT_THAT(reopened, IsOk());
  ASSERT_THAT((*reopened)->AwaitDurable(PutUnsynced(**reopened, 3)), IsOk());
}

TEST_F(SqliteStoreTest, ACommitCountsThePagesItWroteAndThoseItSpilled) {
  SqliteStore::Options small_cache;
  small_cache.writer_cache_kib = 256;  // 64 pages of 4 KB
  auto store = SqliteStore::Open(path_, small_cache);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ((*store)->WriteCachePages(), 64u);
  // Values on random pages of the key index: a transaction of 5 000 changes
  // far more pages than the cache holds, so some are written before the
  // commit.
  auto txn = (*store)->Begin();
  ASSERT_THAT(txn, IsOk());
  for (int i = 0; i < 5000; ++i) {
    v1::Indicator ind = Domain(i);
    ind.set_value(absl::StrCat((i * 7919) % 5000, ".random-", i, ".example"));
    ASSERT_THAT((*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), ind), IsOk());
  }
  ASSERT_THAT((*txn)->Commit(), IsOk());
  const Transaction::PageCounts big = (*txn)->Pages();
  EXPECT_GT(big.spilled, 0u);
  EXPECT_GT(big.written, big.spilled);
  EXPECT_GT(big.written, 64u);
  // One row changes a few pages, within the cache: nothing spilled, and the
  // counts are the transaction's own, not the one's before.
  auto one = (*store)->Begin();
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT((*one)->PutVersion(v1::OP_UPSERT, absl::Now(), Domain(9000)),
              IsOk());
  ASSERT_THAT((*one)->Commit(), IsOk());
  EXPECT_GT((*one)->Pages().written, 0u);
  EXPECT_LT((*one)->Pages().written, 20u);
  EXPECT_EQ((*one)->Pages().spilled, 0u);
}

TEST_F(SqliteStoreTest,
       TheWriteCacheIsSixtyFourMegabytesUnlessSetAndMustBeSome) {
  {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    EXPECT_EQ((*store)->WriteCachePages(), 16384u);
  }
  SqliteStore::Options none;
  none.writer_cache_kib = 0;
  EXPECT_THAT(SqliteStore::Open(path_, none),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("writer_cache_kib")));
}

}  // namespace
}  // namespace csx
