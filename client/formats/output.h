// Renders command results for `csx --output table|json|jsonl|csv`.
//
// IndicatorWriter is the one place that turns indicators, feed entries and
// other results (status, summaries) into the chosen output format:
//   jsonl  one compact JSON object per line, written and flushed at once
//          (suits `csx pull --follow | jq`);
//   json   one pretty JSON array of everything written, printed by Finish;
//   csv    a header row, then one RFC 4180 row per item, written at once;
//          lists joined with ';'; readable again by ReadCsv;
//   table  aligned columns for people, buffered and printed by Finish:
//          ID TYPE VALUE TLP CONF SEV TAGS ORIGIN MODIFIED FLAGS (SEQ OP
//          first for feed entries); VALUE cut to 60 and TAGS to 30 code
//          points with "…"; FLAGS holds REVOKED, EXPIRED and "!<list>" per
//          warninglist hit; control characters are shown as '?'.
// Objects given to WriteObject are printed and flushed at once in every
// format.
//
// Not thread-safe. The stream is borrowed and must outlive the writer.
#ifndef CSX_CLIENT_FORMATS_OUTPUT_H_
#define CSX_CLIENT_FORMATS_OUTPUT_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/formats/record_sink.h"
#include "client/formats/text_table.h"
#include "csx/v1/indicator.pb.h"
#include "csx/v1/service.pb.h"
#include "nlohmann/json.hpp"

namespace csx::formats {

enum class OutputFormat {
  kTable,
  kJson,
  kJsonl,
  kCsv,
  kStix,
  kZeek,
  kSuricata,
  kRpz,
  kNftables,
};

// Parses an --output value ("table", "json", "jsonl", "csv", "stix",
// "zeek", "suricata", "rpz", "nftables"; case-insensitive, surrounding blanks
// ignored). Fails with InvalidArgument "unknown output format 'x' (expected
// table, json, ...)".
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name);

// The --output name of `format` ("table", ...).
std::string OutputFormatName(OutputFormat format);

// The CSV columns IndicatorWriter writes for an indicator: id, type, value,
// tlp, confidence, severity, tags, sectors, description, valid_from,
// valid_until, first_seen, last_seen, origin, created, modified, version,
// revoked, sightings, warnings. Feed entries prepend seq, op.
const std::vector<std::string>& IndicatorCsvColumns();

class IndicatorWriter {
 public:
  IndicatorWriter(OutputFormat format, std::ostream& out);
  IndicatorWriter(const IndicatorWriter&) = delete;
  IndicatorWriter& operator=(const IndicatorWriter&) = delete;
  // Does not call Finish: output buffered for json and table is dropped.
  ~IndicatorWriter();

  // Writes one indicator. In csv and table the first Write or WriteEntry
  // fixes the columns: indicator columns, or seq, op + indicator columns
  // (an indicator written after entries gets empty seq and op).
  void Write(const v1::Indicator& indicator);

  // Writes one feed entry ({"seq","op","time","indicator"} in JSON).
  void WriteEntry(const v1::FeedEntry& entry);

  // Writes a non-indicator result at once: json pretty, jsonl one compact
  // line, table "key: value" lines with aligned values, csv a "key,value"
  // header and one row per key. Nested arrays of scalars are joined with
  // ", " (table) or ';' (csv); other nested values are compact JSON.
  void WriteObject(const nlohmann::json& object);

  // Marks the end of one pulled batch: everything of it is on the stream
  // afterwards (stix prints the batch's bundle here).
  void EndBatch();

  // True for json and table, which print nothing before Finish().
  bool BuffersUntilFinish() const {
    return format_ == OutputFormat::kJson || format_ == OutputFormat::kTable;
  }

  // Prints what json and table buffered: the json array ("[]" when nothing
  // was written, unless only WriteObject was used) or the table (nothing
  // when empty). Call once at the end; later calls do nothing.
  void Finish();

 private:
  enum class Kind { kNone, kIndicators, kEntries };

  void Add(const v1::Indicator& indicator, const v1::FeedEntry* entry);
  void WriteJsonLine(const nlohmann::json& j);
  std::vector<std::string> CsvCells(const v1::Indicator& indicator,
                                    const v1::FeedEntry* entry) const;
  std::vector<std::string> TableCells(const v1::Indicator& indicator,
                                      const v1::FeedEntry* entry) const;

  const OutputFormat format_;
  std::ostream& out_;
  Kind kind_ = Kind::kNone;  // fixed by the first Write/WriteEntry
  bool wrote_object_ = false;
  bool finished_ = false;
  nlohmann::json array_ = nlohmann::json::array();  // json
  std::optional<TextTable> table_;                  // table
  std::unique_ptr<RecordSink> sink_;                // stix and profiles
};

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_OUTPUT_H_
