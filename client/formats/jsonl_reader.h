// Reads indicators from JSON Lines for `csx submit --file`.
//
// Each non-blank line is one JSON object whose keys are the model's field
// names (SPEC section 4 "File formats"): type, value, tlp, confidence,
// severity, tags, sectors, description, valid_from, valid_until, first_seen,
// last_seen. Strings for the text fields; confidence a JSON integer 0..100;
// tags and sectors a JSON array of strings or a ';'-separated string; times
// RFC 3339 strings or dates; null is the same as an absent key. The
// node-assigned keys of csx's own output (id, origin, created, ...; see
// IsOutputOnlyField) are accepted and ignored. Any other key is an error.
//
// A line may also be a pulled feed entry, {"seq":..,"op":..,"time":..,
// "indicator":{...}} (`csx pull --output jsonl`): its indicator's submittable
// fields are read, whatever the op.
#ifndef CSX_CLIENT_FORMATS_JSONL_READER_H_
#define CSX_CLIENT_FORMATS_JSONL_READER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "client/formats/input_record.h"

namespace csx::formats {

// Parses `content` (a whole file; LF or CRLF line ends, an optional UTF-8
// byte order mark). Returns one InputRecord per non-blank line, in file
// order: the indicator input, or InvalidArgument naming the field ("tags:
// expected an array of strings or a ';'-separated string", "indicator.
// confidence: ...", "colour: unknown field") or the syntax problem ("json:
// invalid JSON at column 12", "json: expected an object, got array").
// Never fails as a whole: every line is judged on its own.
std::vector<InputRecord> ReadJsonl(absl::string_view content);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_JSONL_READER_H_
