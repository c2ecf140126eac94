// Logging set-up for csxd: leveled logs on stderr, as text for people or as
// one JSON object per line for log collectors:
//   {"time":"2026-11-23T04:05:06.789Z","level":"info","msg":"..."}
#ifndef CSX_SERVER_LOGGING_H_
#define CSX_SERVER_LOGGING_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace csx {

// `format` is "text" or "json"; `level` one of trace, debug, info, warn,
// error, critical, off. InvalidArgument naming the flag otherwise.
absl::Status ConfigureLogging(absl::string_view format,
                              absl::string_view level);

}  // namespace csx

#endif  // CSX_SERVER_LOGGING_H_
