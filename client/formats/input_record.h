// One parsed record of an input file, as the bulk readers return it.
#ifndef CSX_CLIENT_FORMATS_INPUT_RECORD_H_
#define CSX_CLIENT_FORMATS_INPUT_RECORD_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "csx/v1/indicator.pb.h"

namespace csx::formats {

struct InputRecord {
  // 1-based line of the file where the record starts (a CSV record with a
  // quoted newline spans several lines).
  int line = 0;
  // The indicator to submit, or InvalidArgument with the reason this record
  // cannot be submitted. The message starts with the field name
  // ("confidence: not a number 'abc'") or, for a syntax problem of the whole
  // record, with the format ("csv: expected 10 fields, got 9",
  // "json: invalid JSON at column 7"). It does not repeat the line number.
  absl::StatusOr<v1::IndicatorInput> input;
  // For STIX and MISP files, where the record comes from, shown instead of
  // "line N" ("object 3 (indicator--…)"); `line` is then the ordinal of
  // the object or attribute.
  std::string where;
  // The source marks the indicator revoked: csx submits it, then revokes it.
  bool revoke = false;
  std::string revoke_reason;
};

// What a STIX or MISP reader returns: the records, and what it deliberately
// did not import, by reason ("identity", "to_ids=false", ...) with counts.
struct ImportResult {
  std::vector<InputRecord> records;
  std::map<std::string, int> skipped;
};

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_INPUT_RECORD_H_
