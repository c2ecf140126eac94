// Reads STIX 2.1 for `csx submit --format stix`: a bundle, a single object or
// a JSON array of objects.
//
//   indicator (pattern_type stix)  one record per term of its pattern (simple
//                                  equality comparisons joined by OR); any
//                                  other pattern is a per-object error
//   vulnerability with a "cve"     a cve record
//     external reference
//   anything else                  skipped, counted by type
//
// valid_from/valid_until, confidence, labels (tags), description (else name),
// revoked (+ x_csx_revoked_reason), x_csx_severity, x_csx_sectors,
// x_csx_first_seen, x_csx_last_seen and the
// object's TLP marking (TLP 1.0 and 2.0 ids, or a tlp marking-definition in
// the same bundle; the strictest when several) are kept. A whole-file
// problem (not JSON, not STIX) is an InvalidArgument naming the position.
#ifndef CSX_CLIENT_FORMATS_STIX_READER_H_
#define CSX_CLIENT_FORMATS_STIX_READER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/formats/input_record.h"

namespace csx::formats {

absl::StatusOr<ImportResult> ReadStix(absl::string_view content);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_STIX_READER_H_
