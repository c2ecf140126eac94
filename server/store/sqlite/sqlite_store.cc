#include "server/store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "server/store/sqlite/clean_mark.h"
#include "server/store/sqlite/value_key.h"
#include "server/store/sqlite/wal_write_buffer.h"

namespace csx {
namespace {

// 2: deliveries. 3: each version stored once, in the change log. 4: values
// looked up by their key (value_key.h).
constexpr int kSchemaVersion = 4;

// An indicator's row holds what queries filter on. Its current version is
// the change-log entry `seq`: each version is stored once, in the log, and
// is read from there by seq. Values are found through value_keys
// (value_key.h), not by an index of this table.
constexpr absl::string_view kIndicatorColumns = R"sql(
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
  seq INTEGER NOT NULL) STRICT)sql";

// The insert of an indicators row; BindRow binds its parameters.
constexpr absl::string_view kInsertRow =
    "INSERT INTO indicators(id, type, value, origin, modified, revoked, "
    "expired, valid_until, tags, sectors, seq) VALUES "
    "(?,?,?,?,?,?,?,?,?,?,?)";

// Lookups by value go through the value keys, one per type the value is
// valid for; containment is answered by exact lookups of the covering values
// (common/ip_address.h CoveringValuesOf).
constexpr absl::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE INDEX IF NOT EXISTS indicators_expiry ON indicators(valid_until)
  WHERE valid_until IS NOT NULL AND expired = 0 AND revoked = 0;
CREATE TABLE IF NOT EXISTS changes(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op INTEGER NOT NULL,
  time INTEGER NOT NULL,
  indicator_id TEXT NOT NULL,
  data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS outbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  partner TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  count INTEGER NOT NULL) STRICT;
-- (partner org, indicator id) of every indicator served in full to a
-- partner: the holders that a revocation or expiry must reach.
CREATE TABLE IF NOT EXISTS deliveries(
  partner TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  PRIMARY KEY(partner, indicator_id)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  principal TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL) STRICT;
)sql";

// Indicator rows with their current version; CROSS JOIN keeps the
// indicators as the outer loop.
constexpr absl::string_view kRowsWithVersion =
    "FROM indicators CROSS JOIN changes USING(seq) ";

// The bytes of B-tree pages an entry of value_keys takes, about.
constexpr int64_t kValueKeyEntryBytes = 24;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

// Opens the write-ahead log of `path` for LogSyncer's flushes (the writer
// `db` has created it) and flushes it once: what a crash of the process left
// in it is durable from here on.
absl::StatusOr<std::unique_ptr<LogSyncer>> OpenLog(
    const std::string& path, std::function<absl::Status(int fd)> sync_log,
    sqlite3* db, std::unique_ptr<FileCloser>& file) {
  const std::string log = path + "-wal";
  const int fd = open(log.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: cannot open ", log, ": ", std::strerror(errno)));
  }
  file = std::make_unique<FileCloser>(fd);
  LogSyncer::SyncFn sync = [fd, log, sync_log = std::move(sync_log)]() {
    if (sync_log) return sync_log(fd);
    if (fdatasync(fd) == 0) return absl::OkStatus();
    const int err = errno;
    const std::string what =
        absl::StrCat("store: flushing ", log, " failed: ", std::strerror(err));
    return err == ENOSPC || err == EDQUOT ? absl::ResourceExhaustedError(what)
                                          : absl::InternalError(what);
  };
  CSX_RETURN_IF_ERROR(sync());
  CSX_ASSIGN_OR_RETURN(
      Statement head,
      Statement::Prepare(db, "SELECT COALESCE(MAX(seq), 0) FROM changes"));
  CSX_ASSIGN_OR_RETURN(bool row, head.Step());
  const uint64_t durable = row ? static_cast<uint64_t>(head.ColumnInt(0)) : 0;
  return std::make_unique<LogSyncer>(std::move(sync), durable);
}

