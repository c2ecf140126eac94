// WalWriteBuffer: a connection of the buffering VFS writes its log in large
// writes, and every committed transaction is in the files when its commit
// returns: a copy of the files taken then (what a crash of the process
// would leave) holds it, as do the readers of the default VFS.
#include "server/store/sqlite/wal_write_buffer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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
  // Two writes per frame, hundreds of frames, in writes of 124 KB.
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

TEST_F(WalWriteBufferTest,
       ACommitOverFramesOfARolledBackStatementIsInTheFiles) {
  Insert(0, 1000);
  auto reader = OpenSqlite(path_, /*read_only=*/false);
  ASSERT_THAT(reader, IsOk());
  // Ten pages of cache: a statement that changes more spills them to the
  // log. Rolled back, its frames are written over by those that follow,
  // in the buffer, up to and including the commit frame.
  ASSERT_THAT(Exec(db_.get(), "PRAGMA cache_size=10"), IsOk());
  for (int round = 0; round < 20; ++round) {
    ASSERT_THAT(Exec(db_.get(), "BEGIN"), IsOk());
    ASSERT_THAT(Exec(db_.get(), absl::StrCat("INSERT INTO t VALUES ('kept-",
                                             round, "', zeroblob(200))")),
                IsOk());
    ASSERT_THAT(Exec(db_.get(), "SAVEPOINT s"), IsOk());
    ASSERT_THAT(
        Exec(db_.get(),
             absl::StrCat("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                          "i + 1 FROM n WHERE i < ",
                          100 + 40 * round,
                          ") INSERT INTO t SELECT 'gone-' || i || "
                          "hex(randomblob(8)), zeroblob(300) FROM n")),
        IsOk());
    ASSERT_THAT(Exec(db_.get(), "ROLLBACK TO s; RELEASE s; COMMIT"), IsOk());
    // A reader of the default VFS reads the commit's pages from the file.
    // (A copy of the files is no test here: SQLite's own recovery of a log
    // whose frames a statement rollback wrote over loses the last commit
    // of such a copy with the default VFS too.)
    const int64_t rows = 1000 + round + 1;
    ASSERT_EQ(Count(db_.get()), rows);
    EXPECT_EQ(Count(reader->get()), rows) << "round " << round;
  }
}

// The VFS's log file driven directly, with frames of 24 + 4 096 bytes.
class WalWriteBufferFileTest : public WalWriteBufferTest {
 protected:
  static constexpr int kPage = 4096;
  static constexpr int kFrame = 24 + kPage;

  // Opens the log and writes its header.
  void OpenLog() {
    vfs_ = sqlite3_vfs_find(WalWriteBufferVfs());
    ASSERT_NE(vfs_, nullptr);
    log_path_ = dir_ + "/direct.db-wal";
    // The default VFS gives a log the mode of its database file.
    std::ofstream(dir_ + "/direct.db").put('\0');
    memory_.assign(vfs_->szOsFile, 0);
    file_ = reinterpret_cast<sqlite3_file*>(memory_.data());
    int out = 0;
    ASSERT_EQ(
        vfs_->xOpen(
            vfs_, log_path_.c_str(), file_,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL, &out),
        SQLITE_OK);
    // The log's 32-byte header, as SQLite writes it first.
    const std::string header(32, 'h');
    ASSERT_EQ(file_->pMethods->xWrite(file_, header.data(), 32, 0), SQLITE_OK);
  }
  void TearDown() override {
    if (file_ != nullptr) file_->pMethods->xClose(file_);
    WalWriteBufferTest::TearDown();
  }
  // Frame `n` (from 0) after the 32-byte log header: its header (a commit
  // frame when `commit`), then its page of `fill` bytes.
  int WriteFrame(int n, bool commit, char fill) {
    std::string header(24, '\0');
    if (commit) header[7] = 1;  // the database size after the commit
    const sqlite3_int64 at = 32 + sqlite3_int64{n} * kFrame;
    int rc = file_->pMethods->xWrite(file_, header.data(), 24, at);
    if (rc != SQLITE_OK) return rc;
    const std::string page(kPage, fill);
    return file_->pMethods->xWrite(file_, page.data(), kPage, at + 24);
  }
  // The page of frame `n` as the file holds it, read past the VFS.
  std::string PageInFile(int n) {
    std::ifstream in(log_path_, std::ios::binary);
    in.seekg(32 + n * kFrame + 24);
    std::string page(kPage, '\0');
    in.read(page.data(), kPage);
    return in.gcount() == kPage ? page : "";
  }

  sqlite3_vfs* vfs_ = nullptr;
  std::string log_path_;
  std::vector<char> memory_;
  sqlite3_file* file_ = nullptr;
};

TEST_F(WalWriteBufferFileTest,
       ACommitFrameWrittenOverBufferedFramesReachesTheFile) {
  OpenLog();
  // Three frames of a transaction, spilled: they wait in the buffer.
  for (int n = 0; n < 3; ++n) ASSERT_EQ(WriteFrame(n, false, 'a'), SQLITE_OK);
  EXPECT_EQ(PageInFile(0), "");
  // Rolled back; the next transaction writes its commit frame over the
  // first of them.
  ASSERT_EQ(WriteFrame(0, true, 'c'), SQLITE_OK);
  EXPECT_TRUE(PageInFile(0) == std::string(kPage, 'c'));
}

TEST_F(WalWriteBufferFileTest,
       AFailedFlushFailsWhatFollowsUntilTheLogIsRewritten) {
  OpenLog();
  ASSERT_EQ(WriteFrame(0, true, 'a'), SQLITE_OK);  // committed: in the file
  // Frames 1 and 2 wait in the buffer; the file may then not grow past
  // frame 1, so their flush fails.
  ASSERT_EQ(WriteFrame(1, false, 'b'), SQLITE_OK);
  ASSERT_EQ(WriteFrame(2, false, 'b'), SQLITE_OK);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit small = old_limit;
  small.rlim_cur = 32 + kFrame + 100;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string page(kPage, '\0');
  const int read_rc =
      file_->pMethods->xRead(file_, page.data(), kPage, 32 + kFrame + 24);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  EXPECT_NE(read_rc, SQLITE_OK);
  // What was lost is not read, written after or synced as if it were there.
  EXPECT_NE(
      file_->pMethods->xRead(file_, page.data(), kPage, 32 + 2 * kFrame + 24),
      SQLITE_OK);
  EXPECT_NE(WriteFrame(3, true, 'd'), SQLITE_OK);
  EXPECT_NE(file_->pMethods->xSync(file_, SQLITE_SYNC_NORMAL), SQLITE_OK);
  // The committed frame still reads.
  EXPECT_EQ(file_->pMethods->xRead(file_, page.data(), kPage, 32 + 24),
            SQLITE_OK);
  EXPECT_TRUE(page == std::string(kPage, 'a'));
  // The transaction is rolled back and the next one writes from frame 1:
  // the log is whole again.
  ASSERT_EQ(WriteFrame(1, true, 'e'), SQLITE_OK);
  EXPECT_TRUE(PageInFile(1) == std::string(kPage, 'e'));
  EXPECT_EQ(file_->pMethods->xSync(file_, SQLITE_SYNC_NORMAL), SQLITE_OK);
}

}  // namespace
}  // namespace csx
