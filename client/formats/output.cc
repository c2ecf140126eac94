#include "client/formats/output.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/formats/csv_writer.h"
#include "client/formats/enum_names.h"
#include "client/formats/indicator_json.h"
#include "common/time_util.h"

namespace csx::formats {
namespace {

constexpr size_t kTableValueWidth = 60;

std::string Time(const google::protobuf::Timestamp& ts) {
  return IsSet(ts) ? csx::FormatTime(FromProto(ts)) : "";
}

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& items,
                   absl::string_view sep) {
  return absl::StrJoin(items, sep);
}

// A JSON value as one cell: strings bare, arrays of scalars joined.
std::string Cell(const nlohmann::json& v, absl::string_view sep) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& item : v) {
      if (item.is_structured()) return v.dump();
      parts.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    }
    return absl::StrJoin(parts, sep);
  }
  return v.dump();
}

const std::vector<std::string>& TableHeaders(bool entries) {
  static const auto* plain = new std::vector<std::string>{
      "ID",  "TYPE", "VALUE",  "TLP",      "CONF",
      "SEV", "TAGS", "ORIGIN", "MODIFIED", "FLAGS"};
  static const auto* feed = [] {
    auto* v = new std::vector<std::string>{"SEQ", "OP"};
    v->insert(v->end(), plain->begin(), plain->end());
    return v;
  }();
  return entries ? *feed : *plain;
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  if (n == "table") return OutputFormat::kTable;
  if (n == "json") return OutputFormat::kJson;
  if (n == "jsonl") return OutputFormat::kJsonl;
  if (n == "csv") return OutputFormat::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown output format '", name,
                   "' (expected table, json, jsonl or csv)"));
}

std::string OutputFormatName(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      return "table";
    case OutputFormat::kJson:
      return "json";
    case OutputFormat::kJsonl:
      return "jsonl";
    case OutputFormat::kCsv:
      return "csv";
  }
  return "";
}

const std::vector<std::string>& IndicatorCsvColumns() {
  static const auto* columns = new std::vector<std::string>{
      "id",          "type",       "value",     "tlp",         "confidence",
      "severity",    "tags",       "sectors",   "description", "valid_from",
      "valid_until", "first_seen", "last_seen", "origin",      "created",
      "modified",    "version",    "revoked",   "sightings",   "warnings"};
  return *columns;
}

IndicatorWriter::IndicatorWriter(OutputFormat format, std::ostream& out)
    : format_(format), out_(out) {}

IndicatorWriter::~IndicatorWriter() = default;

void IndicatorWriter::WriteJsonLine(const nlohmann::json& j) {
  out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
       << "\n";
  out_.flush();
}

std::vector<std::string> IndicatorWriter::CsvCells(
    const v1::Indicator& ind, const v1::FeedEntry* entry) const {
  std::vector<std::string> cells;
  if (kind_ == Kind::kEntries) {
    cells.push_back(entry ? absl::StrCat(entry->seq()) : "");
    cells.push_back(entry ? ChangeOpToString(entry->op()) : "");
  }
  std::vector<std::string> warnings;
  for (const auto& w : ind.warnings())
    warnings.push_back(absl::StrCat(w.list(), ": ", w.detail()));
  const std::vector<std::string> rest = {ind.id(),
                                         TypeToString(ind.type()),
                                         ind.value(),
                                         TlpToString(ind.tlp()),
                                         absl::StrCat(ind.confidence()),
                                         SeverityToString(ind.severity()),
                                         Joined(ind.tags(), ";"),
                                         Joined(ind.sectors(), ";"),
                                         ind.description(),
                                         Time(ind.valid_from()),
                                         Time(ind.valid_until()),
                                         Time(ind.first_seen()),
                                         Time(ind.last_seen()),
                                         ind.origin(),
                                         Time(ind.created()),
                                         Time(ind.modified()),
                                         absl::StrCat(ind.version()),
                                         ind.revoked() ? "true" : "false",
                                         absl::StrCat(ind.sighting_count()),
                                         absl::StrJoin(warnings, ";")};
  cells.insert(cells.end(), rest.begin(), rest.end());
  return cells;
}

