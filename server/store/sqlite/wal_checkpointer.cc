#include "server/store/sqlite/wal_checkpointer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace csx {
namespace {

int OnCommit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (checkpointer->Notify(pages)) {
    // What SQLite's own automatic checkpoint does, at a higher threshold.
    int log = 0, copied = 0;
    if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log,
                                  &copied) == SQLITE_OK) {
      checkpointer->Copied(log, copied);
    }
  }
  return SQLITE_OK;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const std::string& path, absl::Mutex* writer_lock) {
  CSX_ASSIGN_OR_RETURN(SqliteDbPtr db, OpenSqlite(path, /*read_only=*/false));
  CSX_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous=FULL"));
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: cannot open ", path, ": ", std::strerror(errno)));
  }
  std::unique_ptr<WalCheckpointer> c(
      new WalCheckpointer(std::move(db), FileCloser(fd), writer_lock));
  c->thread_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

WalCheckpointer::WalCheckpointer(SqliteDbPtr db, FileCloser file,
                                 absl::Mutex* writer_lock)
    : db_(std::move(db)), file_(std::move(file)), writer_lock_(writer_lock) {}

WalCheckpointer::~WalCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void WalCheckpointer::Attach(sqlite3* writer) {
  sqlite3_wal_hook(writer, OnCommit, this);
}

bool WalCheckpointer::Notify(int pages) {
  absl::MutexLock lock(&mu_);
  // A shorter log than at the last commit: the writer started it over.
  if (pages < log_pages_) backfilled_pages_ = 0;
  log_pages_ = pages;
  ++commits_;
  // The committing connection copies the rest of a log this long itself:
  // no other transaction is open, so the copy reaches the end and the next
  // transaction starts the log over.
  return pages >= kInlinePages && BacklogLocked() > 0;
}

void WalCheckpointer::Copied(int log, int copied) {
  absl::MutexLock lock(&mu_);
  ++checkpoints_;
  if (log <= log_pages_)
    backfilled_pages_ = std::max(backfilled_pages_, copied);
}

int WalCheckpointer::BacklogLocked() const {
  return log_pages_ - std::min(log_pages_, backfilled_pages_);
}

int WalCheckpointer::Checkpoint() {
  int log = 0, copied = 0;
  if (sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                &log, &copied) != SQLITE_OK) {
    return -1;  // a busy database is simply tried again later
  }
  // `log` is the log's length when the checkpoint began; commits may have
  // made it longer since. Until it is copied to its end, SQLite leaves the
  // pages it wrote to the kernel: they are flushed here, so that copying
  // the rest with the writers held off syncs a few pages only.
  Copied(log, copied);
  int left;
  {
    absl::MutexLock lock(&mu_);
    left = std::max(BacklogLocked(), log - copied);
  }
  if (left > 0) fdatasync(file_.fd());
  return left;
}

void WalCheckpointer::Run() {
  uint64_t commits_seen = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || BacklogLocked() >= kBackgroundPages;
      };
      // A timed wait also checkpoints a short log once it stops growing.
      const bool due =
          mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
      if (stop_) break;
      const bool idle = commits_ == commits_seen;
      commits_seen = commits_;
      if (!due && !(idle && BacklogLocked() > 0)) continue;
    }
    // PASSIVE copies what no reader still needs and never waits for a lock.
    // Commits go on meanwhile, so a long log is not copied to its end: once
    // it is kRestartPages long and at most kCatchUpPages are left, they are
    // copied while no transaction is open, and the next transaction starts
    // the log over. A bulk load, which leaves more, starts it over at
    // kInlinePages (see Notify).
    const int left = Checkpoint();
    int log_pages;
    {
      absl::MutexLock lock(&mu_);
      log_pages = log_pages_;
    }
    if (left > 0 && left <= kCatchUpPages && log_pages >= kRestartPages &&
        writer_lock_ != nullptr) {
      absl::MutexLock hold_off_writers(writer_lock_);
      Checkpoint();
      absl::MutexLock lock(&mu_);
      ++hold_offs_.count;
      hold_offs_.shortest_log_pages =
          hold_offs_.count == 1
              ? log_pages
              : std::min(hold_offs_.shortest_log_pages, log_pages);
    }
  }
  sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                            nullptr, nullptr);
}

uint64_t WalCheckpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return checkpoints_;
}

WalCheckpointer::HoldOffs WalCheckpointer::hold_offs() const {
  absl::MutexLock lock(&mu_);
  return hold_offs_;
}

}  // namespace csx
