#include "client/formats/jsonl_reader.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/formats/input_fields.h"
#include "nlohmann/json.hpp"

namespace csx::formats {
namespace {

using Json = nlohmann::json;

absl::Status FieldError(absl::string_view prefix, absl::string_view field,
                        absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(prefix, field, ": ", what));
}

// Prefixes a field error from SetInputField (already "field: ...") for a
// nested indicator.
absl::Status Nest(absl::string_view prefix, const absl::Status& s) {
  if (s.ok() || prefix.empty()) return s;
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

absl::Status SetFromJson(absl::string_view prefix, const std::string& key,
                         const Json& v, v1::IndicatorInput* input) {
  if (v.is_null()) return absl::OkStatus();
  if (key == "confidence") {
    if (v.is_number_unsigned()) {
      const uint64_t n = v.get<uint64_t>();
      if (n > 100) {
        return FieldError(prefix, key,
                          absl::StrCat(n, " is out of range 0..100"));
      }
      return Nest(prefix, SetConfidence(static_cast<int64_t>(n), input));
    }
    if (v.is_number_integer()) {
      return Nest(prefix, SetConfidence(v.get<int64_t>(), input));
    }
    return FieldError(
        prefix, key,
        absl::StrCat("expected an integer 0..100, got ",
                     v.is_number() ? "a fraction" : v.type_name()));
  }
  if (key == "tags" || key == "sectors") {
    if (v.is_string()) {
      return Nest(prefix, SetInputField(key, v.get<std::string>(), input));
    }
    std::vector<std::string> items;
    bool ok = v.is_array();
    if (ok) {
      for (const Json& item : v) {
        if (!item.is_string()) {
          ok = false;
          break;
        }
        items.push_back(item.get<std::string>());
      }
    }
    if (!ok) {
      return FieldError(prefix, key,
                        "expected an array of strings or a ';'-separated "
                        "string");
    }
    return Nest(prefix, AddListItems(key, items, input));
  }
  if (!v.is_string()) {
    return FieldError(prefix, key,
                      absl::StrCat("expected a string, got ", v.type_name()));
  }
  return Nest(prefix, SetInputField(key, v.get<std::string>(), input));
}

// Reads the submittable fields of an indicator object. `prefix` is "" for a
// top-level indicator and "indicator." inside a feed entry.
absl::Status ReadIndicator(absl::string_view prefix, const Json& obj,
                           v1::IndicatorInput* input) {
  for (const auto& [key, v] : obj.items()) {
    if (IsInputField(key)) {
      absl::Status s = SetFromJson(prefix, key, v, input);
      if (!s.ok()) return s;
    } else if (!IsOutputOnlyField(key)) {
      return FieldError(prefix, key, "unknown field");
    }
  }
  return Nest(prefix, CheckRequiredFields(*input));
}

absl::StatusOr<v1::IndicatorInput> ParseLine(absl::string_view line) {
  Json j;
  try {
    j = Json::parse(line.begin(), line.end());
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("json: invalid JSON at column ", e.byte));
  } catch (const Json::exception& e) {
    // A number out of range and the like (found by jsonl_fuzz).
    return absl::InvalidArgumentError(
        absl::StrCat("json: invalid JSON: ", e.what()));
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("json: expected an object, got ", j.type_name()));
  }
  v1::IndicatorInput input;
  if (!j.contains("indicator")) {
    absl::Status s = ReadIndicator("", j, &input);
    if (!s.ok()) return s;
    return input;
  }
  // A feed entry: its envelope keys are known, the indicator holds the data.
  for (const auto& [key, v] : j.items()) {
    if (key != "seq" && key != "op" && key != "time" && key != "indicator") {
      return FieldError("", key, "unknown field");
    }
  }
  const Json& ind = j["indicator"];
  if (!ind.is_object()) {
    return FieldError(
        "", "indicator",
        absl::StrCat("expected an object, got ", ind.type_name()));
  }
  absl::Status s = ReadIndicator("indicator.", ind, &input);
  if (!s.ok()) return s;
  return input;
}

}  // namespace

std::vector<InputRecord> ReadJsonl(absl::string_view content) {
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  std::vector<InputRecord> records;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_no;
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    InputRecord r;
    r.line = line_no;
    r.input = ParseLine(line);
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace csx::formats