absl::StatusOr<bool> HasTable(sqlite3* db, absl::string_view name) {
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      Statement::Prepare(
          db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  s.BindText(1, name);
  return s.Step();
}

// The schema_version of the meta table; 0 when there is none.
absl::StatusOr<int64_t> SchemaVersion(sqlite3* db) {
  CSX_ASSIGN_OR_RETURN(bool has_meta, HasTable(db, "meta"));
  if (!has_meta) return 0;
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      Statement::Prepare(
          db, "SELECT value FROM meta WHERE key = 'schema_version'"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt(0) : 0;
}

// A store of schema 1 or 2 kept each version twice: in the indicator's row
// (`data`) and in the change log. The rows are rewritten without it, each
// pointing at its indicator's last log entry. A row whose version is not
// that entry's (csxd never wrote one) has it appended to the log first, so
// that no stored version is lost.
absl::Status StoreVersionsOnce(sqlite3* db) {
  {
    CSX_ASSIGN_OR_RETURN(
        Statement has_data,
        Statement::Prepare(db,
                           "SELECT 1 FROM pragma_table_info('indicators') "
                           "WHERE name = 'data'"));
    CSX_ASSIGN_OR_RETURN(bool old_layout, has_data.Step());
    if (!old_layout) return absl::OkStatus();
  }  // finalised: a pending statement would keep the table from being dropped
  CSX_RETURN_IF_ERROR(Exec(db, R"sql(
CREATE INDEX changes_by_indicator ON changes(indicator_id, seq);
INSERT INTO changes(op, time, indicator_id, data)
  SELECT CASE WHEN i.revoked THEN 2 WHEN i.expired THEN 3 ELSE 1 END,
         i.modified, i.id, i.data
  FROM indicators i
  WHERE NOT EXISTS (
    SELECT 1 FROM changes c
    WHERE c.seq = (SELECT max(seq) FROM changes WHERE indicator_id = i.id)
      AND c.data = i.data)
  ORDER BY i.rid;)sql"));
  CSX_RETURN_IF_ERROR(
      Exec(db, absl::StrCat("DROP TABLE IF EXISTS indicators_v3;"
                            "CREATE TABLE indicators_v3(",
                            kIndicatorColumns, ";", R"sql(
INSERT INTO indicators_v3(rid, id, type, value, origin, modified, revoked,
                          expired, valid_until, tags, sectors, seq)
  SELECT rid, id, type, value, origin, modified, revoked, expired,
         valid_until, tags, sectors,
         (SELECT max(seq) FROM changes WHERE indicator_id = indicators.id)
  FROM indicators ORDER BY rid;
DROP TABLE indicators;
ALTER TABLE indicators_v3 RENAME TO indicators;
DROP INDEX changes_by_indicator;)sql")));
  return absl::OkStatus();
}

// A store of schema 3 or before kept (type, value, origin) unique by an
// index of the indicators table, one random page of it per new value. The
// table is rewritten without it; KeyRows then fills the value keys.
absl::Status DropValueIndex(sqlite3* db) {
  {
    CSX_ASSIGN_OR_RETURN(
        Statement sql,
        Statement::Prepare(db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'indicators' AND sql LIKE "
                           "'%UNIQUE(type, value, origin)%'"));
    CSX_ASSIGN_OR_RETURN(bool indexed, sql.Step());
    if (!indexed) return absl::OkStatus();
  }
  return Exec(db, absl::StrCat("DROP TABLE IF EXISTS indicators_v4;"
                               "CREATE TABLE indicators_v4(",
                               kIndicatorColumns, ";", R"sql(
INSERT INTO indicators_v4(rid, id, type, value, origin, modified, revoked,
                          expired, valid_until, tags, sectors, seq)
  SELECT rid, id, type, value, origin, modified, revoked, expired,
         valid_until, tags, sectors, seq
  FROM indicators ORDER BY rid;
DROP TABLE indicators;
ALTER TABLE indicators_v4 RENAME TO indicators;)sql"));
}

// The value keys of the rows of a store of schema 3 or before, in key order.
absl::Status KeyRows(sqlite3* db) {
  CSX_ASSIGN_OR_RETURN(ValueKey key, ValueKey::OfStore(db, /*create=*/true));
  CSX_RETURN_IF_ERROR(key.RegisterFunction(db));
  return Exec(db,
              "INSERT OR IGNORE INTO value_keys(k, rid) SELECT "
              "csx_value_key(type, value) AS k, rid FROM indicators "
              "ORDER BY k, rid");
}

// Applies the schema in one transaction. A store of schema 1 had no record
// of deliveries: the upgrade time is kept, so that indicators created before
// it are withdrawn as schema 1 did (from every partner whose rules now
// refuse them).
absl::Status Migrate(sqlite3* db) {
  CSX_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  absl::Status s = [db]() -> absl::Status {
    CSX_ASSIGN_OR_RETURN(bool existing, HasTable(db, "indicators"));
    CSX_ASSIGN_OR_RETURN(bool had_deliveries, HasTable(db, "deliveries"));
    CSX_ASSIGN_OR_RETURN(int64_t version, SchemaVersion(db));
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("store: schema ", version,
                       " was written by a newer csxd (this one "
                       "reads up to ",
                       kSchemaVersion, ")"));
    }
    if (existing) {
      CSX_RETURN_IF_ERROR(StoreVersionsOnce(db));
      CSX_RETURN_IF_ERROR(DropValueIndex(db));
    }
    CSX_RETURN_IF_ERROR(
        Exec(db, absl::StrCat("CREATE TABLE IF NOT EXISTS indicators(",
                              kIndicatorColumns, ";")));
    CSX_RETURN_IF_ERROR(Exec(db, kSchema));
    CSX_RETURN_IF_ERROR(Exec(db, kValueKeySchema));
    if (existing && version < 4) CSX_RETURN_IF_ERROR(KeyRows(db));
    CSX_RETURN_IF_ERROR(ValueKey::OfStore(db, /*create=*/true).status());
    if (existing && !had_deliveries) {
      CSX_RETURN_IF_ERROR(Exec(
          db, absl::StrCat("INSERT OR REPLACE INTO meta(key, value) VALUES "
                           "('deliveries_since', ",
                           Micros(absl::Now()), ")")));
    }
    CSX_RETURN_IF_ERROR(Exec(db,
                             "INSERT OR IGNORE INTO meta(key, value) VALUES "
                             "('token_key', randomblob(16))"));
    return Exec(db, absl::StrCat("INSERT OR REPLACE INTO meta(key, value) "
                                 "VALUES ('schema_version', ",
                                 kSchemaVersion, ")"));
  }();
  if (!s.ok()) {
    Exec(db, "ROLLBACK").IgnoreError();
    return s;
  }
  return Exec(db, "COMMIT");
}

// '|a|b|' so that a tag filter is one instr() on a delimited string.
std::string JoinDelimited(
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  if (items.empty()) return "";
  return absl::StrCat("|", absl::StrJoin(items, "|"), "|");
}

absl::StatusOr<v1::Indicator> ParseIndicator(absl::string_view blob) {
  v1::Indicator ind;
  if (!ind.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError("store: unreadable indicator record");
  }
  return ind;
}

}  // namespace

// The write connection and its prepared statements.
class SqliteStore::Writer {
 public:
  SqliteDbPtr db;
  std::optional<Statement> find_key, find_id, put, put_new, log_end,
      append_change, last_audit, append_audit, set_head, due_expiry, set_meta,
      enqueue_sighting, delete_sighting, record_delivery;
  std::optional<ValueKeyIndex> keys;
};

// A reader connection of the pool and the statements prepared on it (the
// statements go first).
struct SqliteStore::ReaderConnection {
  SqliteDbPtr db;
  StatementCache statements;
};

// A reader connection borrowed from the pool for one call.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<ReaderConnection> reader)
      : store_(store), reader_(std::move(reader)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (reader_) store_->ReleaseReader(std::move(reader_));
  }
  // A statement prepared once per connection and reused by later calls.
  absl::StatusOr<Statement> Prepare(absl::string_view sql) {
    return Statement::Cached(reader_->db.get(), sql, reader_->statements);
  }

 private:
  SqliteStore* store_;
  std::unique_ptr<ReaderConnection> reader_;
};

class SqliteStore::SqliteTransaction : public Transaction {
 public:
  SqliteTransaction(SqliteStore* store)
      : store_(store),
        w_(*store->writer_),
        changes_at_begin_(sqlite3_total_changes64(w_.db.get())) {
    // The page counters from here on are this transaction's.
    int current = 0, highest = 0;
    for (int op : {SQLITE_DBSTATUS_CACHE_WRITE, SQLITE_DBSTATUS_CACHE_SPILL}) {
      sqlite3_db_status(w_.db.get(), op, &current, &highest, /*reset=*/1);
    }
  }
  ~SqliteTransaction() override {
    if (!done_) {
      Exec(w_.db.get(), "ROLLBACK").IgnoreError();
      w_.keys->Discard();
    }
    if (!unlocked_) store_->write_mu_.Unlock();
  }

  absl::StatusOr<std::optional<v1::Indicator>> FindByKey(
      v1::IndicatorType type, const std::string& value,
      const std::string& origin) override {
    const int64_t key = w_.keys->key().Of(type, value);
    if (!w_.keys->MayHold(key)) return std::nullopt;
    Statement& s = *w_.find_key;
    s.BindInt(1, key);
    s.BindInt(2, type);
    s.BindText(3, value);
    s.BindText(4, origin);
    return One(s);
  }

  absl::StatusOr<std::optional<v1::Indicator>> FindById(
      const std::string& id) override {
    Statement& s = *w_.find_id;
    s.BindText(1, id);
    return One(s);
  }

  absl::StatusOr<uint64_t> PutVersion(v1::ChangeOp op, absl::Time time,
                                      const v1::Indicator& ind) override {
    // The version goes to the log; the row points at it.
    CSX_RETURN_IF_ERROR(AppendChange(op, time, ind));
    Statement& s = *w_.put;
    BindRow(s, ind, static_cast<int64_t>(last_seq_));
    auto row = s.Step();  // RETURNING rid, of the new row or the one updated
    const int64_t rid = row.ok() && *row ? s.ColumnInt(0) : 0;
    s.Reset();
    if (!row.ok()) return row.status();
    if (rid == 0) return absl::InternalError("store: the put returned no row");
    CSX_RETURN_IF_ERROR(w_.keys->AddWrittenOver(ind.type(), ind.value(), rid));
    return last_seq_;
  }

  absl::StatusOr<std::optional<uint64_t>> PutIfNew(
      v1::ChangeOp op, absl::Time time, const v1::Indicator& ind) override {
    // The key's only lookup reads no row when the value is new. The row
    // points at the entry the version is appended as next, in this same
    // transaction.
    CSX_ASSIGN_OR_RETURN(auto found,
                         w_.keys->Find(ind.type(), ind.value(), ind.origin()));
    if (found) return std::nullopt;
    CSX_ASSIGN_OR_RETURN(const uint64_t seq, NextSeq());
    Statement& s = *w_.put_new;
    BindRow(s, ind, static_cast<int64_t>(seq));
    CSX_RETURN_IF_ERROR(s.Run());
    CSX_RETURN_IF_ERROR(w_.keys->AddNew(
        ind.type(), ind.value(), sqlite3_last_insert_rowid(w_.db.get())));
    CSX_RETURN_IF_ERROR(AppendChange(op, time, ind));
    return last_seq_;
  }

  absl::StatusOr<std::string> LastAuditHash() override {
    Statement& s = *w_.last_audit;
    auto row = s.Step();
    std::string hash;
    if (row.ok() && *row) hash = std::string(s.ColumnBlob(0));
    s.Reset();
    if (!row.ok()) return row.status();
    return hash;
  }

  absl::Status AppendAudit(const AuditRecord& r) override {
    Statement& s = *w_.append_audit;
    s.BindInt(1, Micros(r.time));
    s.BindText(2, r.kind);
    s.BindText(3, r.principal);
    s.BindText(4, r.detail);
    s.BindBlob(5, r.prev_hash);
    s.BindBlob(6, r.hash);
    CSX_RETURN_IF_ERROR(s.Run());
    const int64_t seq = sqlite3_last_insert_rowid(w_.db.get());
    // The head anchor makes the removal of the newest records detectable.
    Statement& h = *w_.set_head;
    h.BindBlob(1, absl::StrCat(seq, ":", r.hash));
    return h.Run();
  }

  absl::StatusOr<std::vector<std::string>> DueForExpiry(absl::Time now,
                                                        int limit) override {
    Statement& s = *w_.due_expiry;
    s.BindInt(1, Micros(now));
    s.BindInt(2, limit);
    std::vector<std::string> ids;
    while (true) {
      auto row = s.Step();
      if (!row.ok()) {
        s.Reset();
        return row.status();
      }
      if (!*row) break;
      ids.emplace_back(s.ColumnText(0));
    }
    s.Reset();
    return ids;
  }

  absl::Status EnqueueSighting(const std::string& org,
                               const std::string& indicator_id,
                               uint32_t count) override {
    Statement& s = *w_.enqueue_sighting;
    s.BindText(1, org);
    s.BindText(2, indicator_id);
    s.BindInt(3, count);
    return s.Run();
  }

  absl::Status DeleteSighting(int64_t seq) override {
    Statement& s = *w_.delete_sighting;
    s.BindInt(1, seq);
    return s.Run();
  }

  absl::Status RecordDelivery(const std::string& org,
                              const std::string& indicator_id) override {
    Statement& s = *w_.record_delivery;
    s.BindText(1, org);
    s.BindText(2, indicator_id);
    return s.Run();
  }

  absl::Status SetPeerCursor(const std::string& org,
                             const std::string& cursor) override {
    Statement& s = *w_.set_meta;
    s.BindText(1, absl::StrCat("peer_cursor:", org));
    s.BindBlob(2, cursor);
    return s.Run();
  }

  absl::Status Commit() override {
    CSX_ASSIGN_OR_RETURN(uint64_t ticket, CommitUnsynced());
    return store_->AwaitDurable(ticket).status();
  }

  absl::StatusOr<uint64_t> CommitUnsynced() override {
    done_ = true;
    absl::Status s = w_.keys->Sweep();
    if (s.ok()) s = Exec(w_.db.get(), "COMMIT");
    if (!s.ok()) {
      Exec(w_.db.get(), "ROLLBACK").IgnoreError();
      w_.keys->Discard();
      return s;
    }
    pages_.written = PageCounter(SQLITE_DBSTATUS_CACHE_WRITE);
    pages_.spilled = PageCounter(SQLITE_DBSTATUS_CACHE_SPILL);
    // A transaction that changed nothing wrote nothing to the log: it
    // waits for no flush, only for those before it.
    const uint64_t ticket =
        sqlite3_total_changes64(w_.db.get()) == changes_at_begin_
            ? store_->syncer_->LastTicket()
            : store_->syncer_->Committed(last_seq_);
    unlocked_ = true;
    store_->write_mu_.Unlock();
    return ticket;
  }

  PageCounts Pages() const override { return pages_; }

 private:
  // A page counter of the writer connection since the transaction began
  // (SQLite counts a spilled page both as spilled and as written).
  size_t PageCounter(int op) {
    int current = 0, highest = 0;
    sqlite3_db_status(w_.db.get(), op, &current, &highest, /*reset=*/0);
    return static_cast<size_t>(current);
  }

  // Appends `ind` to the change log as entry NextSeq(); last_seq_ is it.
  absl::Status AppendChange(v1::ChangeOp op, absl::Time time,
                            const v1::Indicator& ind) {
    CSX_ASSIGN_OR_RETURN(const uint64_t seq, NextSeq());
    Statement& c = *w_.append_change;
    c.BindInt(1, static_cast<int64_t>(seq));
    c.BindInt(2, op);
    c.BindInt(3, Micros(time));
    c.BindText(4, ind.id());
    c.BindBlob(5, ind.SerializeAsString());
    CSX_RETURN_IF_ERROR(c.Run());
    last_seq_ = seq;
    next_seq_ = seq + 1;
    return absl::OkStatus();
  }

  // The seq the next change-log entry gets: what AUTOINCREMENT would give
  // (past every seq ever used, also of entries since removed), read once
  // per transaction and counted on from there. A row can then point at its
  // entry before the entry is written.
  absl::StatusOr<uint64_t> NextSeq() {
    if (next_seq_ != 0) return next_seq_;
    Statement& s = *w_.log_end;
    auto row = s.Step();
    const int64_t end = row.ok() && *row ? s.ColumnInt(0) : 0;
    s.Reset();
    if (!row.ok()) return row.status();
    next_seq_ = static_cast<uint64_t>(end) + 1;
    return next_seq_;
  }

  // Binds the indicators row of `ind` (the parameters of kInsertRow).
  static void BindRow(Statement& s, const v1::Indicator& ind, int64_t seq) {
    s.BindText(1, ind.id());
    s.BindInt(2, ind.type());
    s.BindText(3, ind.value());
    s.BindText(4, ind.origin());
    s.BindInt(5, Micros(FromProto(ind.modified())));
    s.BindInt(6, ind.revoked() ? 1 : 0);
    s.BindInt(7, ind.expired() ? 1 : 0);
    if (IsSet(ind.valid_until())) {
      s.BindInt(8, Micros(FromProto(ind.valid_until())));
    } else {
      s.BindNull(8);
    }
    s.BindText(9, JoinDelimited(ind.tags()));
    s.BindText(10, JoinDelimited(ind.sectors()));
    s.BindInt(11, seq);
  }

  static absl::StatusOr<std::optional<v1::Indicator>> One(Statement& s) {
    auto row = s.Step();
    if (!row.ok()) {
      s.Reset();
      return row.status();
    }
    if (!*row) {
      s.Reset();
      return std::optional<v1::Indicator>();
    }
    auto ind = ParseIndicator(s.ColumnBlob(0));
    s.Reset();
    if (!ind.ok()) return ind.status();
    return std::optional<v1::Indicator>(std::move(*ind));
  }

  SqliteStore* store_;
  Writer& w_;
  const int64_t changes_at_begin_;
  uint64_t last_seq_ = 0;  // the last change-log entry written
  uint64_t next_seq_ = 0;  // NextSeq(); 0: not read yet
  PageCounts pages_;       // set by CommitUnsynced()
  bool done_ = false;
  bool unlocked_ = false;
};

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path) {
  return Open(path, Options());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path, Options options) {
  // Read and removed before anything is written: a crash from here on
  // leaves no mark, and the next open checks the file.
  const bool unchanged = ClosedCleanlyAndUnchanged(path);
  CSX_RETURN_IF_ERROR(ClearCleanMark(path));
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  auto writer = std::make_unique<Writer>();
  // The writer's log frames reach the file in large writes
  // (wal_write_buffer.h).
  CSX_ASSIGN_OR_RETURN(
      writer->db, OpenSqlite(path, /*read_only=*/false, WalWriteBufferVfs()));
  sqlite3* db = writer->db.get();
  // A file that is not a database, or a damaged one, fails here or in the
  // integrity check below, before anything is served from it.
  CSX_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  // COMMIT writes the log without flushing it; LogSyncer flushes it after
  // the write lock is released, before the commit is acknowledged.
  CSX_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL"));
  CSX_RETURN_IF_ERROR(Exec(db, "PRAGMA foreign_keys=ON"));
  CSX_RETURN_IF_ERROR(Migrate(db));
  if (options.writer_cache_kib <= 0) {
    return absl::InvalidArgumentError("store: writer_cache_kib must be > 0");
  }
  CSX_RETURN_IF_ERROR(
      Exec(db, absl::StrCat("PRAGMA cache_size=-", options.writer_cache_kib)));
  {
    CSX_ASSIGN_OR_RETURN(Statement page_size,
                         Statement::Prepare(db, "PRAGMA page_size"));
    CSX_ASSIGN_OR_RETURN(bool row, page_size.Step());
    const int64_t bytes = row ? page_size.ColumnInt(0) : 0;
    if (bytes > 0) {
      store->write_cache_pages_ =
          static_cast<size_t>(int64_t{options.writer_cache_kib} * 1024 / bytes);
    }
  }
  CSX_ASSIGN_OR_RETURN(ValueKey value_key,
                       ValueKey::OfStore(db, /*create=*/false));
  store->value_key_ = value_key;
  {
    // Keys go straight to value_keys while it would fill at most half of
    // the writer's cache (an entry takes about 24 bytes of its pages).
    const int64_t direct_rows =
        int64_t{options.writer_cache_kib} * 1024 / 2 / kValueKeyEntryBytes;
    CSX_ASSIGN_OR_RETURN(writer->keys,
                         ValueKeyIndex::Prepare(db, value_key, direct_rows));
  }
  CSX_ASSIGN_OR_RETURN(
      writer->find_key,
      Statement::Prepare(db, absl::StrCat("SELECT data ", kRowsWithVersion,
                                          "WHERE ", ValueKey::RidsOf("?1"),
                                          " AND type = ?2 AND value = ?3 AND "
                                          "origin = ?4 LIMIT 1")));
  CSX_ASSIGN_OR_RETURN(
      writer->find_id,
      Statement::Prepare(
          db, absl::StrCat("SELECT data ", kRowsWithVersion, "WHERE id = ?")));
  CSX_ASSIGN_OR_RETURN(writer->put_new, Statement::Prepare(db, kInsertRow));
  CSX_ASSIGN_OR_RETURN(
      writer->log_end,
      Statement::Prepare(
          db,
          "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = "
          "'changes'), 0), COALESCE((SELECT max(seq) FROM changes), 0))"));
  CSX_ASSIGN_OR_RETURN(
      writer->put,
      Statement::Prepare(
          db, absl::StrCat(
                  kInsertRow,
                  " ON CONFLICT(id) DO UPDATE SET "
                  "type=excluded.type, value=excluded.value, "
                  "origin=excluded.origin, "
                  "modified=excluded.modified, revoked=excluded.revoked, "
                  "expired=excluded.expired, valid_until=excluded.valid_until, "
                  "tags=excluded.tags, sectors=excluded.sectors, "
                  "seq=excluded.seq RETURNING rid")));
  CSX_ASSIGN_OR_RETURN(
      writer->append_change,
      Statement::Prepare(db,
                         "INSERT INTO changes(seq, op, time, indicator_id, "
                         "data) VALUES (?,?,?,?,?)"));
  CSX_ASSIGN_OR_RETURN(
      writer->last_audit,
      Statement::Prepare(db,
                         "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1"));
  CSX_ASSIGN_OR_RETURN(
      writer->append_audit,
      Statement::Prepare(db,
                         "INSERT INTO audit(time, kind, principal, detail, "
                         "prev_hash, hash) VALUES (?,?,?,?,?,?)"));
  CSX_ASSIGN_OR_RETURN(
      writer->set_head,
      Statement::Prepare(
          db,
          "INSERT INTO meta(key, value) VALUES ('audit_head', ?) "
          "ON CONFLICT(key) DO UPDATE SET value=excluded.value"));
  CSX_ASSIGN_OR_RETURN(
      writer->due_expiry,
      Statement::Prepare(db,
                         "SELECT id FROM indicators WHERE valid_until IS NOT "
                         "NULL AND valid_until < ? AND expired = 0 AND "
                         "revoked = 0 LIMIT ?"));
  CSX_ASSIGN_OR_RETURN(
      writer->set_meta,
      Statement::Prepare(
          db,
          "INSERT INTO meta(key, value) VALUES (?, ?) "
          "ON CONFLICT(key) DO UPDATE SET value=excluded.value"));
  CSX_ASSIGN_OR_RETURN(
      writer->enqueue_sighting,
      Statement::Prepare(db,
                         "INSERT INTO outbox(partner, indicator_id, count) "
                         "VALUES (?, ?, ?)"));
  CSX_ASSIGN_OR_RETURN(
      writer->delete_sighting,
      Statement::Prepare(db, "DELETE FROM outbox WHERE seq = ?"));
  CSX_ASSIGN_OR_RETURN(
      writer->record_delivery,
      Statement::Prepare(db,
                         "INSERT OR IGNORE INTO deliveries(partner, "
                         "indicator_id) VALUES (?, ?)"));
  // Checkpoints run on their own thread. When the log restarts it keeps
  // the length a bulk load gives it (WalCheckpointer::kInlinePages frames,
  // about 270 MB) and is cut back only past that: a log cut shorter grows
  // again in the next bulk load, and every block it grows into is zeroed
  // by the kernel while the write lock is held.
  constexpr int64_t kFrameBytes = 4096 + 24;  // a page and its frame header
  CSX_RETURN_IF_ERROR(Exec(
      db, absl::StrCat("PRAGMA journal_size_limit=",
                       (WalCheckpointer::kInlinePages + 1024) * kFrameBytes)));
  CSX_ASSIGN_OR_RETURN(store->checkpointer_,
                       WalCheckpointer::Start(path, &store->write_mu_));
  store->checkpointer_->Attach(db);
  CSX_ASSIGN_OR_RETURN(
      store->syncer_,
      OpenLog(path, std::move(options.sync_log), db, store->log_file_));
  store->writer_ = std::move(writer);
  if (!unchanged) {
    if (options.before_integrity_check) options.before_integrity_check();
    const absl::Time start = absl::Now();
    CSX_RETURN_IF_ERROR(store->CheckIntegrity());
    store->integrity_check_ = absl::Now() - start;
  }
  store->opened_ = true;
  return store;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::Inspect(
    const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    if (!std::filesystem::is_directory(dir, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat("store: the directory of ", path, " does not exist"));
    }
    if (access(dir.c_str(), W_OK) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("store: ", path, " does not exist and ", dir.string(),
                       " is not writable"));
    }
    return std::vector<std::string>();
  }
  CSX_ASSIGN_OR_RETURN(SqliteDbPtr db, OpenSqlite(path, /*read_only=*/true));
  CSX_ASSIGN_OR_RETURN(Statement check,
                       Statement::Prepare(db.get(), "PRAGMA quick_check"));
  CSX_ASSIGN_OR_RETURN(bool row, check.Step());
  if (!row || check.ColumnText(0) != "ok") {
    return absl::DataLossError(absl::StrCat(
        "store: integrity check of ", path, " failed: ",
        row ? std::string(check.ColumnText(0)) : std::string("no answer")));
  }
  CSX_ASSIGN_OR_RETURN(int64_t version, SchemaVersion(db.get()));
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: ", path, " has schema ", version,
                     ", written by a newer csxd (this one reads up to ",
                     kSchemaVersion, ")"));
  }
  std::vector<std::string> warnings;
  if (version > 0 && version < kSchemaVersion) {
    CSX_ASSIGN_OR_RETURN(
        Statement rows,
        Statement::Prepare(db.get(),
                           "SELECT coalesce(max(rid), 0) FROM indicators"));
    CSX_ASSIGN_OR_RETURN(bool any, rows.Step());
    warnings.push_back(absl::StrCat(
        "store: ", path, " has schema ", version, "; csxd upgrades it to ",
        kSchemaVersion, " when it starts, in one transaction over its ",
        any ? rows.ColumnInt(0) : 0,
        " indicators (about a minute per 10 000 000 on 2 cores, with free "
        "disk for a second copy of them): back it up first"));
  }
  return warnings;
}

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() {
  const bool healthy = opened_ && syncer_->failure().ok();
  // The last connection to close copies the log into the database and
  // removes it; a read-only one cannot, so the checkpointer's goes last.
  writer_.reset();
  {
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.clear();
  }
  checkpointer_.reset();
  // Without a mark (a log left behind, a failed flush, no room for the
  // mark) the next open checks the whole file, as after a crash.
  if (healthy) MarkClosedCleanly(path_).IgnoreError();
}

