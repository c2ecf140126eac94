#include "client/formats/output.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/formats/csv_writer.h"
#include "client/formats/enum_names.h"
#include "client/formats/indicator_json.h"
#include "common/time_util.h"

namespace csx::formats {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxTableValueWidth = 60;
constexpr size_t kMaxTableTagsWidth = 30;

struct FormatName {
  absl::string_view name;
  OutputFormat format;
};

// Adding a format (stix, ...) is one line here plus its case in the writer.
constexpr FormatName kFormats[] = {
    {"table", OutputFormat::kTable},       {"json", OutputFormat::kJson},
    {"jsonl", OutputFormat::kJsonl},       {"csv", OutputFormat::kCsv},
    {"stix", OutputFormat::kStix},         {"zeek", OutputFormat::kZeek},
    {"suricata", OutputFormat::kSuricata}, {"rpz", OutputFormat::kRpz},
    {"nftables", OutputFormat::kNftables},
};

std::unique_ptr<RecordSink> NewSink(OutputFormat format, std::ostream& out) {
  switch (format) {
    case OutputFormat::kStix:
      return NewStixSink(out);
    case OutputFormat::kZeek:
      return NewProfileSink(FeedProfile::kZeek, out);
    case OutputFormat::kSuricata:
      return NewProfileSink(FeedProfile::kSuricata, out);
    case OutputFormat::kRpz:
      return NewProfileSink(FeedProfile::kRpz, out);
    case OutputFormat::kNftables:
      return NewProfileSink(FeedProfile::kNftables, out);
    default:
      return nullptr;
  }
}

// Never throws: invalid UTF-8 (which protobuf should already have refused)
// is replaced rather than aborting the output.
std::string Dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string Time(const google::protobuf::Timestamp& ts) {
  return IsSet(ts) ? csx::FormatTime(FromProto(ts)) : "";
}

std::string JoinList(
    const google::protobuf::RepeatedPtrField<std::string>& list,
    absl::string_view sep) {
  return absl::StrJoin(list.begin(), list.end(), sep);
}

// A JSON value as one cell of text: strings raw, arrays of scalars joined
// with `sep`, anything else nested as compact JSON.
std::string Cell(const Json& v, absl::string_view sep) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && std::none_of(v.begin(), v.end(), [](const Json& e) {
        return e.is_structured();
      })) {
    std::vector<std::string> parts;
    for (const Json& e : v) parts.push_back(Cell(e, sep));
    return absl::StrJoin(parts, sep);
  }
  return Dump(v, -1);
}

std::vector<std::string> TableHeaders(bool entries) {
  std::vector<std::string> h;
  if (entries) h = {"SEQ", "OP"};
  for (const char* c : {"ID", "TYPE", "VALUE", "TLP", "CONF", "SEV", "TAGS",
                        "ORIGIN", "MODIFIED", "FLAGS"}) {
    h.emplace_back(c);
  }
  return h;
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name) {
  const std::string lower =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  std::vector<absl::string_view> names;
  for (const FormatName& f : kFormats) {
    if (f.name == lower) return f.format;
    names.push_back(f.name);
  }
  const absl::string_view last = names.back();
  names.pop_back();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown output format '", name, "' (expected ",
                   absl::StrJoin(names, ", "), " or ", last, ")"));
}

std::string OutputFormatName(OutputFormat format) {
  for (const FormatName& f : kFormats) {
    if (f.format == format) return std::string(f.name);
  }
  return "";
}

const std::vector<std::string>& IndicatorCsvColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      "id",          "type",       "value",     "tlp",         "confidence",
      "severity",    "tags",       "sectors",   "description", "valid_from",
      "valid_until", "first_seen", "last_seen", "origin",      "created",
      "modified",    "version",    "revoked",   "sightings",   "warnings"};
  return *kColumns;
}

IndicatorWriter::IndicatorWriter(OutputFormat format, std::ostream& out)
    : format_(format), out_(out), sink_(NewSink(format, out)) {}

IndicatorWriter::~IndicatorWriter() = default;

void IndicatorWriter::Write(const v1::Indicator& indicator) {
  Add(indicator, nullptr);
}

void IndicatorWriter::WriteEntry(const v1::FeedEntry& entry) {
  Add(entry.indicator(), &entry);
}

void IndicatorWriter::Add(const v1::Indicator& indicator,
                          const v1::FeedEntry* entry) {
  const bool first = kind_ == Kind::kNone;
  if (first) kind_ = entry != nullptr ? Kind::kEntries : Kind::kIndicators;
  if (sink_ != nullptr) {
    sink_->Write(indicator, entry);
    return;
  }
  switch (format_) {
    case OutputFormat::kJsonl:
      WriteJsonLine(entry != nullptr ? FeedEntryToJson(*entry)
                                     : IndicatorToJson(indicator));
      break;
    case OutputFormat::kJson:
      array_.push_back(entry != nullptr ? FeedEntryToJson(*entry)
                                        : IndicatorToJson(indicator));
      break;
    case OutputFormat::kCsv:
      if (first) {
        std::vector<std::string> header;
        if (kind_ == Kind::kEntries) header = {"seq", "op"};
        const auto& cols = IndicatorCsvColumns();
        header.insert(header.end(), cols.begin(), cols.end());
        out_ << CsvRow(header);
      }
      out_ << CsvRow(CsvCells(indicator, entry));
      break;
    case OutputFormat::kTable:
      if (first) table_.emplace(TableHeaders(kind_ == Kind::kEntries));
      table_->AddRow(TableCells(indicator, entry));
      break;
    default:  // the sink formats, handled above
      break;
  }
}

