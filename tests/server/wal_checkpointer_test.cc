// WalCheckpointer: on a connection whose own automatic checkpoint is off,
// the log is copied back into the database by the checkpointer's thread
// while commits go on, and nothing is lost.
#include "server/store/sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace csx {
namespace {

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("csx-wal-", getpid()))
               .string();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/t.db";
  }
  void TearDown() override {
    checkpointer_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Writes about 8 MB in 40 transactions on `db`.
  static void Fill(sqlite3* db) {
    ASSERT_TRUE(Exec(db, "CREATE TABLE t(v BLOB)").ok());
    auto insert = Statement::Prepare(db, "INSERT INTO t(v) VALUES (?)");
    ASSERT_TRUE(insert.ok());
    for (int t = 0; t < 40; ++t) {
      ASSERT_TRUE(Exec(db, "BEGIN").ok());
      for (int i = 0; i < 50; ++i) {
        insert->Reset();
        insert->BindBlob(1, std::string(4000, static_cast<char>('a' + i % 26)));
        ASSERT_TRUE(insert->Run().ok());
      }
      ASSERT_TRUE(Exec(db, "COMMIT").ok());
    }
  }

  // Waits up to 10 s for the database file to reach `bytes`.
  bool DatabaseReaches(uintmax_t bytes) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::file_size(path_) >= bytes) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // A connection that commits as the store's writer does (its automatic
  // checkpoint off; synchronous off, for speed) into a table t, and a
  // checkpointer attached to it that holds writer_lock_ to start the log
  // over.
  void StartWriter() {
    auto db = OpenSqlite(path_, /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(Exec(db_.get(), "PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE(Exec(db_.get(), "PRAGMA wal_autocheckpoint=0").ok());
    ASSERT_TRUE(Exec(db_.get(), "PRAGMA synchronous=OFF").ok());
    auto checkpointer = WalCheckpointer::Start(path_, &writer_lock_);
    ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
    checkpointer_ = std::move(*checkpointer);
    checkpointer_->Attach(db_.get());
    ASSERT_TRUE(Exec(db_.get(), "CREATE TABLE t(v BLOB)").ok());
  }

  // `n` commits of a row of `blob` each, `pause` apart, each holding
  // writer_lock_ as the store's transactions do.
  void CommitSteadily(int n, const std::string& blob,
                      std::chrono::microseconds pause) {
    auto insert = Statement::Prepare(db_.get(), "INSERT INTO t(v) VALUES (?)");
    ASSERT_TRUE(insert.ok());
    for (int i = 0; i < n; ++i) {
      {
        absl::MutexLock lock(&writer_lock_);
        insert->Reset();
        insert->BindBlob(1, blob);
        ASSERT_TRUE(insert->Run().ok());
      }
      std::this_thread::sleep_for(pause);
    }
  }

  int64_t Rows() {
    auto count = Statement::Prepare(db_.get(), "SELECT count(*) FROM t");
    EXPECT_TRUE(count.ok());
    if (!count.ok()) return -1;
    auto row = count->Step();
    return row.ok() && *row ? count->ColumnInt(0) : -1;
  }

  std::string dir_, path_;
  absl::Mutex writer_lock_;
  SqliteDbPtr db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

TEST_F(WalCheckpointerTest, TheThreadCopiesTheLogBack) {
  auto db = OpenSqlite(path_, /*read_only=*/false);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Exec(db->get(), "PRAGMA journal_mode=WAL").ok());
  ASSERT_TRUE(Exec(db->get(), "PRAGMA wal_autocheckpoint=0").ok());
  auto checkpointer = WalCheckpointer::Start(path_);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  (*checkpointer)->Attach(db->get());
  Fill(db->get());
  EXPECT_TRUE(DatabaseReaches(4 << 20))
      << "the log was not checkpointed: the database holds "
      << std::filesystem::file_size(path_) << " bytes";
  auto count = Statement::Prepare(db->get(), "SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->ColumnInt(0), 2000);
}

// Commits that follow each other without a pause: SQLite can start the log
// over only when a transaction begins with all of it copied, which a
// checkpoint beside them never achieves by itself. Once the log is
// kRestartPages long, the thread copies the rest while it holds the writers'
// lock, so the log stays near that length instead of growing with
// everything written; it holds the writers off only then, not after each of
// its checkpoints, and it does not checkpoint again at every commit.
TEST_F(WalCheckpointerTest, ALogUnderSteadyCommitsIsStartedOver) {
  StartWriter();
  // About 100 MB of log in all, at about 30 MB/s: steady, as submissions
  // are (each waits for a sync), not faster than the disk takes them back.
  constexpr int kCommits = 12000;
  const std::string blob(8000, 'x');
  CommitSteadily(kCommits, blob, std::chrono::microseconds(200));
  const uintmax_t wal = std::filesystem::file_size(path_ + "-wal");
  // How long it gets depends on how fast the disk takes the thread's
  // checkpoints; a log never started over holds everything written.
  EXPECT_LT(wal, uintmax_t{kCommits} * blob.size() / 2)
      << "the log was never started over";
  EXPECT_LT(checkpointer_->checkpoints(), kCommits / 10u)
      << "a checkpoint ran at almost every commit";
  const WalCheckpointer::HoldOffs hold_offs = checkpointer_->hold_offs();
  EXPECT_GE(hold_offs.count, 1u) << "the writers were never held off";
  EXPECT_GE(hold_offs.shortest_log_pages, WalCheckpointer::kRestartPages)
      << "the writers were held off to start over a short log";
  EXPECT_EQ(Rows(), kCommits);
}

// Single submissions commit a page or two each. The thread copies them back
// in steps of kBackgroundPages, each ending with a flush of the database,
// while the commits go on: a step of 4 MB held the log's flushes, and so
// the submissions they acknowledge, on the disk for about 4 ms.
TEST_F(WalCheckpointerTest, SmallCommitsAreCopiedBackInSmallSteps) {
  StartWriter();
  // Three steps' worth of one-page commits, without a pause of a second
  // (after which the thread copies whatever waits), and under 1 000 pages:
  // a step of 4 MB would not have begun.
  constexpr int kCommits = 768;
  static_assert(kCommits >= 3 * WalCheckpointer::kBackgroundPages);
  CommitSteadily(kCommits, std::string(100, 'x'), std::chrono::milliseconds(1));
  EXPECT_GE(checkpointer_->checkpoints(), 1u)
      << "nothing was copied back while " << kCommits
      << " pages waited in the log";
  EXPECT_EQ(Rows(), kCommits);
}

// The control: without the checkpointer, nothing copies the log back while
// the connection is open (so the test above measures the thread).
TEST_F(WalCheckpointerTest, WithoutItTheLogStaysInTheWal) {
  auto db = OpenSqlite(path_, /*read_only=*/false);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Exec(db->get(), "PRAGMA journal_mode=WAL").ok());
  ASSERT_TRUE(Exec(db->get(), "PRAGMA wal_autocheckpoint=0").ok());
  Fill(db->get());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(std::filesystem::file_size(path_), 1u << 20);
}

}  // namespace
}  // namespace csx
