#include "client/formats/csv_writer.h"

#include "absl/strings/str_replace.h"

namespace csx::formats {

std::string CsvField(absl::string_view field) {
  const bool blank_edge =
      !field.empty() && (field.front() == ' ' || field.front() == '\t' ||
                         field.back() == ' ' || field.back() == '\t');
  if (!blank_edge &&
      field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(field);
  }
  std::string out = "\"";
  out += absl::StrReplaceAll(field, {{"\"", "\"\""}});
  out += '"';
  return out;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  out += '\n';
  return out;
}

}  // namespace csx::formats