std::vector<std::string> IndicatorWriter::CsvCells(
    const v1::Indicator& ind, const v1::FeedEntry* entry) const {
  std::vector<std::string> cells;
  if (kind_ == Kind::kEntries) {
    cells.push_back(entry != nullptr ? absl::StrCat(entry->seq()) : "");
    cells.push_back(entry != nullptr ? ChangeOpToString(entry->op()) : "");
  }
  std::vector<std::string> warnings;
  for (const v1::Warning& w : ind.warnings()) {
    warnings.push_back(absl::StrCat(w.list(), ": ", w.detail()));
  }
  for (std::string& c : std::vector<std::string>{
           ind.id(),
           TypeToString(ind.type()),
           ind.value(),
           TlpToString(ind.tlp()),
           absl::StrCat(ind.confidence()),
           SeverityToString(ind.severity()),
           JoinList(ind.tags(), ";"),
           JoinList(ind.sectors(), ";"),
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
           absl::StrJoin(warnings, ";"),
       }) {
    cells.push_back(std::move(c));
  }
  return cells;
}

std::vector<std::string> IndicatorWriter::TableCells(
    const v1::Indicator& ind, const v1::FeedEntry* entry) const {
  std::vector<std::string> cells;
  if (kind_ == Kind::kEntries) {
    cells.push_back(entry != nullptr ? absl::StrCat(entry->seq()) : "");
    cells.push_back(entry != nullptr ? ChangeOpToString(entry->op()) : "");
  }
  std::vector<std::string> flags;
  if (ind.revoked()) flags.push_back("REVOKED");
  if (ind.expired()) flags.push_back("EXPIRED");
  for (const v1::Warning& w : ind.warnings()) {
    flags.push_back(absl::StrCat("!", w.list()));
  }
  for (std::string& c : std::vector<std::string>{
           ind.id(),
           TypeToString(ind.type()),
           Truncate(ind.value(), kMaxTableValueWidth),
           TlpToString(ind.tlp()),
           absl::StrCat(ind.confidence()),
           SeverityToString(ind.severity()),
           Truncate(JoinList(ind.tags(), ","), kMaxTableTagsWidth),
           ind.origin(),
           Time(ind.modified()),
           absl::StrJoin(flags, " "),
       }) {
    cells.push_back(std::move(c));
  }
  return cells;
}

void IndicatorWriter::WriteJsonLine(const nlohmann::json& j) {
  out_ << Dump(j, -1) << '\n';
  out_.flush();
}

void IndicatorWriter::WriteObject(const nlohmann::json& object) {
  wrote_object_ = true;
  switch (format_) {
    case OutputFormat::kJsonl:
    case OutputFormat::kStix:  // results that are not indicators: JSON
    case OutputFormat::kZeek:
    case OutputFormat::kSuricata:
    case OutputFormat::kRpz:
    case OutputFormat::kNftables:
      WriteJsonLine(object);
      break;
    case OutputFormat::kJson:
      out_ << Dump(object, 2) << '\n';
      break;
    case OutputFormat::kCsv:
      if (!object.is_object()) {
        out_ << CsvRow({Cell(object, ";")});
        break;
      }
      out_ << CsvRow({"key", "value"});
      for (const auto& [key, v] : object.items()) {
        out_ << CsvRow({key, Cell(v, ";")});
      }
      break;
    case OutputFormat::kTable: {
      if (!object.is_object()) {
        out_ << SanitizeForTerminal(Cell(object, ", ")) << '\n';
        break;
      }
      size_t width = 0;
      for (const auto& [key, v] : object.items()) {
        width = std::max(width, DisplayWidth(key) + 1);
      }
      for (const auto& [key, v] : object.items()) {
        std::string line = SanitizeForTerminal(key) + ":";
        line.append(width + 1 - DisplayWidth(line), ' ');
        line += SanitizeForTerminal(Cell(v, ", "));
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out_ << line << '\n';
      }
      break;
    }
  }
  out_.flush();
}

void IndicatorWriter::EndBatch() {
  if (sink_ != nullptr) sink_->EndBatch();
  out_.flush();
}

void IndicatorWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (sink_ != nullptr) sink_->Finish();
  switch (format_) {
    case OutputFormat::kJson:
      if (kind_ != Kind::kNone || !wrote_object_) {
        out_ << Dump(array_, 2) << '\n';
      }
      break;
    case OutputFormat::kTable:
      if (table_.has_value()) table_->Print(out_);
      break;
    default:
      break;
  }
  out_.flush();
}

}  // namespace csx::formats
