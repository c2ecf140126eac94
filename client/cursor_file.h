// The cursor file of `csx pull --cursor-file`: read once at start, replaced
// atomically (write to a temporary file, fsync, rename) after every batch has
// been written out, so that an interrupted pull resumes without a gap.
#ifndef CSX_CLIENT_CURSOR_FILE_H_
#define CSX_CLIENT_CURSOR_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace csx::cli {

// The stored cursor; "" when the file does not exist yet.
absl::StatusOr<std::string> ReadCursorFile(const std::string& path);
absl::Status WriteCursorFile(const std::string& path,
                             const std::string& cursor);

}  // namespace csx::cli

#endif  // CSX_CLIENT_CURSOR_FILE_H_
