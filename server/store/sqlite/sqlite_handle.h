// RAII wrappers over the SQLite C API: a connection (SqliteDb) and a prepared
// statement (Statement) with typed binds and column reads.
// Thread-safety: one object per thread at a time.
#ifndef CSX_SERVER_STORE_SQLITE_SQLITE_HANDLE_H_
#define CSX_SERVER_STORE_SQLITE_SQLITE_HANDLE_H_

#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
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
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Owns a file descriptor: closes it when it goes.
class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  FileCloser(FileCloser&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileCloser& operator=(FileCloser&&) = delete;
  ~FileCloser() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Maps an SQLite result code to a status: disk full -> ResourceExhausted,
// corruption -> DataLoss, busy/locked -> Unavailable, others -> Internal.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// Sets SQLite's process-wide options, once, before its first use in the
// process: no allocation statistics (with them, every sqlite3_malloc() and
// sqlite3_free() takes one process-wide mutex, which the writer and every
// reader contend for). OpenSqlite() and WalWriteBufferVfs() call it first;
// other code that calls into SQLite before them must too.
void ConfigureSqlite();

// Opens a connection with the node's pragmas (busy timeout, page cache, no
// memory map; SQLite's default synchronous=FULL, which the store's writer
// lowers to NORMAL). `read_only` opens without write access; `vfs` is the
// name of a registered VFS (null: the default one).
absl::StatusOr<SqliteDbPtr> OpenSqlite(const std::string& path, bool read_only,
                                       const char* vfs = nullptr);

// Runs one or more statements that return no rows.
absl::Status Exec(sqlite3* db, absl::string_view sql);

// A prepared statement. Binds are 1-based like SQLite's.
class Statement {
 public:
  static absl::StatusOr<Statement> Prepare(sqlite3* db, absl::string_view sql);
  // A statement that `cache` keeps: this object resets it and clears its
  // bindings when it goes, instead of finalizing it.
  static absl::StatusOr<Statement> Cached(sqlite3* db, absl::string_view sql,
                                          class StatementCache& cache);

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
  // Finalizes an owned statement; resets a cached one for its next use.
  struct Release {
    bool cached = false;
    void operator()(sqlite3_stmt* s) const;
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool cached)
      : db_(db), stmt_(stmt, Release{cached}) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Release> stmt_;
};

// The statements prepared on one connection, by SQL text, for reuse by later
// calls on that connection: a lookup skips SQLite's parser and planner. At
// most `kMaxStatements` are kept (the SQL of a query depends on the shape of
// its filter); beyond that, statements are prepared for one use.
// Thread-safety: one thread at a time, with its connection; one Statement
// per SQL text at a time.
class StatementCache {
 public:
  static constexpr size_t kMaxStatements = 64;

  // The cached statement for `sql`, or nullptr.
  sqlite3_stmt* Find(absl::string_view sql) const;
  // Keeps `stmt` for `sql`; false (and `stmt` untouched) when full.
  bool Keep(absl::string_view sql, SqliteStmtPtr& stmt);
  size_t size() const { return statements_.size(); }

 private:
  absl::flat_hash_map<std::string, SqliteStmtPtr> statements_;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_SQLITE_HANDLE_H_
