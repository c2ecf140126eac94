// The clean-close mark of a SQLite store: a file beside the database
// (`<database>.clean`) that csxd writes once it has closed the store with
// every commit copied into the database file and no log left. It holds what
// the file looked like then (device, inode, size, modification and status
// change times).
//
// The integrity check reads every page of the file: minutes for a store of
// ten million indicators. A store whose mark still matches its file was
// checked when it was opened last and has not changed since, so the next
// open may skip the check. Anything else (no mark, a crash, which leaves a
// log behind, a file restored from a backup or written by another program,
// which moves its times) gets the full check. The mark is removed when the
// store is opened, before anything is written to it.
//
// Thread-safety: functions on different paths may run concurrently.
#ifndef CSX_SERVER_STORE_SQLITE_CLEAN_MARK_H_
#define CSX_SERVER_STORE_SQLITE_CLEAN_MARK_H_

#include <string>

#include "absl/status/status.h"

namespace csx {

// True when `database` has a mark that matches the file and no log
// (`-wal`) beside it.
bool ClosedCleanlyAndUnchanged(const std::string& database);

// Writes the mark of `database` as the file is now (durably: the mark is
// written to a temporary file, flushed and renamed). Fails when a log is
// still beside the database.
absl::Status MarkClosedCleanly(const std::string& database);

// Removes the mark, durably. OK when there is none.
absl::Status ClearCleanMark(const std::string& database);

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_CLEAN_MARK_H_
