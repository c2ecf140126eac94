// RAII wrappers over the SQLite C API: a connection (SqliteDb) and a prepared
// statement (Statement) with typed binds and column reads.
// Thread-safety: one object per thread at a time.
#ifndef CSX_SERVER_STORE_SQLITE_SQLITE_HANDLE_H_
#define CSX_SERVER_STORE_SQLITE_SQLITE_HANDLE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace csx {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteCloser>;

// Maps an SQLite result code to a status: disk full -> ResourceExhausted,
// corruption -> DataLoss, busy/locked -> Unavailable, others -> Internal.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// Opens a connection with the node's pragmas (WAL, synchronous=FULL,
// foreign keys, busy timeout). `read_only` opens without write access.
absl::StatusOr<SqliteDbPtr> OpenSqlite(const std::string& path, bool read_only);

// Runs one or more statements that return no rows.
absl::Status Exec(sqlite3* db, absl::string_view sql);

// A prepared statement. Binds are 1-based like SQLite's.
class Statement {
 public:
  static absl::StatusOr<Statement> Prepare(sqlite3* db, absl::string_view sql);

  Statement(Statement&&) = default;
  Statement& operator=(Statement&&) = default;

  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_.get(), i, v); }
  void BindText(int i, absl::string_view v) {
    sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void BindBlob(int i, absl::string_view v) {
    sqlite3_bind_blob(stmt_.get(), i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void BindNull(int i) { sqlite3_bind_null(stmt_.get(), i); }

  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  absl::Status Run();
  // Clears bindings and resets for reuse.
  void Reset();

  int64_t ColumnInt(int i) const {
    return sqlite3_column_int64(stmt_.get(), i);
  }
  bool ColumnIsNull(int i) const {
    return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL;
  }
  absl::string_view ColumnText(int i) const;
  absl::string_view ColumnBlob(int i) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_SQLITE_HANDLE_H_