absl::StatusOr<std::unique_ptr<Transaction>> SqliteStore::Begin() {
  write_mu_.Lock();
  absl::Status s = syncer_->failure();
  if (!s.ok()) {
    write_mu_.Unlock();
    return absl::Status(
        s.code(), absl::StrCat(s.message(),
                               "; the store takes no writes until csxd is "
                               "restarted"));
  }
  s = Exec(writer_->db.get(), "BEGIN IMMEDIATE");
  if (!s.ok()) {
    write_mu_.Unlock();
    return s;
  }
  return std::unique_ptr<Transaction>(new SqliteTransaction(this));
}

absl::StatusOr<uint64_t> SqliteStore::AwaitDurable(uint64_t ticket) {
  return syncer_->Await(ticket);
}

absl::StatusOr<SqliteStore::ReaderLease> SqliteStore::AcquireReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<ReaderConnection> reader =
          std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(reader));
    }
  }
  auto reader = std::make_unique<ReaderConnection>();
  CSX_ASSIGN_OR_RETURN(reader->db, OpenSqlite(path_, /*read_only=*/true));
  return ReaderLease(this, std::move(reader));
}

void SqliteStore::ReleaseReader(std::unique_ptr<ReaderConnection> reader) {
  absl::MutexLock lock(&readers_mu_);
  if (idle_readers_.size() < 16) idle_readers_.push_back(std::move(reader));
}

