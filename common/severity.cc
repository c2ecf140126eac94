#include "common/severity.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace csx {

absl::StatusOr<v1::Severity> ParseSeverity(absl::string_view text) {
  const std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (int v = v1::SEVERITY_INFO; v <= v1::SEVERITY_CRITICAL; ++v) {
    if (s == SeverityName(static_cast<v1::Severity>(v)))
      return static_cast<v1::Severity>(v);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("severity: unknown severity '", text,
                   "' (expected info, low, medium, high or critical)"));
}

absl::string_view SeverityName(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_INFO:
      return "info";
    case v1::SEVERITY_LOW:
      return "low";
    case v1::SEVERITY_MEDIUM:
      return "medium";
    case v1::SEVERITY_HIGH:
      return "high";
    case v1::SEVERITY_CRITICAL:
      return "critical";
    default:
      return "";
  }
}

}  // namespace csx
