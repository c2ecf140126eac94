// WalWriteBuffer: an SQLite VFS that gathers a connection's writes to its
// write-ahead log into large writes.
//
// SQLite writes each log frame with two system calls (the 24-byte frame
// header, then the page), so a commit that changes 10 000 pages makes
// 20 000 pwrite() calls; on a virtual machine each costs a few
// microseconds, most of a large commit's time. This VFS wraps the default
// one ("unix"): the database file and every other file pass straight
// through, and the log's appended frames are copied into a 124 KB buffer
// (the most the default VFS writes in one call) and written to the file in
// one call when
//   - the buffer is full;
//   - the page of a commit frame (one whose header gives the database size)
//     has been appended: every frame of the transaction is then in the
//     file before SQLite publishes the commit to readers (which it does
//     after its last frame write, in the shared wal-index) and before
//     the commit returns, so a flush of the log's file descriptor made
//     after the commit covers it;
//   - anything else is done with the file: a read, a sync, a truncation,
//     a size query, a file control, the close.
// A write over data already written (SQLite rewrites frames of its own
// transaction, and the frames of a rolled-back transaction or statement
// are written over by those that follow) patches the buffer when it lies
// in it, and otherwise goes to the file at once, after the buffer; a
// commit frame written so ends the commit as an appended one does. A write
// at offset 0 (the log's header, written when the log starts over) starts
// the log's appended region over.
//
// The buffer only ever holds frames after the last commit. When its write
// fails, SQLite fails the call that flushed it and rolls the transaction
// (or a statement of it) back, but may still count on the frames lost:
// until the log is written again from where the loss begins, every read,
// write and sync past it fails too.
//
// A log on a device without power-safe overwrite is not buffered: SQLite
// pads its commits at synchronous=FULL with writes split around a sync.
//
// Only connections opened with WalWriteBufferVfs() as their VFS buffer;
// their database, locks and shared memory are the default VFS's own, so
// they share them with connections of the default VFS.
//
// Thread-safety: registration is thread-safe; a file is used by one
// thread at a time, as SQLite does.
#ifndef CSX_SERVER_STORE_SQLITE_WAL_WRITE_BUFFER_H_
#define CSX_SERVER_STORE_SQLITE_WAL_WRITE_BUFFER_H_

#include <cstdint>

namespace csx {

// The VFS's name, for sqlite3_open_v2(); registers it on the first call.
// Null when the default VFS's files lack the methods it forwards (SQLite
// then opens with the default VFS).
const char* WalWriteBufferVfs();

// Counts since the process started, of every buffered log.
struct WalWriteCounts {
  uint64_t writes = 0;       // writes SQLite made to the logs
  uint64_t file_writes = 0;  // writes that reached the files
};
WalWriteCounts WalWriteBufferCounts();

}  // namespace csx

#endif  // CSX_SERVER_STORE_SQLITE_WAL_WRITE_BUFFER_H_
