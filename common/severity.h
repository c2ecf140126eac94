// Severity names. Pure; thread-safe.
#ifndef CSX_COMMON_SEVERITY_H_
#define CSX_COMMON_SEVERITY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

// info, low, medium, high, critical (any case). InvalidArgument "severity:
// ...".
absl::StatusOr<v1::Severity> ParseSeverity(absl::string_view text);
// "info".."critical"; "" for unspecified.
absl::string_view SeverityName(v1::Severity severity);

}  // namespace csx

#endif  // CSX_COMMON_SEVERITY_H_
