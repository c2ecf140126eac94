// Time parsing and formatting shared by the server and the client.
// All functions are pure and thread-safe.
#ifndef CSX_COMMON_TIME_UTIL_H_
#define CSX_COMMON_TIME_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace csx {

// Parses RFC 3339 ("2025-01-02T03:04:05Z", with optional fraction and
// offset) or a plain date ("2025-01-02", midnight UTC). Fails with
// InvalidArgument naming the accepted forms.
absl::StatusOr<absl::Time> ParseTime(absl::string_view text);

// Formats as RFC 3339 UTC with millisecond precision:
// "2025-01-02T03:04:05.000Z".
std::string FormatTime(absl::Time t);

// Parses "90d", "12h", "30m", "45s" (one unit, positive integer). Fails with
// InvalidArgument otherwise.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& ts);
// True when the timestamp carries a value (seconds or nanos non-zero).
bool IsSet(const google::protobuf::Timestamp& ts);

}  // namespace csx

#endif  // CSX_COMMON_TIME_UTIL_H_