std::vector<std::string> IndicatorWriter::TableCells(
    const v1::Indicator& ind, const v1::FeedEntry* entry) const {
  std::vector<std::string> cells;
  if (kind_ == Kind::kEntries) {
    cells.push_back(entry ? absl::StrCat(entry->seq()) : "");
    cells.push_back(entry ? ChangeOpToString(entry->op()) : "");
  }
  std::string flags;
  if (ind.revoked()) flags += "revoked ";
  if (ind.expired()) flags += "expired ";
  if (!ind.warnings().empty()) flags += "warning ";
  const std::vector<std::string> rest = {
      ind.id(),
      TypeToString(ind.type()),
      Truncate(SanitizeForTerminal(ind.value()), kTableValueWidth),
      TlpToString(ind.tlp()),
      absl::StrCat(ind.confidence()),
      SeverityToString(ind.severity()),
      Truncate(SanitizeForTerminal(Joined(ind.tags(), ",")), 30),
      ind.origin(),
      Time(ind.modified()),
      std::string(absl::StripTrailingAsciiWhitespace(flags))};
  cells.insert(cells.end(), rest.begin(), rest.end());
  return cells;
}

void IndicatorWriter::Add(const v1::Indicator& ind,
                          const v1::FeedEntry* entry) {
  if (kind_ == Kind::kNone) {
    kind_ = entry ? Kind::kEntries : Kind::kIndicators;
    if (format_ == OutputFormat::kCsv) {
      std::vector<std::string> header;
      if (kind_ == Kind::kEntries) header = {"seq", "op"};
      header.insert(header.end(), IndicatorCsvColumns().begin(),
                    IndicatorCsvColumns().end());
      out_ << CsvRow(header);
    } else if (format_ == OutputFormat::kTable) {
      table_.emplace(TableHeaders(kind_ == Kind::kEntries));
    }
  }
  switch (format_) {
    case OutputFormat::kJsonl:
      WriteJsonLine(entry ? FeedEntryToJson(*entry) : IndicatorToJson(ind));
      break;
    case OutputFormat::kJson:
      array_.push_back(entry ? FeedEntryToJson(*entry) : IndicatorToJson(ind));
      break;
    case OutputFormat::kCsv:
      out_ << CsvRow(CsvCells(ind, entry));
      break;
    case OutputFormat::kTable:
      table_->AddRow(TableCells(ind, entry));
      break;
  }
}

void IndicatorWriter::Write(const v1::Indicator& indicator) {
  Add(indicator, nullptr);
}

void IndicatorWriter::WriteEntry(const v1::FeedEntry& entry) {
  Add(entry.indicator(), &entry);
}

void IndicatorWriter::WriteObject(const nlohmann::json& object) {
  wrote_object_ = true;
  switch (format_) {
    case OutputFormat::kJsonl:
      WriteJsonLine(object);
      break;
    case OutputFormat::kJson:
      out_ << object.dump(2, ' ', false,
                          nlohmann::json::error_handler_t::replace)
           << "\n";
      break;
    case OutputFormat::kCsv: {
      out_ << CsvRow({"key", "value"});
      for (const auto& [k, v] : object.items())
        out_ << CsvRow({k, Cell(v, ";")});
      break;
    }
    case OutputFormat::kTable: {
      size_t width = 0;
      for (const auto& [k, v] : object.items())
        width = std::max(width, k.size());
      for (const auto& [k, v] : object.items()) {
        out_ << k << ":" << std::string(width - k.size() + 1, ' ')
             << SanitizeForTerminal(Cell(v, ", ")) << "\n";
      }
      break;
    }
  }
  out_.flush();
}

void IndicatorWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (format_ == OutputFormat::kJson &&
      (kind_ != Kind::kNone || !wrote_object_)) {
    out_ << array_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
         << "\n";
  } else if (format_ == OutputFormat::kTable && table_ && !table_->empty()) {
    table_->Print(out_);
  }
  out_.flush();
}

}  // namespace csx::formats
