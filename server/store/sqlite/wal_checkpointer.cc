#include "server/store/sqlite/wal_checkpointer.h"

#include "common/status_macros.h"

namespace csx {
namespace {

int OnCommit(void* self, sqlite3* db, const char* schema, int pages) {
  static_cast<WalCheckpointer*>(self)->Notify(pages);
  if (pages >= WalCheckpointer::kInlinePages) {
    // What SQLite's own automatic checkpoint does, at a higher threshold.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  }
  return SQLITE_OK;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(
    const std::string& path) {
  CSX_ASSIGN_OR_RETURN(SqliteDbPtr db, OpenSqlite(path, /*read_only=*/false));
  CSX_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous=FULL"));
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(std::move(db)));
  c->thread_ = std::thread([p = c.get()] { p->Run(); });
  return c;
}

WalCheckpointer::WalCheckpointer(SqliteDbPtr db) : db_(std::move(db)) {}

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

void WalCheckpointer::Notify(int pages) {
  absl::MutexLock lock(&mu_);
  pending_pages_ = pages;
}

void WalCheckpointer::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || pending_pages_ >= kBackgroundPages;
      };
      // A timed wait also checkpoints a short log that stopped growing.
      mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
      if (stop_) break;
      if (pending_pages_ == 0) continue;
      pending_pages_ = 0;
    }
    // PASSIVE copies what no reader still needs and never waits for a lock;
    // a busy database is simply tried again at the next commit.
    sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                              nullptr, nullptr);
  }
  sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                            nullptr, nullptr);
}

}  // namespace csx
