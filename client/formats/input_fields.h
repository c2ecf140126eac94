// The IndicatorInput fields as the file formats name them (SPEC section 4,
// "File formats"), and the conversion of a field's text (a CSV cell, a JSON
// string) into the proto. Shared by the CSV and JSONL readers so that both
// accept and reject exactly the same values.
//
// Only syntax is checked here (numbers, times, UTF-8); values are passed
// through as written and the server canonicalises and validates them.
// All functions are pure and thread-safe.
#ifndef CSX_CLIENT_FORMATS_INPUT_FIELDS_H_
#define CSX_CLIENT_FORMATS_INPUT_FIELDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"

namespace csx::formats {

// The fields a file may set, in model order: type, value, tlp, confidence,
// severity, tags, sectors, description, valid_from, valid_until, first_seen,
// last_seen.
const std::vector<std::string>& InputFieldNames();

// True for a name in InputFieldNames() (exact, lower-case match).
bool IsInputField(absl::string_view name);

// True for a field of a full indicator or feed entry that the node assigns
// (id, origin, reporter, created, modified, version, revoked,
// revoked_reason, path, sightings, expired, warnings, seq, op). The readers
// accept and ignore these, so that csx's own csv/jsonl output can be
// submitted again.
bool IsOutputOnlyField(absl::string_view name);

// Sets input field `field` (a name from InputFieldNames()) from its text.
// type, value, tlp, severity and times are trimmed of surrounding ASCII
// whitespace; description is kept verbatim; tags and sectors are split on
// ';' (see SplitList). Empty text leaves the field unset. Fails with
// InvalidArgument whose message starts with "<field>: " (not a number, out
// of range, not a time, invalid UTF-8, unknown field).
absl::Status SetInputField(absl::string_view field, absl::string_view text,
                           v1::IndicatorInput* input);

// Sets confidence from a number; InvalidArgument unless 0 <= value <= 100.
absl::Status SetConfidence(int64_t value, v1::IndicatorInput* input);

// Appends `items` to the list field `field` ("tags" or "sectors"), each
// trimmed, empty ones dropped. InvalidArgument on invalid UTF-8.
absl::Status AddListItems(absl::string_view field,
                          const std::vector<std::string>& items,
                          v1::IndicatorInput* input);

// Splits "a; b;;c" into {"a", "b", "c"}: items trimmed, empties dropped.
std::vector<std::string> SplitList(absl::string_view text);

// InvalidArgument "type: required field is empty" (or value) when a required
// field is missing; OK otherwise.
absl::Status CheckRequiredFields(const v1::IndicatorInput& input);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_INPUT_FIELDS_H_
