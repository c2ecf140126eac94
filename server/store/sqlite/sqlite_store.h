// SqliteStore: the embedded Store backend. One SQLite file in WAL mode. One
// writer connection (transactions are serialised by a mutex) and a pool of
// reader connections that run concurrently with it.
//
// A commit writes the log with synchronous=NORMAL and releases the write
// lock; Commit() then returns once the log is flushed (LogSyncer), so a
// committed transaction survives a crash of the process or of the machine,
// and the next transaction runs while the flush is in progress.
//
// Thread-safety: all methods may be called from any thread.
#ifndef CSX_SERVER_STORE_SQLITE_SQLITE_STORE_H_
#define CSX_SERVER_STORE_SQLITE_SQLITE_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/sqlite/log_syncer.h"
#include "server/store/sqlite/sqlite_handle.h"
#include "server/store/sqlite/value_key.h"
#include "server/store/sqlite/wal_checkpointer.h"
#include "server/store/store.h"

namespace csx {

class SqliteStore : public Store {
 public:
  // The writer connection's page cache by default: 64 MB (the readers' is
  // 8 MB each).
  static constexpr int kWriterCacheKib = 65536;

  // Opens (creating if needed) the database at `path`, applies the schema and
  // checks the file's integrity. Fails with DataLoss on a corrupt file,
  // FailedPrecondition when the file cannot be opened or written.
  struct Options {
    // For tests: flushes the log instead of fdatasync() on its file
    // descriptor.
    std::function<absl::Status(int fd)> sync_log;
    // Called just before the integrity check, which reads the whole file;
    // not called when the check is skipped (clean_mark.h).
    std::function<void()> before_integrity_check;
    // The writer connection's page cache (kB).
    int writer_cache_kib = kWriterCacheKib;
  };
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path);
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, Options options);

  // Checks an existing database without changing it (csxd --check-config):
  // it opens, passes the integrity check and has a schema this build
  // reads. OK for a file that does not exist yet when its directory is
  // writable. Returns the warnings: a store of an older schema, which Open
  // upgrades (minutes for a large store).
  static absl::StatusOr<std::vector<std::string>> Inspect(
      const std::string& path);

  ~SqliteStore() override;

  absl::StatusOr<std::unique_ptr<Transaction>> Begin() override;
  absl::StatusOr<uint64_t> AwaitDurable(uint64_t ticket) override;
  absl::StatusOr<v1::Indicator> Get(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Indicator>> GetMany(
      const std::vector<std::string>& ids) override;
  absl::StatusOr<absl::flat_hash_map<std::string, uint64_t>> CurrentSeqs(
      const std::vector<std::string>& ids) override;
  absl::StatusOr<QueryPage> Query(const QueryFilter& filter) override;
  absl::StatusOr<std::vector<v1::FeedEntry>> ReadChanges(uint64_t after_seq,
                                                         int limit) override;
  absl::StatusOr<std::vector<ChangeRecord>> ReadChangeRecords(
      uint64_t after_seq, int limit) override;
  absl::StatusOr<std::vector<AuditRecord>> ReadAudit(uint64_t after_seq,
                                                     int limit) override;
  absl::StatusOr<std::pair<uint64_t, std::string>> AuditHead() override;
  absl::StatusOr<StoreCounts> Counts() override;
  absl::StatusOr<uint64_t> FeedHead() override;
  absl::StatusOr<bool> Delivered(const std::string& org,
                                 const std::string& indicator_id) override;
  absl::StatusOr<absl::Time> DeliveriesRecordedSince() override;
  absl::StatusOr<std::string> TokenKey() override;
  absl::StatusOr<std::string> PeerCursor(const std::string& org) override;
  absl::StatusOr<std::vector<OutboundSighting>> PendingSightings(
      const std::string& org, int limit) override;
  absl::Status CheckIntegrity() override;
  size_t WriteCachePages() const override { return write_cache_pages_; }
  std::string Describe() const override { return "sqlite:" + path_; }
  // How long the integrity check took when the store was opened, or
  // nothing when it was skipped: the store was closed cleanly by csxd and
  // its file has not changed since (clean_mark.h).
  std::optional<absl::Duration> integrity_check() const {
    return integrity_check_;
  }

 private:
  class Writer;
  struct ReaderConnection;
  class ReaderLease;
  class SqliteTransaction;

  explicit SqliteStore(std::string path);
  absl::StatusOr<ReaderLease> AcquireReader();
  // Runs `select` (a SELECT ... up to its WHERE) for the rows whose id is
  // one of `ids`, 256 ids a statement, and calls `row` on each result row.
  absl::Status ForRowsOfIds(
      absl::string_view select, const std::vector<std::string>& ids,
      absl::FunctionRef<absl::Status(const Statement&)> row);
  void ReleaseReader(std::unique_ptr<ReaderConnection> reader);

  const std::string path_;
  size_t write_cache_pages_ = 0;
  std::optional<ValueKey> value_key_;  // set by Open()
  bool opened_ = false;  // Open() succeeded: a clean close may be marked
  std::optional<absl::Duration> integrity_check_;
  absl::Mutex write_mu_;  // held by the open transaction
  // Declared before writer_: they outlive the writer's last commit.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::unique_ptr<FileCloser> log_file_;  // the write-ahead log
  std::unique_ptr<LogSyncer> syncer_;
  std::unique_ptr<Writer> writer_;
  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<ReaderConnection>> idle_readers_
      ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_SQLITE_STORE_H_
