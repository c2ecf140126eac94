#include "client/formats/text_table.h"

#include <algorithm>
#include <utility>

#include "client/formats/input_fields.h"

namespace csx::formats {
namespace {

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers)
    : headers_(std::move(headers)) {}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) cell = SanitizeForTerminal(cell);
  rows_.push_back(std::move(cells));
}

void TextTable::Print(std::ostream& out) const {
  if (rows_.empty()) return;
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = DisplayWidth(headers_[i]);
    for (const auto& row : rows_)
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 == row.size()) break;
      line.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    // An empty last column would leave the padding of the one before it.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

std::string SanitizeForTerminal(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    absl::string_view seq = text.substr(i, len);
    // U+0080..U+009F are C1 controls (CSI is U+009B on some terminals).
    const bool c1 = len == 2 && seq.size() == 2 && c == 0xC2 &&
                    static_cast<unsigned char>(seq[1]) < 0xA0;
    if (c1) {
      out += '?';
      i += 2;
    } else if (seq.size() == len && IsValidUtf8(seq)) {
      out.append(seq.data(), seq.size());
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

size_t DisplayWidth(absl::string_view text) {
  size_t n = 0;
  for (char c : text) n += IsContinuation(c) ? 0 : 1;
  return n;
}

std::string Truncate(absl::string_view text, size_t max_width) {
  if (DisplayWidth(text) <= max_width) return std::string(text);
  size_t kept = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    if (IsContinuation(text[i])) continue;
    if (kept == max_width - 1) break;
    ++kept;
  }
  return std::string(text.substr(0, i)) + "\u2026";
}

}  // namespace csx::formats
