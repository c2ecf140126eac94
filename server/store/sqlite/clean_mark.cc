#include "server/store/sqlite/clean_mark.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "server/store/sqlite/sqlite_handle.h"

namespace csx {
namespace {

constexpr char kMagic[] = "csx-clean-mark-1";

std::string MarkPath(const std::string& database) {
  return database + ".clean";
}

// A log beside the database: it was not closed cleanly, or is still open.
bool HasLog(const std::string& database) {
  std::error_code ec;
  return std::filesystem::exists(database + "-wal", ec) || ec;
}

// What the file looks like now, or nothing when it cannot be read.
std::optional<std::string> Fingerprint(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return absl::StrCat(kMagic, " ", st.st_dev, " ", st.st_ino, " ", st.st_size,
                      " ", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, " ",
                      st.st_ctim.tv_sec, ".", st.st_ctim.tv_nsec);
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat(
      "store: cannot ", what, " ", path, ": ", std::strerror(errno)));
}

// Makes a rename or removal in the directory of `path` durable.
absl::Status SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open the directory", dir);
  FileCloser closer(fd);
  if (fsync(fd) != 0) return Errno("flush the directory", dir);
  return absl::OkStatus();
}

}  // namespace

bool ClosedCleanlyAndUnchanged(const std::string& database) {
  if (HasLog(database)) return false;
  std::ifstream in(MarkPath(database));
  if (!in) return false;
  std::stringstream mark;
  mark << in.rdbuf();
  const std::optional<std::string> now = Fingerprint(database);
  return now && mark.str() == *now + "\n";
}

absl::Status MarkClosedCleanly(const std::string& database) {
  if (HasLog(database)) {
    return absl::FailedPreconditionError(
        absl::StrCat("store: ", database, "-wal is still there"));
  }
  const std::optional<std::string> print = Fingerprint(database);
  if (!print) return Errno("read", database);
  const std::string mark = MarkPath(database);
  const std::string tmp = mark + ".tmp";
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create", tmp);
  {
    FileCloser closer(fd);
    const std::string text = *print + "\n";
    if (write(fd, text.data(), text.size()) !=
            static_cast<ssize_t>(text.size()) ||
        fsync(fd) != 0) {
      return Errno("write", tmp);
    }
  }
  if (std::rename(tmp.c_str(), mark.c_str()) != 0) return Errno("rename", tmp);
  return SyncDirectoryOf(database);
}

absl::Status ClearCleanMark(const std::string& database) {
  const std::string mark = MarkPath(database);
  if (std::remove(mark.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Errno("remove", mark);
  }
  return SyncDirectoryOf(database);
}

}  // namespace csx
