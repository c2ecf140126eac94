// StatementCache: a reader connection prepares each SQL text once; a
// statement given back is reset (no bindings, no read snapshot held), and
// the cache stays bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "server/store/sqlite/sqlite_handle.h"

namespace csx {
namespace {

constexpr char kLookup[] = "SELECT v FROM t WHERE v >= ? ORDER BY v";

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("csx-stmt-", getpid()))
               .string();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/t.db";
    auto writer = OpenSqlite(path_, /*read_only=*/false);
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = *std::move(writer);
    ASSERT_TRUE(Exec(writer_.get(), "PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE(Exec(writer_.get(),
                     "CREATE TABLE t(v INTEGER); "
                     "INSERT INTO t VALUES (1), (2), (3)")
                    .ok());
    auto reader = OpenSqlite(path_, /*read_only=*/true);
    ASSERT_TRUE(reader.ok()) << reader.status();
    reader_ = *std::move(reader);
  }
  void TearDown() override {
    reader_.reset();
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The rows of kLookup from `from`, through the cache.
  std::vector<int64_t> Lookup(StatementCache& cache, int64_t from) {
    std::vector<int64_t> out;
    auto s = Statement::Cached(reader_.get(), kLookup, cache);
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok()) return out;
    s->BindInt(1, from);
    while (true) {
      auto row = s->Step();
      EXPECT_TRUE(row.ok()) << row.status();
      if (!row.ok() || !*row) break;
      out.push_back(s->ColumnInt(0));
    }
    return out;
  }

  std::string dir_, path_;
  SqliteDbPtr writer_, reader_;
};

TEST_F(StatementCacheTest, PreparesOnceAndClearsBindingsBetweenUses) {
  StatementCache cache;
  EXPECT_EQ(Lookup(cache, 2), (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(cache.size(), 1u);
  sqlite3_stmt* kept = cache.Find(kLookup);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(sqlite3_stmt_busy(kept), 0) << "given back without a reset";
  EXPECT_EQ(Lookup(cache, 3), (std::vector<int64_t>{3}));
  EXPECT_EQ(cache.Find(kLookup), kept) << "prepared a second time";
  EXPECT_EQ(cache.size(), 1u);

  // Unbound, `v >= NULL` matches nothing: the last use's value is gone.
  auto s = Statement::Cached(reader_.get(), kLookup, cache);
  ASSERT_TRUE(s.ok());
  auto row = s->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

// A statement given back mid-scan holds no read snapshot: the writer's
// checkpoint can empty the log, and the next use sees newer rows.
TEST_F(StatementCacheTest, AStatementGivenBackHoldsNoSnapshot) {
  StatementCache cache;
  {
    auto s = Statement::Cached(reader_.get(), kLookup, cache);
    ASSERT_TRUE(s.ok());
    s->BindInt(1, 1);
    auto row = s->Step();
    ASSERT_TRUE(row.ok() && *row);  // one row of three read, then given back
  }
  ASSERT_TRUE(Exec(writer_.get(), "INSERT INTO t VALUES (4)").ok());
  int log = -1, copied = -1;
  ASSERT_EQ(
      sqlite3_wal_checkpoint_v2(writer_.get(), nullptr,
                                SQLITE_CHECKPOINT_TRUNCATE, &log, &copied),
      SQLITE_OK)
      << sqlite3_errmsg(writer_.get());
  EXPECT_EQ(log, 0) << "a reader still pins the log";
  EXPECT_EQ(Lookup(cache, 1), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST_F(StatementCacheTest, BeyondTheBoundStatementsAreUsedOnceAndWork) {
  StatementCache cache;
  for (size_t i = 0; i < StatementCache::kMaxStatements + 8; ++i) {
    const std::string sql = absl::StrCat("SELECT count(*) + ", i, " FROM t");
    auto s = Statement::Cached(reader_.get(), sql, cache);
    ASSERT_TRUE(s.ok()) << s.status();
    auto row = s->Step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(s->ColumnInt(0), 3 + static_cast<int64_t>(i));
  }
  EXPECT_EQ(cache.size(), StatementCache::kMaxStatements);
  EXPECT_EQ(cache.Find("SELECT count(*) + 70 FROM t"), nullptr);
  EXPECT_NE(cache.Find("SELECT count(*) + 0 FROM t"), nullptr);
}

TEST_F(StatementCacheTest, ABadStatementIsAnErrorAndNotKept) {
  StatementCache cache;
  auto s = Statement::Cached(reader_.get(), "SELECT nope FROM t", cache);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace csx
