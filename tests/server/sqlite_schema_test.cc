// Opening a store written by an earlier csxd. Schema 2 kept each version
// twice, in the indicator's row and in the change log; schema 3 keeps it
// once, in the log; schema 4 finds values by their keys (value_key.h)
// instead of an index of the indicators table. Each upgrade loses no
// version and leaves a store that reads and writes as a new one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/store/sqlite/sqlite_handle.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;

// The tables of schema 2 as csxd wrote them.
constexpr char kSchema2[] = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE indicators(
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type INTEGER NOT NULL,
  value TEXT NOT NULL,
  origin TEXT NOT NULL,
  modified INTEGER NOT NULL,
  revoked INTEGER NOT NULL,
  expired INTEGER NOT NULL,
  valid_until INTEGER,
  tags TEXT NOT NULL,
  sectors TEXT NOT NULL,
  ip_lo BLOB,
  ip_hi BLOB,
  data BLOB NOT NULL,
  UNIQUE(type, value, origin)) STRICT;
CREATE INDEX indicators_expiry ON indicators(valid_until)
  WHERE valid_until IS NOT NULL AND expired = 0 AND revoked = 0;
CREATE TABLE changes(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op INTEGER NOT NULL,
  time INTEGER NOT NULL,
  indicator_id TEXT NOT NULL,
  data BLOB NOT NULL) STRICT;
CREATE TABLE outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  partner TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  count INTEGER NOT NULL) STRICT;
CREATE TABLE deliveries(
  partner TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  PRIMARY KEY(partner, indicator_id)) STRICT, WITHOUT ROWID;
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  principal TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL) STRICT;
INSERT INTO meta(key, value) VALUES ('schema_version', 2),
  ('token_key', randomblob(16));
)sql";

// Schema 3: the version in the log only, rows keyed by an index of
// (type, value, origin).
constexpr char kSchema3[] = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE indicators(
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type INTEGER NOT NULL,
  value TEXT NOT NULL,
  origin TEXT NOT NULL,
  modified INTEGER NOT NULL,
  revoked INTEGER NOT NULL,
  expired INTEGER NOT NULL,
  valid_until INTEGER,
  tags TEXT NOT NULL,
  sectors TEXT NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE(type, value, origin)) STRICT;
CREATE INDEX indicators_expiry ON indicators(valid_until)
  WHERE valid_until IS NOT NULL AND expired = 0 AND revoked = 0;
CREATE TABLE changes(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op INTEGER NOT NULL,
  time INTEGER NOT NULL,
  indicator_id TEXT NOT NULL,
  data BLOB NOT NULL) STRICT;
CREATE TABLE outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  partner TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  count INTEGER NOT NULL) STRICT;
CREATE TABLE deliveries(
  partner TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  PRIMARY KEY(partner, indicator_id)) STRICT, WITHOUT ROWID;
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  principal TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL) STRICT;
INSERT INTO meta(key, value) VALUES ('schema_version', 3),
  ('token_key', randomblob(16));
)sql";

v1::Indicator Domain(const std::string& id, const std::string& tag) {
  v1::Indicator ind;
  ind.set_id(id);
  ind.set_type(v1::DOMAIN);
  ind.set_value(absl::StrCat(id, ".example"));
  ind.set_origin("cl.csirt");
  ind.add_tags(tag);
  ind.mutable_modified()->set_seconds(1700000000);
  return ind;
}

class SqliteSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("csx-schema-", getpid()))
               .string();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/csx.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `sql` on the store file outside SqliteStore.
  void Sql(const std::string& sql) {
    auto db = OpenSqlite(path_, /*read_only=*/false);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(Exec(db->get(), sql), IsOk());
  }

  // One integer that `sql` selects.
  int64_t SqlInt(const std::string& sql) {
    auto db = OpenSqlite(path_, /*read_only=*/true);
    EXPECT_THAT(db, IsOk());
    if (!db.ok()) return -1;
    auto s = Statement::Prepare(db->get(), sql);
    EXPECT_THAT(s, IsOk());
    if (!s.ok()) return -1;
    auto row = s->Step();
    EXPECT_THAT(row, IsOk());
    return row.ok() && *row ? s->ColumnInt(0) : -1;
  }

  // Runs one INSERT with `ind`'s serialised version bound last.
  void Insert(const std::string& sql, const v1::Indicator& ind,
              int version_param) {
    auto db = OpenSqlite(path_, /*read_only=*/false);
    ASSERT_THAT(db, IsOk());
    auto s = Statement::Prepare(db->get(), sql);
    ASSERT_THAT(s, IsOk());
    s->BindText(1, ind.id());
    s->BindBlob(version_param, ind.SerializeAsString());
    if (version_param > 2) {
      s->BindInt(2, ind.type());
      s->BindText(3, ind.value());
      s->BindText(4, ind.origin());
      s->BindInt(5, ind.revoked() ? 1 : 0);
      s->BindText(6, absl::StrCat("|", ind.tags(0), "|"));
    }
    ASSERT_THAT(s->Run(), IsOk());
  }

  void PutChange(int op, const v1::Indicator& ind) {
    Insert(absl::StrCat("INSERT INTO changes(op, time, indicator_id, data) "
                        "VALUES (",
                        op, ", 1, ?, ?)"),
           ind, 2);
  }

  // A row of schema 3, pointing at log entry `seq`.
  void PutRow3(const v1::Indicator& ind, int seq) {
    Sql(absl::StrCat(
        "INSERT INTO indicators(id, type, value, origin, modified, revoked, "
        "expired, valid_until, tags, sectors, seq) VALUES ('",
        ind.id(), "', ", ind.type(), ", '", ind.value(), "', '", ind.origin(),
        "', 1, 0, 0, NULL, '|", ind.tags(0), "|', '', ", seq, ")"));
  }

  void PutRow(const v1::Indicator& ind) {
    Insert(
        "INSERT INTO indicators(id, type, value, origin, modified, revoked, "
        "expired, valid_until, tags, sectors, ip_lo, ip_hi, data) VALUES "
        "(?, ?, ?, ?, 1, ?, 0, NULL, ?, '', NULL, NULL, ?)",
        ind, 7);
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteSchemaTest, ASchema2StoreKeepsEveryVersionAfterTheUpgrade) {
  Sql(kSchema2);
  const v1::Indicator a1 = Domain("a", "first");
  const v1::Indicator a2 = Domain("a", "second");
  const v1::Indicator b = Domain("b", "logged");
  // A row whose version is not its last log entry: kept by appending it.
  const v1::Indicator b_row = Domain("b", "row-only");
  v1::Indicator c = Domain("c", "gone");
  c.set_revoked(true);
  PutChange(1, a1);
  PutChange(1, b);
  PutChange(1, a2);
  PutChange(2, c);
  PutRow(a2);
  PutRow(b_row);
  PutRow(c);

  {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    auto a = (*store)->Get("a");
    ASSERT_THAT(a, IsOk());
    EXPECT_EQ(a->SerializeAsString(), a2.SerializeAsString());
    auto got_b = (*store)->Get("b");
    ASSERT_THAT(got_b, IsOk());
    EXPECT_EQ(got_b->SerializeAsString(), b_row.SerializeAsString());
    auto got_c = (*store)->Get("c");
    ASSERT_THAT(got_c, IsOk());
    EXPECT_TRUE(got_c->revoked());

    // The log is unchanged, with b's row version appended.
    auto feed = (*store)->ReadChanges(0, 100);
    ASSERT_THAT(feed, IsOk());
    ASSERT_EQ(feed->size(), 5u);
    const std::vector<const v1::Indicator*> logged = {&a1, &b, &a2, &c, &b_row};
    for (size_t i = 0; i < feed->size(); ++i) {
      EXPECT_EQ((*feed)[i].seq(), i + 1);
      EXPECT_EQ((*feed)[i].indicator().SerializeAsString(),
                logged[i]->SerializeAsString())
          << "entry " << i + 1;
    }
    EXPECT_EQ((*feed)[4].op(), v1::OP_UPSERT);
    EXPECT_EQ((*feed)[3].op(), v1::OP_REVOKE);

    // Lookups by value and tag filters read the rewritten rows.
    QueryFilter f;
    f.typed_values = {{v1::DOMAIN, "a.example"}};
    auto q = (*store)->Query(f);
    ASSERT_THAT(q, IsOk());
    ASSERT_EQ(q->indicators.size(), 1u);
    EXPECT_EQ(q->indicators[0].tags(0), "second");
    f = QueryFilter();
    f.tag = "row-only";
    q = (*store)->Query(f);
    ASSERT_THAT(q, IsOk());
    ASSERT_EQ(q->indicators.size(), 1u);
    EXPECT_EQ(q->indicators[0].id(), "b");

    // It takes new versions as a new store does.
    auto txn = (*store)->Begin();
    ASSERT_THAT(txn, IsOk());
    const v1::Indicator a3 = Domain("a", "third");
    ASSERT_THAT((*txn)->PutVersion(v1::OP_UPSERT, absl::Now(), a3), IsOk());
    ASSERT_THAT((*txn)->Commit(), IsOk());
    a = (*store)->Get("a");
    ASSERT_THAT(a, IsOk());
    EXPECT_EQ(a->tags(0), "third");
  }

  EXPECT_EQ(SqlInt("SELECT value FROM meta WHERE key = 'schema_version'"), 4);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM value_keys"), 3);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM pragma_table_info('indicators') "
                   "WHERE name IN ('data', 'ip_lo', 'ip_hi')"),
            0);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM sqlite_master WHERE name IN "
                   "('changes_by_indicator', 'indicators_v3', "
                   "'indicators_v4')"),
            0);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM sqlite_master WHERE name = "
                   "'indicators_expiry'"),
            1);
  // Opened again, nothing is rewritten or appended.
  auto store = SqliteStore::Open(path_);
  ASSERT_THAT(store, IsOk());
  auto feed = (*store)->ReadChanges(0, 100);
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->size(), 6u);
  auto a = (*store)->Get("a");
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->tags(0), "third");
}

