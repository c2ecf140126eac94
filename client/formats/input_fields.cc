#include "client/formats/input_fields.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/time_util.h"

namespace csx::formats {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// Protobuf refuses to serialise a string field holding invalid UTF-8, which
// would fail the whole batch on the wire; catch it here, per line.
absl::Status CheckUtf8(absl::string_view field, absl::string_view text) {
  if (IsValidUtf8(text)) return absl::OkStatus();
  return FieldError(field, "invalid UTF-8");
}

absl::Status SetTime(absl::string_view field, absl::string_view text,
                     google::protobuf::Timestamp* ts) {
  auto t = ParseTime(text);
  if (!t.ok()) return FieldError(field, t.status().message());
  *ts = ToProto(*t);
  return absl::OkStatus();
}

absl::Status SetString(absl::string_view field, absl::string_view text,
                       std::string* out) {
  absl::Status s = CheckUtf8(field, text);
  if (!s.ok()) return s;
  out->assign(text.data(), text.size());
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& InputFieldNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "type",       "value",       "tlp",        "confidence",
      "severity",   "tags",        "sectors",    "description",
      "valid_from", "valid_until", "first_seen", "last_seen"};
  return *kNames;
}

bool IsInputField(absl::string_view name) {
  const auto& names = InputFieldNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool IsOutputOnlyField(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {
      "id",       "origin",    "reporter", "created",
      "modified", "version",   "revoked",  "revoked_reason",
      "path",     "sightings", "expired",  "warnings",
      "seq",      "op",        "withdrawn"};
  return std::find(std::begin(kNames), std::end(kNames), name) !=
         std::end(kNames);
}

absl::Status SetInputField(absl::string_view field, absl::string_view text,
                           v1::IndicatorInput* input) {
  if (field == "description") {
    return SetString(field, text, input->mutable_description());
  }
  if (field == "tags" || field == "sectors") {
    return AddListItems(field, SplitList(text), input);
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (field == "type") return SetString(field, trimmed, input->mutable_type());
  if (field == "value") {
    return SetString(field, trimmed, input->mutable_value());
  }
  if (field == "tlp") return SetString(field, trimmed, input->mutable_tlp());
  if (field == "severity") {
    return SetString(field, trimmed, input->mutable_severity());
  }
  if (field == "confidence") {
    if (trimmed.empty()) return absl::OkStatus();
    int64_t n = 0;
    if (!absl::SimpleAtoi(trimmed, &n)) {
      absl::Status s = CheckUtf8(field, trimmed);
      if (!s.ok()) return s;
      return FieldError(field, absl::StrCat("not a number '", trimmed, "'"));
    }
    return SetConfidence(n, input);
  }
  const bool is_time = field == "valid_from" || field == "valid_until" ||
                       field == "first_seen" || field == "last_seen";
  if (is_time) {
    // Empty leaves the field unset: mutable_*() would mark it present.
    if (trimmed.empty()) return absl::OkStatus();
    absl::Status s = CheckUtf8(field, trimmed);
    if (!s.ok()) return s;
    if (field == "valid_from")
      return SetTime(field, trimmed, input->mutable_valid_from());
    if (field == "valid_until")
      return SetTime(field, trimmed, input->mutable_valid_until());
    if (field == "first_seen")
      return SetTime(field, trimmed, input->mutable_first_seen());
    return SetTime(field, trimmed, input->mutable_last_seen());
  }
  return FieldError(field, "unknown field");
}

absl::Status SetConfidence(int64_t value, v1::IndicatorInput* input) {
  if (value < 0 || value > 100) {
    return FieldError("confidence",
                      absl::StrCat(value, " is out of range 0..100"));
  }
  input->set_confidence(static_cast<uint32_t>(value));
  return absl::OkStatus();
}

absl::Status AddListItems(absl::string_view field,
                          const std::vector<std::string>& items,
                          v1::IndicatorInput* input) {
  google::protobuf::RepeatedPtrField<std::string>* list = nullptr;
  if (field == "tags") list = input->mutable_tags();
  if (field == "sectors") list = input->mutable_sectors();
  if (list == nullptr) return FieldError(field, "not a list field");
  for (const std::string& item : items) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(item);
    if (trimmed.empty()) continue;
    absl::Status s = CheckUtf8(field, trimmed);
    if (!s.ok()) return s;
    list->Add(std::string(trimmed));
  }
  return absl::OkStatus();
}

std::vector<std::string> SplitList(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ';')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

absl::Status CheckRequiredFields(const v1::IndicatorInput& input) {
  if (input.type().empty())
    return FieldError("type", "required field is empty");
  if (input.value().empty()) {
    return FieldError("value", "required field is empty");
  }
  return absl::OkStatus();
}

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead or beyond U+10FFFF
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += len;
  }
  return true;
}

}  // namespace csx::formats
