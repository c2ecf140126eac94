// The store's value keys (value_key.h): keys are keyed by the store's
// secret and the type, new keys move from value_keys_recent to value_keys
// a slice per transaction, and every lookup answers from both tables by the
// row's own (type, value, origin).
#include "server/store/sqlite/value_key.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;

v1::Indicator Domain(int i) {
  v1::Indicator ind;
  ind.set_id(absl::StrCat("id-", i));
  ind.set_type(v1::DOMAIN);
  ind.set_value(absl::StrCat("host", i, ".example"));
  ind.set_origin("cl.csirt");
  return ind;
}

TEST(ValueKeyTest, AKeyDependsOnTheSecretTheTypeAndTheValue) {
  ValueKey::Secret a{}, b{};
  b[0] = 1;
  const ValueKey ka(a), kb(b);
  EXPECT_EQ(ka.Of(v1::DOMAIN, "x.example"),
            ValueKey(a).Of(v1::DOMAIN, "x.example"));
  EXPECT_NE(ka.Of(v1::DOMAIN, "x.example"), kb.Of(v1::DOMAIN, "x.example"));
  EXPECT_NE(ka.Of(v1::DOMAIN, "x.example"), ka.Of(v1::URL, "x.example"));
  EXPECT_NE(ka.Of(v1::DOMAIN, "x.example"), ka.Of(v1::DOMAIN, "y.example"));
}

class ValueKeyIndexTest : public ::testing::Test {
 protected:
  // A writer cache of 64 kB: keys go straight to value_keys for the first
  // 1 365 rows only (half the cache, 24 bytes per entry).
  static constexpr int kCacheKib = 64;
  static constexpr int kDirectRows = kCacheKib * 1024 / 2 / 24;

  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("csx-value-key-", getpid()))
               .string();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/csx.db";
    SqliteStore::Options o;
    o.writer_cache_kib = kCacheKib;
    auto store = SqliteStore::Open(path_, o);
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Stores indicators [from, to) by PutIfNew, `per_txn` per transaction.
  void PutNew(int from, int to, int per_txn) {
    for (int i = from; i < to; i += per_txn) {
      auto txn = store_->Begin();
      ASSERT_THAT(txn, IsOk());
      for (int j = i; j < std::min(to, i + per_txn); ++j) {
        auto seq = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), Domain(j));
        ASSERT_THAT(seq, IsOk());
        ASSERT_TRUE(seq->has_value()) << j;
      }
      ASSERT_THAT((*txn)->Commit(), IsOk());
    }
  }

  int64_t Count(const std::string& table) {
    auto db = OpenSqlite(path_, /*read_only=*/true);
    EXPECT_THAT(db, IsOk());
    if (!db.ok()) return -1;
    auto s = Statement::Prepare(db->get(),
                                absl::StrCat("SELECT count(*) FROM ", table));
    EXPECT_THAT(s, IsOk());
    if (!s.ok()) return -1;
    auto row = s->Step();
    return row.ok() && *row ? s->ColumnInt(0) : -1;
  }

  bool Found(int i) {
    auto txn = store_->Begin();
    EXPECT_THAT(txn, IsOk());
    if (!txn.ok()) return false;
    const v1::Indicator d = Domain(i);
    auto found = (*txn)->FindByKey(d.type(), d.value(), d.origin());
    EXPECT_THAT(found, IsOk());
    QueryFilter f;
    f.typed_values = {{d.type(), d.value()}};
    auto q = store_->Query(f);
    EXPECT_THAT(q, IsOk());
    const bool by_key =
        found.ok() && found->has_value() && (*found)->id() == d.id();
    const bool by_query =
        q.ok() && q->indicators.size() == 1 && q->indicators[0].id() == d.id();
    EXPECT_EQ(by_key, by_query) << i;
    return by_key && by_query;
  }

  std::string dir_, path_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(ValueKeyIndexTest, NewKeysAreSweptToTheMainTableASliceAtATime) {
  constexpr int kRows = 6000;
  // Rows 1 .. kDirectRows - 1 (rids count from 1).
  PutNew(0, kDirectRows - 1, 500);
  EXPECT_EQ(Count("value_keys"), kDirectRows - 1);
  EXPECT_EQ(Count("value_keys_recent"), 0);
  // Past that, keys go to value_keys_recent; each transaction moves a slice
  // (a whole sweep takes ValueKeyIndex::kMinSweep new keys here, so one of
  // 10 keys moves about 10 / 65 536 of the space).
  PutNew(kDirectRows - 1, kRows, 10);
  const int64_t recent = Count("value_keys_recent");
  const int64_t main = Count("value_keys");
  EXPECT_EQ(recent + main, kRows);
  EXPECT_GT(recent, 0);
  EXPECT_GT(main, kDirectRows - 1);
  // One transaction of kMinSweep keys sweeps all of the space.
  PutNew(kRows, kRows + ValueKeyIndex::kMinSweep, ValueKeyIndex::kMinSweep);
  EXPECT_EQ(Count("value_keys_recent"), 0);
  EXPECT_EQ(Count("value_keys"), kRows + ValueKeyIndex::kMinSweep);
  for (int i : {0, kDirectRows, kRows - 1, kRows + 17}) EXPECT_TRUE(Found(i));
}

TEST_F(ValueKeyIndexTest, AValueIsFoundAndKeptUniqueInEitherTable) {
  PutNew(0, kDirectRows + 2000, 100);
  ASSERT_GT(Count("value_keys_recent"), 0);
  for (int i = 0; i < kDirectRows + 2000; i += 97) EXPECT_TRUE(Found(i)) << i;
  {
    // A second id of any stored value, wherever its key is, writes nothing.
    auto txn = store_->Begin();
    ASSERT_THAT(txn, IsOk());
    for (int i = 0; i < kDirectRows + 2000; ++i) {
      v1::Indicator again = Domain(i);
      again.set_id(absl::StrCat("again-", i));
      auto seq = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), again);
      ASSERT_THAT(seq, IsOk());
      ASSERT_FALSE(seq->has_value()) << i;
    }
  }
  EXPECT_FALSE(Found(kDirectRows + 2000));
}

