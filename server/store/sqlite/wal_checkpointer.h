// WalCheckpointer: copies the write-ahead log of a SQLite file back into the
// database on a thread of its own, so that the connection that commits
// submissions does not stop to do it (SQLite's automatic checkpoint runs
// inside the commit that crosses its threshold).
//
// The writer connection is attached with Attach(): its automatic checkpoint
// is switched off, and every commit tells the checkpointer how long the log
// is. What waits to be copied is the log's length less what the last
// checkpoint copied. Once `kBackgroundPages` wait, or once the log stops
// growing for a second, the thread runs a PASSIVE checkpoint, which never
// blocks the writer or readers.
//
// Each checkpoint ends with a flush of the database file, and a flush of
// the log that acknowledges submissions, issued meanwhile, waits on the
// disk for the pages it writes: for a checkpoint of 4 MB, 3.5-4.3 ms, once
// every 130 ms at 1 000 single submissions/s, and those flushes held every
// submission slower than the 99th percentile. So checkpoints are small
// (about 1 MB: 1.2 ms); a bulk load, whose log grows faster than they copy
// it, still gets them large, as each takes what has gathered meanwhile.
//
// SQLite starts a log over only when a write transaction begins with all of
// it copied, which a checkpoint beside a steady stream of commits never
// achieves: the log would grow without end. So once the log is
// `kRestartPages` long and the thread's checkpoint leaves at most
// `kCatchUpPages` to copy, it flushes the database and copies those while it
// holds `writer_lock` (the lock every write transaction holds), and the next
// transaction starts the log over. Each such hold-off delays the commits
// that arrive during it by a few milliseconds, so it is done once per
// `kRestartPages` of log rather than after every background checkpoint. A
// bulk load leaves more than `kCatchUpPages`; once its log is `kInlinePages`
// long, the committing connection copies the rest itself, as SQLite's own
// checkpoint would, and the log starts over then.
//
// Thread-safety: Notify() may be called from any thread; the object must
// outlive the attached connection's last commit.
#ifndef CSX_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_
#define CSX_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/sqlite/sqlite_handle.h"

namespace csx {

class WalCheckpointer {
 public:
  static constexpr int kBackgroundPages = 256;  // about 1 MB
  static constexpr int kRestartPages = 4096;    // about 16 MB
  static constexpr int kInlinePages = 65536;    // about 256 MB
  static constexpr int kCatchUpPages = 1024;    // about 4 MB

  // Opens its own connection to `path` and starts the thread. `writer_lock`
  // (may be null: no catching up) is held by every write transaction.
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(
      const std::string& path, absl::Mutex* writer_lock = nullptr);
  // Stops the thread after a last checkpoint.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Makes `writer`'s commits report to this checkpointer.
  void Attach(sqlite3* writer);

  // The log holds `pages` pages after a commit. True when the committing
  // connection should checkpoint itself now (and report it with Copied()).
  bool Notify(int pages);
  // A checkpoint left a log of `log` pages, `copied` of them copied.
  void Copied(int log, int copied);

  // Checkpoints run so far by the thread.
  uint64_t checkpoints() const;
  // The times the thread held the writers off to start the log over, and
  // the shortest log it did so for (0 before the first).
  struct HoldOffs {
    uint64_t count = 0;
    int shortest_log_pages = 0;
  };
  HoldOffs hold_offs() const;

 private:
  WalCheckpointer(SqliteDbPtr db, FileCloser file, absl::Mutex* writer_lock);
  void Run();
  // One PASSIVE checkpoint: how many pages it left to copy (-1: busy).
  int Checkpoint();
  int BacklogLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SqliteDbPtr db_;
  FileCloser file_;  // the database file, to flush what a checkpoint wrote
  absl::Mutex* const writer_lock_;
  mutable absl::Mutex mu_;
  // The log's length at the last commit, and how much of it the last
  // checkpoint copied: the difference is what waits to be copied.
  int log_pages_ ABSL_GUARDED_BY(mu_) = 0;
  int backfilled_pages_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t commits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  HoldOffs hold_offs_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_