absl::StatusOr<v1::Indicator> SqliteStore::Get(const std::string& id) {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(Statement s,
                       r.Prepare(absl::StrCat("SELECT data ", kRowsWithVersion,
                                              "WHERE id = ?")));
  s.BindText(1, id);
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("id: no indicator ", id));
  return ParseIndicator(s.ColumnBlob(0));
}

absl::Status SqliteStore::ForRowsOfIds(
    absl::string_view select, const std::vector<std::string>& ids,
    absl::FunctionRef<absl::Status(const Statement&)> row) {
  constexpr size_t kChunk = 256;
  if (ids.empty()) return absl::OkStatus();
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  for (size_t begin = 0; begin < ids.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - begin);
    std::vector<std::string> marks(n, "?");
    CSX_ASSIGN_OR_RETURN(
        Statement s, r.Prepare(absl::StrCat(select, " WHERE id IN (",
                                            absl::StrJoin(marks, ","), ")")));
    for (size_t i = 0; i < n; ++i) {
      s.BindText(static_cast<int>(i + 1), ids[begin + i]);
    }
    while (true) {
      CSX_ASSIGN_OR_RETURN(bool more, s.Step());
      if (!more) break;
      CSX_RETURN_IF_ERROR(row(s));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Indicator>> SqliteStore::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<v1::Indicator> out;
  CSX_RETURN_IF_ERROR(
      ForRowsOfIds(absl::StrCat("SELECT data ", kRowsWithVersion), ids,
                   [&out](const Statement& s) -> absl::Status {
                     CSX_ASSIGN_OR_RETURN(v1::Indicator ind,
                                          ParseIndicator(s.ColumnBlob(0)));
                     out.push_back(std::move(ind));
                     return absl::OkStatus();
                   }));
  return out;
}

absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>>
SqliteStore::CurrentSeqs(const std::vector<std::string>& ids) {
  absl::flat_hash_map<std::string, uint64_t> out;
  out.reserve(ids.size());
  CSX_RETURN_IF_ERROR(ForRowsOfIds("SELECT id, seq FROM indicators", ids,
                                   [&out](const Statement& s) -> absl::Status {
                                     out.emplace(
                                         std::string(s.ColumnText(0)),
                                         static_cast<uint64_t>(s.ColumnInt(1)));
                                     return absl::OkStatus();
                                   }));
  return out;
}

absl::StatusOr<QueryPage> SqliteStore::Query(const QueryFilter& f) {
  // The keys of the values looked up: the rows they name are the only ones
  // read, then compared value by value below.
  std::vector<int64_t> keys;
  for (const auto& [type, value] : f.typed_values) {
    keys.push_back(value_key_->Of(type, value));
  }
  if (f.covering) {
    if (!f.covering->host.empty()) {
      keys.push_back(value_key_->Of(f.covering->host_type, f.covering->host));
    }
    for (const auto& c : f.covering->cidrs) {
      keys.push_back(value_key_->Of(v1::CIDR, c));
    }
  }
  std::vector<std::string> where = {"rid > ?"};
  if (f.covering || !f.typed_values.empty()) {
    std::vector<std::string> marks(keys.size(), "?");
    where.push_back(ValueKey::RidsOf(absl::StrJoin(marks, ",")));
  }
  if (f.type != v1::TYPE_UNSPECIFIED) where.push_back("type = ?");
  if (!f.typed_values.empty()) {
    std::vector<std::string> terms(f.typed_values.size(),
                                   "(type = ? AND value = ?)");
    where.push_back(absl::StrCat("(", absl::StrJoin(terms, " OR "), ")"));
  }
  if (f.covering) {
    // Exact lookups of the covering values.
    std::vector<std::string> marks(f.covering->cidrs.size(), "?");
    std::string cidrs = absl::StrCat("(type = ", v1::CIDR, " AND value IN (",
                                     absl::StrJoin(marks, ","), "))");
    where.push_back(
        f.covering->host.empty()
            ? cidrs
            : absl::StrCat("((type = ? AND value = ?) OR ", cidrs, ")"));
  }
  if (!f.tag.empty()) where.push_back("instr(tags, ?) > 0");
  if (!f.sector.empty()) where.push_back("instr(sectors, ?) > 0");
  if (!f.origin.empty()) where.push_back("origin = ?");
  if (f.modified_since) where.push_back("modified >= ?");
  if (!f.include_revoked) where.push_back("revoked = 0");
  std::string sql =
      absl::StrCat("SELECT rid, data ", kRowsWithVersion, "WHERE ",
                   absl::StrJoin(where, " AND "), " ORDER BY rid LIMIT ?");
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(Statement s, r.Prepare(sql));
  int i = 1;
  s.BindInt(i++, f.after_row);
  if (f.covering || !f.typed_values.empty()) {
    for (int table = 0; table < 2; ++table) {
      for (int64_t k : keys) s.BindInt(i++, k);
    }
  }
  if (f.type != v1::TYPE_UNSPECIFIED) s.BindInt(i++, f.type);
  for (const auto& [type, value] : f.typed_values) {
    s.BindInt(i++, type);
    s.BindText(i++, value);
  }
  if (f.covering) {
    if (!f.covering->host.empty()) {
      s.BindInt(i++, f.covering->host_type);
      s.BindText(i++, f.covering->host);
    }
    for (const auto& c : f.covering->cidrs) s.BindText(i++, c);
  }
  if (!f.tag.empty()) s.BindText(i++, absl::StrCat("|", f.tag, "|"));
  if (!f.sector.empty()) s.BindText(i++, absl::StrCat("|", f.sector, "|"));
  if (!f.origin.empty()) s.BindText(i++, f.origin);
  if (f.modified_since) s.BindInt(i++, Micros(*f.modified_since));
  s.BindInt(i++, f.limit + 1);
  QueryPage page;
  while (true) {
    CSX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (static_cast<int>(page.indicators.size()) == f.limit) {
      page.more = true;
      break;
    }
    page.last_row = s.ColumnInt(0);
    page.rows.push_back(page.last_row);
    CSX_ASSIGN_OR_RETURN(v1::Indicator ind, ParseIndicator(s.ColumnBlob(1)));
    page.indicators.push_back(std::move(ind));
  }
  return page;
}

absl::StatusOr<std::vector<v1::FeedEntry>> SqliteStore::ReadChanges(
    uint64_t after_seq, int limit) {
  CSX_ASSIGN_OR_RETURN(std::vector<ChangeRecord> records,
                       ReadChangeRecords(after_seq, limit));
  std::vector<v1::FeedEntry> out(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    CSX_RETURN_IF_ERROR(DecodeChange(records[i], &out[i]));
  }
  return out;
}

absl::StatusOr<std::vector<ChangeRecord>> SqliteStore::ReadChangeRecords(
    uint64_t after_seq, int limit) {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      r.Prepare("SELECT seq, op, time, data FROM changes WHERE seq > ? "
                "AND seq <= ? ORDER BY seq LIMIT ?"));
  s.BindInt(1, static_cast<int64_t>(after_seq));
  // A change a crash of the machine could still take back is not served.
  s.BindInt(2, static_cast<int64_t>(syncer_->durable_seq()));
  s.BindInt(3, limit);
  std::vector<ChangeRecord> out;
  out.reserve(static_cast<size_t>(std::max(limit, 0)));
  while (true) {
    CSX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ChangeRecord& c = out.emplace_back();
    c.seq = static_cast<uint64_t>(s.ColumnInt(0));
    c.op = static_cast<v1::ChangeOp>(s.ColumnInt(1));
    c.time = absl::FromUnixMicros(s.ColumnInt(2));
    c.indicator = std::string(s.ColumnBlob(3));
  }
  return out;
}

