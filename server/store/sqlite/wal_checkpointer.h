// WalCheckpointer: copies the write-ahead log of a SQLite file back into the
// database on a thread of its own, so that the connection that commits
// submissions does not stop to do it (SQLite's automatic checkpoint runs
// inside the commit that crosses its threshold).
//
// The writer connection is attached with Attach(): its automatic checkpoint
// is switched off, and every commit tells the checkpointer how long the log
// is. Past `kBackgroundPages` the thread runs a PASSIVE checkpoint, which
// never blocks the writer or readers. Should the log still reach
// `kInlinePages` (the thread cannot keep up, or a long read holds old
// frames), the committing connection checkpoints itself as SQLite would, so
// the log stays bounded.
//
// Thread-safety: Notify() may be called from any thread; the object must
// outlive the attached connection's last commit.
#ifndef CSX_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_
#define CSX_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/sqlite/sqlite_handle.h"

namespace csx {

class WalCheckpointer {
 public:
  static constexpr int kBackgroundPages = 8000;  // about 32 MB
  static constexpr int kInlinePages = 65536;     // about 256 MB

  // Opens its own connection to `path` and starts the thread.
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(
      const std::string& path);
  // Stops the thread after a last checkpoint.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Makes `writer`'s commits report to this checkpointer.
  void Attach(sqlite3* writer);

  // The log holds `pages` pages after a commit.
  void Notify(int pages);

 private:
  explicit WalCheckpointer(SqliteDbPtr db);
  void Run();

  SqliteDbPtr db_;
  absl::Mutex mu_;
  int pending_pages_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_
