// Reads indicators from CSV (RFC 4180) for `csx submit --file`.
//
// The first non-blank record is a header naming the columns by the model's
// field names (SPEC section 4 "File formats"): type, value, tlp, confidence,
// severity, tags, sectors, description, valid_from, valid_until, first_seen,
// last_seen. Names are case-insensitive and trimmed; only type and value are
// required; columns may come in any order. The node-assigned columns that
// `csx --output csv` writes (id, origin, created, modified, version, ...;
// see IsOutputOnlyField) are accepted and ignored, so csx's own CSV output
// can be submitted again. Any other column is an error.
//
// Syntax: fields separated by ',', records by LF or CRLF; a field may be
// quoted with '"', with "" for a quote and with commas and line breaks
// inside; whitespace around a quoted field is ignored; a UTF-8 byte order
// mark is skipped; blank lines are skipped. Lists (tags, sectors) are split
// on ';'; confidence is an integer 0..100; times are RFC 3339 or dates.
#ifndef CSX_CLIENT_FORMATS_CSV_READER_H_
#define CSX_CLIENT_FORMATS_CSV_READER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/formats/input_record.h"

namespace csx::formats {

// Parses `content` (a whole file). On success returns one InputRecord per
// non-blank data record, in file order, each either the indicator input or
// the reason that record is refused (wrong number of fields, bad number,
// bad time, quote misuse, ...). An unterminated quoted field is an error
// record at the line where its record started, and ends the file.
//
// Fails with InvalidArgument only for problems of the whole file, message
// starting with "header: ": no header, a missing required column ("header:
// missing required column 'value'"), an unknown, empty or duplicate column
// name, or a quote error in the header row.
absl::StatusOr<std::vector<InputRecord>> ReadCsv(absl::string_view content);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_CSV_READER_H_