absl::StatusOr<std::vector<AuditRecord>> SqliteStore::ReadAudit(
    uint64_t after_seq, int limit) {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      r.Prepare("SELECT seq, time, kind, principal, detail, prev_hash, "
                "hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?"));
  s.BindInt(1, static_cast<int64_t>(after_seq));
  s.BindInt(2, limit);
  std::vector<AuditRecord> out;
  while (true) {
    CSX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    AuditRecord rec;
    rec.seq = static_cast<uint64_t>(s.ColumnInt(0));
    rec.time = absl::FromUnixMicros(s.ColumnInt(1));
    rec.kind = std::string(s.ColumnText(2));
    rec.principal = std::string(s.ColumnText(3));
    rec.detail = std::string(s.ColumnText(4));
    rec.prev_hash = std::string(s.ColumnBlob(5));
    rec.hash = std::string(s.ColumnBlob(6));
    out.push_back(std::move(rec));
  }
  return out;
}

absl::StatusOr<std::pair<uint64_t, std::string>> SqliteStore::AuditHead() {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      r.Prepare("SELECT value FROM meta WHERE key = 'audit_head'"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::make_pair(uint64_t{0}, std::string());
  absl::string_view v = s.ColumnBlob(0);
  size_t colon = v.find(':');
  uint64_t seq = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(v.substr(0, colon), &seq)) {
    return absl::DataLossError("audit: unreadable head anchor");
  }
  return std::make_pair(seq, std::string(v.substr(colon + 1)));
}

