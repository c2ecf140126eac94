// Picks the reader for `csx submit --file F --format auto`.
#ifndef CSX_CLIENT_FORMATS_FORMAT_DETECT_H_
#define CSX_CLIENT_FORMATS_FORMAT_DETECT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace csx::formats {

// Returns "csv", "jsonl", "stix" or "misp". By the extension of `path`
// first (case-insensitive: .csv -> csv; .jsonl, .ndjson -> jsonl; .json ->
// stix for a STIX bundle or object(s), misp for MISP event(s) or a MISP
// search response, else jsonl), else (stdin "-", other extensions) by
// `content`: stix or misp as for .json, jsonl when the first non-blank
// character (after an optional UTF-8 byte order mark) is '{', else csv. Fails
// with InvalidArgument when the format must be sniffed and `content` is empty
// or blank, suggesting --format.
absl::StatusOr<std::string> DetectFormat(absl::string_view path,
                                         absl::string_view content);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_FORMAT_DETECT_H_
