// A plain-text table with aligned columns, for `--output table`.
//
// Cells are sanitised for a terminal (control characters, which could carry
// escape sequences from untrusted indicator data, become '?') and widths
// count UTF-8 code points. Not thread-safe; one table per writer.
#ifndef CSX_CLIENT_FORMATS_TEXT_TABLE_H_
#define CSX_CLIENT_FORMATS_TEXT_TABLE_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace csx::formats {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);

  // Adds a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  bool empty() const { return rows_.empty(); }

  // Writes the header and the rows, columns separated by two spaces and
  // padded to the widest cell; the last column is not padded. Writes
  // nothing when there are no rows.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Replaces control characters (C0, DEL, C1) with '?' and invalid UTF-8 bytes
// with '?'.
std::string SanitizeForTerminal(absl::string_view text);

// Number of UTF-8 code points in `text` (valid UTF-8 assumed).
size_t DisplayWidth(absl::string_view text);

// Returns `text` cut to at most `max_width` code points, ending in "…" when
// cut. `max_width` must be at least 1.
std::string Truncate(absl::string_view text, size_t max_width);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_TEXT_TABLE_H_