absl::StatusOr<StoreCounts> SqliteStore::Counts() {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      r.Prepare("SELECT (SELECT count(*) FROM indicators), "
                "(SELECT count(*) FROM indicators WHERE revoked = 0 "
                "AND expired = 0), "
                "(SELECT count(*) FROM indicators WHERE revoked = 1), "
                "(SELECT coalesce(max(seq), 0) FROM changes), "
                "(SELECT count(*) FROM audit)"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  StoreCounts c;
  if (row) {
    c.indicators = static_cast<uint64_t>(s.ColumnInt(0));
    c.active = static_cast<uint64_t>(s.ColumnInt(1));
    c.revoked = static_cast<uint64_t>(s.ColumnInt(2));
    c.feed_head = static_cast<uint64_t>(s.ColumnInt(3));
    c.audit_records = static_cast<uint64_t>(s.ColumnInt(4));
  }
  return c;
}

absl::StatusOr<uint64_t> SqliteStore::FeedHead() {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(Statement s,
                       r.Prepare("SELECT coalesce(max(seq), 0) FROM changes"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<uint64_t>(s.ColumnInt(0)) : 0;
}

absl::StatusOr<bool> SqliteStore::Delivered(const std::string& org,
                                            const std::string& indicator_id) {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s, r.Prepare("SELECT 1 FROM deliveries WHERE partner = ? AND "
                             "indicator_id = ?"));
  s.BindText(1, org);
  s.BindText(2, indicator_id);
  return s.Step();
}

absl::StatusOr<absl::Time> SqliteStore::DeliveriesRecordedSince() {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      r.Prepare("SELECT value FROM meta WHERE key = 'deliveries_since'"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return absl::InfinitePast();
  return absl::FromUnixMicros(s.ColumnInt(0));
}

absl::StatusOr<std::string> SqliteStore::TokenKey() {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s, r.Prepare("SELECT value FROM meta WHERE key = 'token_key'"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.ColumnBlob(0).size() != 16) {
    return absl::DataLossError("store: the token key is missing");
  }
  return std::string(s.ColumnBlob(0));
}

absl::StatusOr<std::string> SqliteStore::PeerCursor(const std::string& org) {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(Statement s,
                       r.Prepare("SELECT value FROM meta WHERE key = ?"));
  s.BindText(1, absl::StrCat("peer_cursor:", org));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::string();
  return std::string(s.ColumnBlob(0));
}

absl::StatusOr<std::vector<OutboundSighting>> SqliteStore::PendingSightings(
    const std::string& org, int limit) {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(
      Statement s,
      r.Prepare("SELECT seq, indicator_id, count FROM outbox WHERE "
                "partner = ? ORDER BY seq LIMIT ?"));
  s.BindText(1, org);
  s.BindInt(2, limit);
  std::vector<OutboundSighting> out;
  while (true) {
    CSX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(OutboundSighting{s.ColumnInt(0), std::string(s.ColumnText(1)),
                                   static_cast<uint32_t>(s.ColumnInt(2))});
  }
  return out;
}

absl::Status SqliteStore::CheckIntegrity() {
  CSX_ASSIGN_OR_RETURN(ReaderLease r, AcquireReader());
  CSX_ASSIGN_OR_RETURN(Statement s, r.Prepare("PRAGMA quick_check"));
  CSX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.ColumnText(0) != "ok") {
    return absl::DataLossError(absl::StrCat(
        "store: integrity check of ", path_, " failed: ",
        row ? std::string(s.ColumnText(0)) : std::string("no answer")));
  }
  return absl::OkStatus();
}

}  // namespace csx
