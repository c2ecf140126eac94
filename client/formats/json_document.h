// Parsing a whole JSON document for the STIX and MISP readers, and reading
// typed fields of it with field-level errors.
#ifndef CSX_CLIENT_FORMATS_JSON_DOCUMENT_H_
#define CSX_CLIENT_FORMATS_JSON_DOCUMENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"
#include "nlohmann/json.hpp"

namespace csx::formats {

// The document, or InvalidArgument "<format>: invalid JSON: <where and why>".
absl::StatusOr<nlohmann::json> ParseJsonDocument(absl::string_view content,
                                                 absl::string_view format);

// The string member `key` of `object` ("" when absent); InvalidArgument
// "<key>: expected a string" when present with another type.
absl::StatusOr<std::string> StringField(const nlohmann::json& object,
                                        absl::string_view key);

// Sets the time field `field` of `input` from the string member `key` of
// `object` when present.
absl::Status SetTimeField(const nlohmann::json& object, absl::string_view key,
                          absl::string_view field, v1::IndicatorInput* input);

// Appends the strings of the array member `key` to tags or sectors.
absl::Status AddStringList(const nlohmann::json& object, absl::string_view key,
                           absl::string_view field, v1::IndicatorInput* input);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_JSON_DOCUMENT_H_