TEST_F(ValueKeyIndexTest, ARowWhoseValueChangedIsFoundByItsNewValueOnly) {
  PutNew(0, 10, 10);
  v1::Indicator changed = Domain(3);
  changed.set_value("renamed.example");
  {
    auto txn = store_->Begin();
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT((*txn)->PutVersion(v1::OP_UPSERT, absl::Now(), changed),
                IsOk());
    ASSERT_THAT((*txn)->Commit(), IsOk());
  }
  // Its old key still names the row; the row's own value decides.
  EXPECT_FALSE(Found(3));
  auto txn = store_->Begin();
  ASSERT_THAT(txn, IsOk());
  auto found = (*txn)->FindByKey(v1::DOMAIN, "renamed.example", "cl.csirt");
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id(), "id-3");
  // The old value is free for another indicator.
  auto seq = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), [] {
    v1::Indicator other = Domain(3);
    other.set_id("id-new");
    return other;
  }());
  ASSERT_THAT(seq, IsOk());
  EXPECT_TRUE(seq->has_value());
}

TEST_F(ValueKeyIndexTest, ARolledBackTransactionLeavesNoKey) {
  PutNew(0, kDirectRows + 100, 100);
  {
    auto txn = store_->Begin();
    ASSERT_THAT(txn, IsOk());
    auto seq = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), Domain(999999));
    ASSERT_THAT(seq, IsOk());
    ASSERT_TRUE(seq->has_value());
  }  // rolled back
  EXPECT_FALSE(Found(999999));
  EXPECT_EQ(Count("value_keys") + Count("value_keys_recent"),
            kDirectRows + 100);
  PutNew(999999, 1000000, 1);
  EXPECT_TRUE(Found(999999));
}

TEST_F(ValueKeyIndexTest, KeysSurviveReopening) {
  PutNew(0, kDirectRows + 500, 250);
  store_.reset();
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  store_ = *std::move(store);
  for (int i : {0, kDirectRows, kDirectRows + 499}) EXPECT_TRUE(Found(i));
  EXPECT_FALSE(Found(kDirectRows + 500));
}

TEST_F(ValueKeyIndexTest, ANewValueIsKnownNewWithoutReadingTheKeys) {
  constexpr int kRows = kDirectRows + 3000;  // keys in both tables
  PutNew(0, kRows, 500);
  ASSERT_GT(Count("value_keys_recent"), 0);
  store_.reset();
  // The index of a writer that opens the store reads the keys back.
  auto db = OpenSqlite(path_, /*read_only=*/false);
  ASSERT_THAT(db, IsOk());
  auto key = ValueKey::OfStore(db->get(), /*create=*/false);
  ASSERT_THAT(key, IsOk());
  auto index = ValueKeyIndex::Prepare(db->get(), *key, kDirectRows);
  ASSERT_THAT(index, IsOk());
  EXPECT_EQ(index->filter().keys(), kRows);
  for (int i = kRows; i < kRows + 2000; ++i) {
    const v1::Indicator d = Domain(i);
    auto found = index->Find(d.type(), d.value(), d.origin());
    ASSERT_THAT(found, IsOk());
    EXPECT_FALSE(found->has_value());
  }
  // About one in 200 new values still reads the tables.
  EXPECT_LT(index->probes(), 40);
  const int64_t before = index->probes();
  for (int i = 0; i < kRows; i += 7) {
    const v1::Indicator d = Domain(i);
    auto found = index->Find(d.type(), d.value(), d.origin());
    ASSERT_THAT(found, IsOk());
    ASSERT_TRUE(found->has_value()) << i;
    EXPECT_EQ(**found, i + 1);  // rids count from 1
  }
  EXPECT_EQ(index->probes() - before, (kRows + 6) / 7);
  // A key added is known at once.
  ASSERT_THAT(index->AddNew(v1::DOMAIN, "added.example", kRows + 1), IsOk());
  EXPECT_TRUE(index->MayHold(index->key().Of(v1::DOMAIN, "added.example")));
}

// Reading every key into the filter leaves the writer's cache as it found
// it: the scan's pages are not what the writes need.
TEST_F(ValueKeyIndexTest, ReadingTheKeysLeavesTheWritersCacheEmpty) {
  PutNew(0, 20000, 5000);  // about 500 kB of key pages
  store_.reset();
  auto db = OpenSqlite(path_, /*read_only=*/false);
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(Exec(db->get(), "PRAGMA cache_size=-65536"), IsOk());
  auto key = ValueKey::OfStore(db->get(), /*create=*/false);
  ASSERT_THAT(key, IsOk());
  int before = 0, high = 0;
  ASSERT_EQ(sqlite3_db_status(db->get(), SQLITE_DBSTATUS_CACHE_USED, &before,
                              &high, /*resetFlg=*/0),
            SQLITE_OK);
  auto index = ValueKeyIndex::Prepare(db->get(), *key, kDirectRows);
  ASSERT_THAT(index, IsOk());
  ASSERT_EQ(index->filter().keys(), 20000);
  int after = 0;
  ASSERT_EQ(sqlite3_db_status(db->get(), SQLITE_DBSTATUS_CACHE_USED, &after,
                              &high, /*resetFlg=*/0),
            SQLITE_OK);
  EXPECT_LT(after, before + 64 * 1024) << "cache before " << before;
}

}  // namespace
}  // namespace csx
