#include "client/formats/format_detect.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace csx::formats {

absl::StatusOr<std::string> DetectFormat(absl::string_view path,
                                         absl::string_view content) {
  // Only the file name's extension counts, not a dot in a directory name.
  absl::string_view name = path;
  if (const size_t slash = name.find_last_of('/');
      slash != absl::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  if (const size_t dot = name.find_last_of('.');
      dot != absl::string_view::npos && dot > 0) {
    const std::string ext = absl::AsciiStrToLower(name.substr(dot + 1));
    if (ext == "csv") return std::string("csv");
    if (ext == "jsonl" || ext == "ndjson" || ext == "json") {
      return std::string("jsonl");
    }
  }
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  content = absl::StripLeadingAsciiWhitespace(content);
  if (content.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot detect the format of '", path,
                     "': input is empty (use --format csv or jsonl)"));
  }
  return std::string(content.front() == '{' ? "jsonl" : "csv");
}

}  // namespace csx::formats
