#include "server/store/sqlite/sqlite_handle.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace csx {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string msg =
      absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(
          absl::StrCat("store: disk full: ", msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(
          absl::StrCat("store: database corrupt: ", msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(absl::StrCat("store: busy: ", msg));
    case SQLITE_IOERR:
      return absl::UnavailableError(absl::StrCat("store: I/O error: ", msg));
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(absl::StrCat("store: ", msg));
    default:
      return absl::InternalError(absl::StrCat("store: ", msg));
  }
}

void ConfigureSqlite() {
  // sqlite3_config() is refused once SQLite is initialised (by any call
  // that opens, finds a VFS or registers one).
  [[maybe_unused]] static const int configured =
      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

absl::StatusOr<SqliteDbPtr> OpenSqlite(const std::string& path, bool read_only,
                                       const char* vfs) {
  ConfigureSqlite();
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY
                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  SqliteDbPtr db(raw);
  if (rc != SQLITE_OK)
    return SqliteError(db.get(), rc, absl::StrCat("open ", path));
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 10000);
  // The indexes of a large store do not fit SQLite's default 2 MB page
  // cache; without a larger one every insert reads its index pages back
  // from the kernel. No memory map: its pages would count in the RSS on top
  // of the caches, and reads through it were no faster (docs/BENCHMARKS.md,
  // session fourteen).
  absl::Status s = Exec(db.get(), read_only ? "PRAGMA cache_size=-8192"
                                            : "PRAGMA cache_size=-65536");
  if (s.ok()) s = Exec(db.get(), "PRAGMA mmap_size=0");
  if (!s.ok()) return s;
  return db;
}

absl::Status Exec(sqlite3* db, absl::string_view sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteError(db, rc, sql.substr(0, 60));
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement> Statement::Prepare(sqlite3* db,
                                             absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK)
    return SqliteError(db, rc, absl::StrCat("prepare ", sql.substr(0, 60)));
  return Statement(db, stmt, false);
}

absl::StatusOr<Statement> Statement::Cached(sqlite3* db, absl::string_view sql,
                                            StatementCache& cache) {
  if (sqlite3_stmt* stmt = cache.Find(sql)) return Statement(db, stmt, true);
  CSX_ASSIGN_OR_RETURN(Statement s, Prepare(db, sql));
  SqliteStmtPtr owned(s.stmt_.release());
  if (!cache.Keep(sql, owned)) return Statement(db, owned.release(), false);
  return Statement(db, cache.Find(sql), true);
}

void Statement::Release::operator()(sqlite3_stmt* s) const {
  if (!cached) {
    sqlite3_finalize(s);
    return;
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

sqlite3_stmt* StatementCache::Find(absl::string_view sql) const {
  auto it = statements_.find(sql);
  return it == statements_.end() ? nullptr : it->second.get();
}

bool StatementCache::Keep(absl::string_view sql, SqliteStmtPtr& stmt) {
  if (statements_.size() >= kMaxStatements) return false;
  statements_.emplace(std::string(sql), std::move(stmt));
  return true;
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "step");
}

absl::Status Statement::Run() {
  auto more = Step();
  if (!more.ok()) {
    Reset();
    return more.status();
  }
  Reset();
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

absl::string_view Statement::ColumnText(int i) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), i);
  int n = sqlite3_column_bytes(stmt_.get(), i);
  return p ? absl::string_view(reinterpret_cast<const char*>(p), n)
           : absl::string_view();
}

absl::string_view Statement::ColumnBlob(int i) const {
  const void* p = sqlite3_column_blob(stmt_.get(), i);
  int n = sqlite3_column_bytes(stmt_.get(), i);
  return p ? absl::string_view(static_cast<const char*>(p), n)
           : absl::string_view();
}

}  // namespace csx
