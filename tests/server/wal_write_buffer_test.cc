// WalWriteBuffer: a connection of the buffering VFS writes its log in large
// writes, and every committed transaction is in the files when its commit
// returns: a copy of the files taken then (what a crash of the process
// would leave) holds it, as do the readers of the default VFS.
#include "server/store/sqlite/wal_write_buffer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/store/sqlite/sqlite_handle.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;

class WalWriteBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("csx-walbuf-", getpid()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/t.db";
    ASSERT_NE(WalWriteBufferVfs(), nullptr);
    auto db = OpenSqlite(path_, /*read_only=*/false, WalWriteBufferVfs());
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
    ASSERT_THAT(Exec(db_.get(),
                     "PRAGMA journal_mode=WAL;"
                     "PRAGMA synchronous=NORMAL;"
                     "PRAGMA wal_autocheckpoint=0;"
                     "CREATE TABLE t(k TEXT PRIMARY KEY, v BLOB)"),
                IsOk());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Inserts rows [from, to) with random keys (each on a page of its own in
  // a large index) in one transaction.
  void Insert(int from, int to) {
    ASSERT_THAT(Exec(db_.get(), "BEGIN"), IsOk());
    auto s = Statement::Prepare(db_.get(),
                                "INSERT INTO t VALUES (hex(randomblob(16)) || "
                                "?, zeroblob(200))");
    ASSERT_THAT(s, IsOk());
    for (int i = from; i < to; ++i) {
      s->BindInt(1, i);
      ASSERT_THAT(s->Run(), IsOk());
    }
    ASSERT_THAT(Exec(db_.get(), "COMMIT"), IsOk());
  }

  static int64_t Count(sqlite3* db) {
    auto s = Statement::Prepare(db, "SELECT count(*) FROM t");
    EXPECT_THAT(s, IsOk());
    if (!s.ok()) return -1;
    auto row = s->Step();
    EXPECT_THAT(row, IsOk());
    return row.ok() && *row ? s->ColumnInt(0) : -1;
  }

  // The rows in a copy of the database and its log as the kernel has them
  // now, opened with the default VFS: what a crash would leave.
  int64_t CountInCopyOfFiles() {
    const std::string copy = dir_ + "/copy.db";
    std::filesystem::remove(copy);
    std::filesystem::remove(copy + "-wal");
    std::filesystem::remove(copy + "-shm");
    std::filesystem::copy_file(path_, copy);
    std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
    auto db = OpenSqlite(copy, /*read_only=*/false);
    EXPECT_THAT(db, IsOk());
    return db.ok() ? Count(db->get()) : -1;
  }

  std::string dir_, path_;
  SqliteDbPtr db_;
};

TEST_F(WalWriteBufferTest, ALargeCommitReachesTheLogInFewWrites) {
  Insert(0, 100);
  const WalWriteCounts before = WalWriteBufferCounts();
  Insert(100, 20100);
  const WalWriteCounts after = WalWriteBufferCounts();
  const uint64_t writes = after.writes - before.writes;
  const uint64_t file_writes = after.file_writes - before.file_writes;
  // Two writes per frame, hundreds of frames, in 1 MB writes.
  EXPECT_GT(writes, 400u);
  EXPECT_LT(file_writes * 20, writes);
  EXPECT_EQ(CountInCopyOfFiles(), 20100);
}

TEST_F(WalWriteBufferTest, EveryCommitIsInTheFilesWhenItReturns) {
  auto reader = OpenSqlite(path_, /*read_only=*/true);
  ASSERT_THAT(reader, IsOk());
  int64_t rows = 0;
  for (int round = 0; round < 5; ++round) {
    const int n = round == 0 ? 1 : 3000 * round;
    Insert(static_cast<int>(rows), static_cast<int>(rows) + n);
    rows += n;
    // Neither closed nor synced: the commit alone put it there.
    EXPECT_EQ(CountInCopyOfFiles(), rows) << "after round " << round;
    EXPECT_EQ(Count(reader->get()), rows) << "after round " << round;
  }
}

TEST_F(WalWriteBufferTest,
       ATransactionLargerThanTheCacheReadsBackWhatItSpilled) {
  // Ten pages of cache: the transaction's pages go to the log before its
  // commit, and are read back from it.
  ASSERT_THAT(Exec(db_.get(), "PRAGMA cache_size=10"), IsOk());
  ASSERT_THAT(Exec(db_.get(), "BEGIN"), IsOk());
  auto s = Statement::Prepare(db_.get(), "INSERT INTO t VALUES (?, ?)");
  ASSERT_THAT(s, IsOk());
  for (int i = 0; i < 5000; ++i) {
    s->BindText(1, absl::StrCat((i * 7919) % 5000, "-k"));
    s->BindBlob(2, std::string(100, static_cast<char>('a' + i % 26)));
    ASSERT_THAT(s->Run(), IsOk());
  }
  EXPECT_EQ(Count(db_.get()), 5000);
  {
    auto one = Statement::Prepare(db_.get(), "SELECT v FROM t WHERE k = ?");
    ASSERT_THAT(one, IsOk());
    one->BindText(1, absl::StrCat((1234 * 7919) % 5000, "-k"));
    auto row = one->Step();
    ASSERT_THAT(row, IsOk());
    ASSERT_TRUE(*row);
    EXPECT_EQ(one->ColumnBlob(0), std::string(100, 'a' + 1234 % 26));
  }
  ASSERT_THAT(Exec(db_.get(), "COMMIT"), IsOk());
  EXPECT_EQ(CountInCopyOfFiles(), 5000);
  auto check = Statement::Prepare(db_.get(), "PRAGMA integrity_check");
  ASSERT_THAT(check, IsOk());
  auto row = check->Step();
  ASSERT_THAT(row, IsOk());
  EXPECT_EQ(check->ColumnText(0), "ok");
}

TEST_F(WalWriteBufferTest, ALogStartedOverIsBufferedAgain) {
  int64_t rows = 0;
  for (int round = 0; round < 3; ++round) {
    Insert(static_cast<int>(rows), static_cast<int>(rows) + 5000);
    rows += 5000;
    // Copied back and started over: the next commit writes from the log's
    // start, over the frames of the last.
    ASSERT_THAT(Exec(db_.get(), "PRAGMA wal_checkpoint(RESTART)"), IsOk());
    const WalWriteCounts before = WalWriteBufferCounts();
    Insert(static_cast<int>(rows), static_cast<int>(rows) + 5000);
    rows += 5000;
    const WalWriteCounts after = WalWriteBufferCounts();
    EXPECT_LT((after.file_writes - before.file_writes) * 20,
              after.writes - before.writes)
        << "round " << round;
    EXPECT_EQ(CountInCopyOfFiles(), rows) << "round " << round;
  }
}

}  // namespace
}  // namespace csx
