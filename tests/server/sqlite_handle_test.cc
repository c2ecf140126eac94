// OpenSqlite's connection settings: the writer's and the readers' page
// caches, and no memory map, whose pages would count in the node's RSS on
// top of the caches.
#include "server/store/sqlite/sqlite_handle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "server/store/sqlite/wal_write_buffer.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;

int64_t Pragma(sqlite3* db, const char* name) {
  auto s = Statement::Prepare(db, absl::StrCat("PRAGMA ", name));
  EXPECT_THAT(s, IsOk());
  if (!s.ok()) return -1;
  auto row = s->Step();
  EXPECT_THAT(row, IsOk());
  return row.ok() && *row ? s->ColumnInt(0) : -1;
}

TEST(OpenSqliteTest, CachesAreSizedAndNothingIsMapped) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("csx-open-sqlite-", getpid()))
                              .string();
  std::filesystem::create_directories(dir);
  {
    auto writer = OpenSqlite(dir + "/t.db", /*read_only=*/false);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT(Exec(writer->get(), "CREATE TABLE t(v)"), IsOk());
    EXPECT_EQ(Pragma(writer->get(), "cache_size"), -65536);
    EXPECT_EQ(Pragma(writer->get(), "mmap_size"), 0);
    auto reader = OpenSqlite(dir + "/t.db", /*read_only=*/true);
    ASSERT_THAT(reader, IsOk());
    EXPECT_EQ(Pragma(reader->get(), "cache_size"), -8192);
    EXPECT_EQ(Pragma(reader->get(), "mmap_size"), 0);
  }
  std::filesystem::remove_all(dir);
}

// The store finds its log-buffering VFS before it opens anything, and
// finding a VFS initialises SQLite: the process-wide options must be set
// before that, or every allocation of every connection takes a mutex that
// keeps statistics (sqlite3_memory_used() then counts them).
TEST(OpenSqliteTest, SqliteKeepsNoAllocationStatistics) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("csx-sqlite-memstat-", getpid()))
                              .string();
  std::filesystem::create_directories(dir);
  {
    const char* vfs = WalWriteBufferVfs();  // first, as SqliteStore::Open
    ASSERT_NE(vfs, nullptr);
    auto writer = OpenSqlite(dir + "/t.db", /*read_only=*/false, vfs);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT(
        Exec(writer->get(),
             "CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(9000))"),
        IsOk());
    EXPECT_EQ(sqlite3_memory_used(), 0)
        << "SQLite counts its allocations under a process-wide mutex";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace csx
