#include "server/store/sqlite/wal_write_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "server/store/sqlite/sqlite_handle.h"

namespace csx {
namespace {

constexpr char kVfsName[] = "csx-wal-buffer";
// The default VFS writes at most 128 KB - 1 in one call (it masks the
// length of each pwrite() with 0x1ffff): the buffer is a little less.
constexpr int kBufferBytes = 124 * 1024;
constexpr int kFrameHeaderBytes = 24;

std::atomic<uint64_t> g_writes{0};
std::atomic<uint64_t> g_file_writes{0};

sqlite3_vfs* Real(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

// Every file of the VFS: the default VFS's file follows it in the same
// allocation. SQLite allocates and frees it; xOpen and xClose construct and
// release what it holds.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  // The log's buffer (null for other files): `used` bytes meant for the
  // file at `start`.
  char* buffer;
  int used;
  sqlite3_int64 start;
  // The end of what this connection appended to the log since it was
  // opened or started over: writes before it are overwrites.
  sqlite3_int64 appended_end;
  // The last write was the header of a commit frame.
  bool commit_header;
  // A flush failed: what the buffer held from `lost_from` on never reached
  // the file (-1: nothing lost). Until the log is written again from
  // there, writes and reads past it fail with `lost_rc`.
  sqlite3_int64 lost_from;
  int lost_rc;
};

sqlite3_file* RealOf(sqlite3_file* f) {
  return reinterpret_cast<File*>(f)->real;
}

int Flush(File* f) {
  if (f->used == 0) return SQLITE_OK;
  g_file_writes.fetch_add(1, std::memory_order_relaxed);
  const int rc =
      f->real->pMethods->xWrite(f->real, f->buffer, f->used, f->start);
  if (rc != SQLITE_OK) {
    // The buffer holds frames after the last commit: SQLite rolls their
    // transaction back, or a statement of it; the frames it still counts
    // on must not be read or committed.
    f->lost_from =
        f->lost_from < 0 ? f->start : std::min(f->lost_from, f->start);
    f->lost_rc = rc;
  }
  f->used = 0;
  return rc;
}

// Methods every file forwards to the default VFS's file.
int PassClose(sqlite3_file* file) {
  sqlite3_file* real = RealOf(file);
  return real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
}
int PassRead(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  return RealOf(file)->pMethods->xRead(RealOf(file), out, amount, offset);
}
int PassWrite(sqlite3_file* file, const void* data, int amount,
              sqlite3_int64 offset) {
  return RealOf(file)->pMethods->xWrite(RealOf(file), data, amount, offset);
}
int PassTruncate(sqlite3_file* file, sqlite3_int64 size) {
  return RealOf(file)->pMethods->xTruncate(RealOf(file), size);
}
int PassSync(sqlite3_file* file, int flags) {
  return RealOf(file)->pMethods->xSync(RealOf(file), flags);
}
int PassFileSize(sqlite3_file* file, sqlite3_int64* size) {
  return RealOf(file)->pMethods->xFileSize(RealOf(file), size);
}
int PassLock(sqlite3_file* file, int level) {
  return RealOf(file)->pMethods->xLock(RealOf(file), level);
}
int PassUnlock(sqlite3_file* file, int level) {
  return RealOf(file)->pMethods->xUnlock(RealOf(file), level);
}
int PassCheckReservedLock(sqlite3_file* file, int* out) {
  return RealOf(file)->pMethods->xCheckReservedLock(RealOf(file), out);
}
int PassFileControl(sqlite3_file* file, int op, void* arg) {
  return RealOf(file)->pMethods->xFileControl(RealOf(file), op, arg);
}
int PassSectorSize(sqlite3_file* file) {
  return RealOf(file)->pMethods->xSectorSize(RealOf(file));
}
int PassDeviceCharacteristics(sqlite3_file* file) {
  return RealOf(file)->pMethods->xDeviceCharacteristics(RealOf(file));
}
int PassShmMap(sqlite3_file* file, int page, int size, int extend,
               void volatile** out) {
  return RealOf(file)->pMethods->xShmMap(RealOf(file), page, size, extend, out);
}
int PassShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return RealOf(file)->pMethods->xShmLock(RealOf(file), offset, n, flags);
}
void PassShmBarrier(sqlite3_file* file) {
  RealOf(file)->pMethods->xShmBarrier(RealOf(file));
}
int PassShmUnmap(sqlite3_file* file, int remove) {
  return RealOf(file)->pMethods->xShmUnmap(RealOf(file), remove);
}
int PassFetch(sqlite3_file* file, sqlite3_int64 offset, int amount,
              void** out) {
  return RealOf(file)->pMethods->xFetch(RealOf(file), offset, amount, out);
}
int PassUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return RealOf(file)->pMethods->xUnfetch(RealOf(file), offset, page);
}

