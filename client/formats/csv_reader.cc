#include "client/formats/csv_reader.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/formats/input_fields.h"

namespace csx::formats {
namespace {

struct CsvRecord {
  int line = 0;  // where the record starts
  std::vector<std::string> fields;
  bool blank = false;         // an empty or whitespace-only line
  bool unterminated = false;  // a quoted field ran to the end of input
  int bad_quote_field = -1;   // text after a closing quote, 0-based
};

// Splits RFC 4180 text into records. Lenient where that loses nothing: a
// quote inside an unquoted field is kept literally, and blanks around a
// quoted field are dropped.
class CsvParser {
 public:
  explicit CsvParser(absl::string_view in) : in_(in) {
    if (absl::StartsWith(in_, "\xEF\xBB\xBF")) in_.remove_prefix(3);
  }

  // Reads the next record into `rec`. Returns false at the end of input.
  bool Next(CsvRecord* rec) {
    if (pos_ >= in_.size()) return false;
    *rec = CsvRecord();
    rec->line = line_;
    enum State { kStart, kUnquoted, kQuoted, kAfterQuote };
    State state = kStart;
    bool any_quoted = false;
    std::string field;
    // Blanks around an unquoted field are not data (hand-written "a, b");
    // a quoted field is kept verbatim.
    auto finish_field = [&] {
      if (state == kStart || state == kUnquoted) {
        field = std::string(absl::StripAsciiWhitespace(field));
      }
      rec->fields.push_back(std::move(field));
      field.clear();
    };
    const size_t n = in_.size();
    while (true) {
      if (pos_ >= n) {
        if (state == kQuoted) rec->unterminated = true;
        break;
      }
      const char c = in_[pos_];
      if (state == kQuoted) {
        if (c == '"') {
          if (pos_ + 1 < n && in_[pos_ + 1] == '"') {
            field += '"';
            pos_ += 2;
            continue;
          }
          state = kAfterQuote;
        } else {
          if (c == '\n') ++line_;
          field += c;
        }
        ++pos_;
        continue;
      }
      if (c == '\n' || (c == '\r' && pos_ + 1 < n && in_[pos_ + 1] == '\n')) {
        pos_ += c == '\n' ? 1 : 2;
        ++line_;
        break;
      }
      ++pos_;
      if (c == ',') {
        finish_field();
        state = kStart;
        continue;
      }
      switch (state) {
        case kStart:
          if (c == '"') {
            field.clear();  // blanks before the opening quote
            any_quoted = true;
            state = kQuoted;
          } else {
            field += c;
            if (c != ' ' && c != '\t') state = kUnquoted;
          }
          break;
        case kUnquoted:
          field += c;
          break;
        case kAfterQuote:
          if (c == ' ' || c == '\t') break;
          if (rec->bad_quote_field < 0) {
            rec->bad_quote_field = static_cast<int>(rec->fields.size());
          }
          field += c;
          break;
        case kQuoted:
          break;  // handled above
      }
    }
    finish_field();
    rec->blank =
        !any_quoted && rec->fields.size() == 1 && rec->fields[0].empty();
    return true;
  }

 private:
  absl::string_view in_;
  size_t pos_ = 0;
  int line_ = 1;
};

// What a header column maps to: an input field, or nothing (ignored).
struct Column {
  std::string name;
  bool input = false;
};

absl::StatusOr<std::vector<Column>> ParseHeader(const CsvRecord& rec) {
  if (rec.unterminated) {
    return absl::InvalidArgumentError("header: unterminated quoted field");
  }
  std::vector<Column> columns;
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    Column col;
    col.name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(rec.fields[i]));
    if (rec.bad_quote_field == static_cast<int>(i)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header: column ", i + 1, ": unexpected text after closing quote"));
    }
    if (col.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("header: column ", i + 1, " has no name"));
    }
    for (const Column& seen : columns) {
      if (seen.name == col.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("header: duplicate column '", col.name, "'"));
      }
    }
    col.input = IsInputField(col.name);
    if (!col.input && !IsOutputOnlyField(col.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("header: unknown column '", col.name, "' (expected ",
                       absl::StrJoin(InputFieldNames(), ", "), ")"));
    }
    columns.push_back(std::move(col));
  }
  for (const char* required : {"type", "value"}) {
    bool found = false;
    for (const Column& c : columns) found = found || c.name == required;
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("header: missing required column '", required, "'"));
    }
  }
  return columns;
}

absl::StatusOr<v1::IndicatorInput> ParseRow(const std::vector<Column>& columns,
                                            const CsvRecord& rec) {
  if (rec.unterminated) {
    return absl::InvalidArgumentError("csv: unterminated quoted field");
  }
  if (rec.fields.size() != columns.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "csv: expected ", columns.size(), " fields, got ", rec.fields.size()));
  }
  if (rec.bad_quote_field >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(columns[rec.bad_quote_field].name,
                     ": unexpected text after closing quote"));
  }
  v1::IndicatorInput input;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!columns[i].input) continue;
    absl::Status s = SetInputField(columns[i].name, rec.fields[i], &input);
    if (!s.ok()) return s;
  }
  absl::Status s = CheckRequiredFields(input);
  if (!s.ok()) return s;
  return input;
}

}  // namespace

absl::StatusOr<std::vector<InputRecord>> ReadCsv(absl::string_view content) {
  CsvParser parser(content);
  CsvRecord rec;
  bool have_header = false;
  while (parser.Next(&rec)) {
    if (!rec.blank) {
      have_header = true;
      break;
    }
  }
  if (!have_header) {
    return absl::InvalidArgumentError("header: no header row (empty input)");
  }
  auto columns = ParseHeader(rec);
  if (!columns.ok()) return columns.status();

  std::vector<InputRecord> records;
  while (parser.Next(&rec)) {
    if (rec.blank) continue;
    InputRecord r;
    r.line = rec.line;
    r.input = ParseRow(*columns, rec);
    records.push_back(std::move(r));
    if (rec.unterminated) break;
  }
  return records;
}

}  // namespace csx::formats
