#include "client/formats/format_detect.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace csx::formats {
namespace {

// "stix" or "misp" when `content` is one JSON document of that kind, else "".
absl::string_view JsonDocumentKind(absl::string_view content) {
  const nlohmann::json doc =
      nlohmann::json::parse(content.begin(), content.end(), nullptr, false);
  if (doc.is_discarded()) return "";
  const nlohmann::json* first = &doc;
  if (doc.is_array()) {
    if (doc.empty() || !doc.front().is_object()) return "";
    first = &doc.front();
  }
  if (!first->is_object()) return "";
  if (first->contains("Event") || first->contains("response") ||
      (first->contains("Attribute") && first->contains("info")) ||
      (first->contains("Object") && !first->contains("type"))) {
    return "misp";
  }
  auto type = first->find("type");
  auto id = first->find("id");
  if (type != first->end() && type->is_string() &&
      (*type == "bundle" ||
       (id != first->end() && id->is_string() &&
        id->get<std::string>().find("--") != std::string::npos))) {
    return "stix";
  }
  return "";
}

// True when `content` opens like one JSON document rather than JSON lines:
// an array, or an object whose first line is not a whole object (a
// pretty-printed STIX bundle or MISP event).
bool LooksLikeJsonDocument(absl::string_view content) {
  if (content.empty()) return false;
  if (content.front() == '[') return true;
  if (content.front() != '{') return false;
  absl::string_view first_line = content.substr(0, content.find('\n'));
  return !nlohmann::json::accept(first_line.begin(), first_line.end());
}

// The error for a JSON document that does not parse (a truncated download,
// a file cut short), naming the byte where parsing stopped.
absl::Status InvalidJsonDocument(absl::string_view path,
                                 absl::string_view content) {
  std::string why = "not valid JSON";
  try {
    const nlohmann::json doc =
        nlohmann::json::parse(content.begin(), content.end());
    why = absl::StrCat("not one JSON document (", doc.type_name(), ")");
  } catch (const nlohmann::json::parse_error& e) {
    why = absl::StrCat("not valid JSON at byte ", e.byte);
  } catch (const nlohmann::json::exception& e) {
    // A number out of range and the like: no byte position to give.
    why = absl::StrCat("not valid JSON (", e.what(), ")");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", path, "' is ", why,
      " (a truncated STIX bundle or MISP event?); nothing was submitted"));
}

}  // namespace

absl::StatusOr<std::string> DetectFormat(absl::string_view path,
                                         absl::string_view content) {
  // Only the file name's extension counts, not a dot in a directory name.
  absl::string_view name = path;
  if (const size_t slash = name.find_last_of('/');
      slash != absl::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  if (const size_t dot = name.find_last_of('.');
      dot != absl::string_view::npos && dot > 0) {
    const std::string ext = absl::AsciiStrToLower(name.substr(dot + 1));
    if (ext == "csv") return std::string("csv");
    if (ext == "jsonl" || ext == "ndjson") return std::string("jsonl");
    if (ext == "json") {
      auto kind = JsonDocumentKind(content);
      if (!kind.empty()) return std::string(kind);
      absl::string_view body = absl::StripLeadingAsciiWhitespace(content);
      if (LooksLikeJsonDocument(body) &&
          !nlohmann::json::accept(body.begin(), body.end())) {
        return InvalidJsonDocument(path, body);
      }
      return std::string("jsonl");
    }
  }
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  content = absl::StripLeadingAsciiWhitespace(content);
  if (!content.empty() && (content.front() == '{' || content.front() == '[')) {
    auto kind = JsonDocumentKind(content);
    if (!kind.empty()) return std::string(kind);
    if (LooksLikeJsonDocument(content) &&
        !nlohmann::json::accept(content.begin(), content.end())) {
      return InvalidJsonDocument(path, content);
    }
    return std::string("jsonl");
  }
  if (content.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot detect the format of '", path,
                     "': input is empty (use --format csv or jsonl)"));
  }
  return std::string(content.front() == '{' ? "jsonl" : "csv");
}

}  // namespace csx::formats
