#include "client/formats/json_document.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "client/formats/input_fields.h"

namespace csx::formats {

absl::StatusOr<nlohmann::json> ParseJsonDocument(absl::string_view content,
                                                 absl::string_view format) {
  try {
    return nlohmann::json::parse(content.begin(), content.end());
  } catch (const nlohmann::json::exception& e) {
    // e.what() names the byte offset and the problem.
    return absl::InvalidArgumentError(
        absl::StrCat(format, ": invalid JSON: ", e.what()));
  }
}

absl::StatusOr<std::string> StringField(const nlohmann::json& object,
                                        absl::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": expected a string, got ", it->type_name()));
  }
  return it->get<std::string>();
}

absl::Status SetTimeField(const nlohmann::json& object, absl::string_view key,
                          absl::string_view field, v1::IndicatorInput* input) {
  auto text = StringField(object, key);
  if (!text.ok()) return text.status();
  if (text->empty()) return absl::OkStatus();
  absl::Status s = SetInputField(field, *text, input);
  if (!s.ok() && key != field) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " (", s.message(), ")"));
  }
  return s;
}

absl::Status AddStringList(const nlohmann::json& object, absl::string_view key,
                           absl::string_view field, v1::IndicatorInput* input) {
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": expected a list of strings"));
  }
  std::vector<std::string> items;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": expected a list of strings"));
    }
    items.push_back(v.get<std::string>());
  }
  return AddListItems(field, items, input);
}

}  // namespace csx::formats
