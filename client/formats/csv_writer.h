// Writing RFC 4180 CSV: the quoting rules shared by the CSV outputs.
// All functions are pure and thread-safe.
#ifndef CSX_CLIENT_FORMATS_CSV_WRITER_H_
#define CSX_CLIENT_FORMATS_CSV_WRITER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace csx::formats {

// Returns `field` quoted when it must be: when it holds ',', '"', CR or LF,
// or starts or ends with a blank (which ReadCsv would otherwise trim).
// Quotes inside are doubled.
std::string CsvField(absl::string_view field);

// Returns the fields quoted as needed, joined with ',' and ended with "\n".
std::string CsvRow(const std::vector<std::string>& fields);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_CSV_WRITER_H_