// The log's methods: everything but an appended write flushes first.
int LogClose(sqlite3_file* file) {
  File* f = reinterpret_cast<File*>(file);
  const int flushed = Flush(f);
  std::free(f->buffer);
  f->buffer = nullptr;
  const int closed = PassClose(file);
  return flushed != SQLITE_OK ? flushed : closed;
}
int LogRead(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = reinterpret_cast<File*>(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  if (f->lost_from >= 0 && offset + amount > f->lost_from) {
    return SQLITE_IOERR_READ;
  }
  return PassRead(file, out, amount, offset);
}
int LogTruncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = reinterpret_cast<File*>(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  f->appended_end = std::min(f->appended_end, size);
  if (f->lost_from >= size) f->lost_from = -1;
  return PassTruncate(file, size);
}
int LogSync(sqlite3_file* file, int flags) {
  File* f = reinterpret_cast<File*>(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  if (f->lost_from >= 0) return f->lost_rc;
  return PassSync(file, flags);
}
int LogFileSize(sqlite3_file* file, sqlite3_int64* size) {
  const int rc = Flush(reinterpret_cast<File*>(file));
  return rc != SQLITE_OK ? rc : PassFileSize(file, size);
}
int LogFileControl(sqlite3_file* file, int op, void* arg) {
  const int rc = Flush(reinterpret_cast<File*>(file));
  return rc != SQLITE_OK ? rc : PassFileControl(file, op, arg);
}

// Bytes 4-7 of a frame header: the database size after a commit, zero in
// the frames before it.
bool IsCommitHeader(const void* data, int amount) {
  if (amount != kFrameHeaderBytes) return false;
  const unsigned char* b = static_cast<const unsigned char*>(data);
  return (b[4] | b[5] | b[6] | b[7]) != 0;
}

// Puts a write in the buffer or, when it cannot go there, in the file after
// what the buffer holds.
int Place(File* f, const void* data, int amount, sqlite3_int64 offset) {
  if (offset < f->appended_end) {
    // An overwrite: in the buffer when it lies there, else at once.
    if (f->used > 0 && offset >= f->start &&
        offset + amount <= f->start + f->used) {
      std::memcpy(f->buffer + (offset - f->start), data, amount);
      return SQLITE_OK;
    }
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
    f->appended_end = std::max(f->appended_end, offset + amount);
    g_file_writes.fetch_add(1, std::memory_order_relaxed);
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  f->appended_end = offset + amount;
  const bool continues = f->used > 0 && offset == f->start + f->used;
  if (!continues || f->used + amount > kBufferBytes) {
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
  }
  if (amount > kBufferBytes) {
    g_file_writes.fetch_add(1, std::memory_order_relaxed);
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  if (f->used == 0) f->start = offset;
  std::memcpy(f->buffer + f->used, data, amount);
  f->used += amount;
  return SQLITE_OK;
}

int LogWrite(sqlite3_file* file, const void* data, int amount,
             sqlite3_int64 offset) {
  File* f = reinterpret_cast<File*>(file);
  g_writes.fetch_add(1, std::memory_order_relaxed);
  const bool after_commit_header = f->commit_header;
  f->commit_header = false;
  if (f->lost_from >= 0) {
    if (offset > f->lost_from) return f->lost_rc;
    f->lost_from = -1;  // written again from before what was lost
  }
  if (offset == 0) {
    // The log's header: the log starts over from here.
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
    f->appended_end = 0;
  }
  const int rc = Place(f, data, amount, offset);
  if (rc != SQLITE_OK) return rc;
  // The page of a commit frame, appended or written over frames of a
  // transaction rolled back: the last write of the commit.
  if (after_commit_header) return Flush(f);
  f->commit_header = IsCommitHeader(data, amount);
  return SQLITE_OK;
}

sqlite3_io_methods MethodsFor(bool log) {
  sqlite3_io_methods m = {};
  m.iVersion = 3;
  m.xClose = log ? LogClose : PassClose;
  m.xRead = log ? LogRead : PassRead;
  m.xWrite = log ? LogWrite : PassWrite;
  m.xTruncate = log ? LogTruncate : PassTruncate;
  m.xSync = log ? LogSync : PassSync;
  m.xFileSize = log ? LogFileSize : PassFileSize;
  m.xLock = PassLock;
  m.xUnlock = PassUnlock;
  m.xCheckReservedLock = PassCheckReservedLock;
  m.xFileControl = log ? LogFileControl : PassFileControl;
  m.xSectorSize = PassSectorSize;
  m.xDeviceCharacteristics = PassDeviceCharacteristics;
  m.xShmMap = PassShmMap;
  m.xShmLock = PassShmLock;
  m.xShmBarrier = PassShmBarrier;
  m.xShmUnmap = PassShmUnmap;
  m.xFetch = PassFetch;
  m.xUnfetch = PassUnfetch;
  return m;
}

const sqlite3_io_methods kPassMethods = MethodsFor(false);
const sqlite3_io_methods kLogMethods = MethodsFor(true);

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  File* f = reinterpret_cast<File*>(file);
  std::memset(f, 0, sizeof(File));
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  const int rc = Real(vfs)->xOpen(Real(vfs), name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // SQLite calls no method of this file; the default VFS's may still need
    // its close.
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    return rc;
  }
  if (f->real->pMethods == nullptr || f->real->pMethods->iVersion < 3) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  f->lost_from = -1;
  // Without power-safe overwrite SQLite pads a commit at synchronous=FULL
  // with copies of its last frame, split around a sync: such a log is not
  // buffered.
  const bool buffered = (flags & SQLITE_OPEN_WAL) != 0 &&
                        (f->real->pMethods->xDeviceCharacteristics(f->real) &
                         SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
  if (buffered) {
    f->buffer = static_cast<char*>(std::malloc(kBufferBytes));
    if (f->buffer == nullptr) {
      f->real->pMethods->xClose(f->real);
      return SQLITE_NOMEM;
    }
    f->base.pMethods = &kLogMethods;
  } else {
    f->base.pMethods = &kPassMethods;
  }
  return SQLITE_OK;
}

// The VFS's other methods are the default VFS's, called with it.
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Real(vfs)->xDelete(Real(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Real(vfs)->xAccess(Real(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Real(vfs)->xFullPathname(Real(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  return Real(vfs)->xDlOpen(Real(vfs), name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) {
  Real(vfs)->xDlError(Real(vfs), n, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Real(vfs)->xDlSym(Real(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) {
  Real(vfs)->xDlClose(Real(vfs), handle);
}
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return Real(vfs)->xRandomness(Real(vfs), n, out);
}
int Sleep(sqlite3_vfs* vfs, int micros) {
  return Real(vfs)->xSleep(Real(vfs), micros);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return Real(vfs)->xCurrentTime(Real(vfs), out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Real(vfs)->xGetLastError(Real(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Real(vfs)->xCurrentTimeInt64(Real(vfs), out);
}

}  // namespace

const char* WalWriteBufferVfs() {
  static const char* const name = []() -> const char* {
    ConfigureSqlite();  // before sqlite3_vfs_find() initialises SQLite
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    if (real == nullptr || real->iVersion < 2 ||
        real->xCurrentTimeInt64 == nullptr) {
      return nullptr;
    }
    static sqlite3_vfs vfs = {};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = kVfsName;
    vfs.pAppData = real;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    return sqlite3_vfs_register(&vfs, /*makeDflt=*/0) == SQLITE_OK ? kVfsName
                                                                   : nullptr;
  }();
  return name;
}

WalWriteCounts WalWriteBufferCounts() {
  WalWriteCounts c;
  c.writes = g_writes.load(std::memory_order_relaxed);
  c.file_writes = g_file_writes.load(std::memory_order_relaxed);
  return c;
}

}  // namespace csx