TEST_F(SqliteSchemaTest, ASchema3StoreFindsItsValuesByKeyAfterTheUpgrade) {
  Sql(kSchema3);
  const v1::Indicator a = Domain("a", "first");
  const v1::Indicator b = Domain("b", "second");
  PutChange(1, a);
  PutChange(1, b);
  PutRow3(a, 1);
  PutRow3(b, 2);
  ASSERT_EQ(SqlInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                   "AND tbl_name = 'indicators'"),
            3);  // id, (type, value, origin), expiry

  // csxd --check-config says that starting will upgrade it, and changes
  // nothing.
  auto warnings = SqliteStore::Inspect(path_);
  ASSERT_THAT(warnings, IsOk());
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_THAT((*warnings)[0],
              ::testing::AllOf(::testing::HasSubstr("has schema 3"),
                               ::testing::HasSubstr("upgrades it to 4"),
                               ::testing::HasSubstr("over its 2 indicators"),
                               ::testing::HasSubstr("back it up first")));
  EXPECT_EQ(SqlInt("SELECT value FROM meta WHERE key = 'schema_version'"), 3);

  {
    auto store = SqliteStore::Open(path_);
    ASSERT_THAT(store, IsOk());
    QueryFilter f;
    f.typed_values = {{v1::DOMAIN, "b.example"}};
    auto q = (*store)->Query(f);
    ASSERT_THAT(q, IsOk());
    ASSERT_EQ(q->indicators.size(), 1u);
    EXPECT_EQ(q->indicators[0].id(), "b");

    auto txn = (*store)->Begin();
    ASSERT_THAT(txn, IsOk());
    auto found = (*txn)->FindByKey(v1::DOMAIN, "a.example", "cl.csirt");
    ASSERT_THAT(found, IsOk());
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->id(), "a");
    // The key still holds: a second id of a stored value is not stored.
    v1::Indicator again = Domain("a2", "again");
    again.set_value("a.example");
    auto put = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), again);
    ASSERT_THAT(put, IsOk());
    EXPECT_FALSE(put->has_value());
    put = (*txn)->PutIfNew(v1::OP_UPSERT, absl::Now(), Domain("c", "new"));
    ASSERT_THAT(put, IsOk());
    EXPECT_TRUE(put->has_value());
    ASSERT_THAT((*txn)->Commit(), IsOk());
    auto got = (*store)->Get("c");
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->tags(0), "new");
  }

  EXPECT_EQ(SqlInt("SELECT value FROM meta WHERE key = 'schema_version'"), 4);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                   "AND tbl_name = 'indicators'"),
            2);  // id, expiry
  EXPECT_EQ(SqlInt("SELECT count(*) FROM indicators"), 3);
  EXPECT_EQ(SqlInt("SELECT (SELECT count(*) FROM value_keys) + "
                   "(SELECT count(*) FROM value_keys_recent)"),
            3);
  EXPECT_EQ(SqlInt("SELECT count(*) FROM sqlite_master WHERE name = "
                   "'indicators_v4'"),
            0);
  // Upgraded: nothing left to say.
  warnings = SqliteStore::Inspect(path_);
  ASSERT_THAT(warnings, IsOk());
  EXPECT_TRUE(warnings->empty()) << (*warnings)[0];
}

}  // namespace
}  // namespace csx
