#include "client/cursor_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace csx::cli {

absl::StatusOr<std::string> ReadCursorFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::string();
    return absl::InvalidArgumentError(absl::StrCat(
        "--cursor-file: cannot read '", path, "': ", std::strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(buf.str()));
}

absl::Status WriteCursorFile(const std::string& path,
                             const std::string& cursor) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cursor-file: cannot write '", tmp, "': ", std::strerror(errno)));
  }
  const std::string data = cursor + "\n";
  const bool ok = ::write(fd, data.data(), data.size()) ==
                      static_cast<ssize_t>(data.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cursor-file: cannot update '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace csx::cli
