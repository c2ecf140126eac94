#include "client/formats/enum_names.h"

#include "absl/strings/str_cat.h"
#include "common/canonical.h"
#include "common/severity.h"
#include "common/tlp.h"

namespace csx::formats {
namespace {

// The common name, or the number of a value this build does not know.
std::string OrNumber(absl::string_view name, int value) {
  if (!name.empty() || value == 0) return std::string(name);
  return absl::StrCat(value);
}

}  // namespace

std::string TypeToString(v1::IndicatorType type) {
  return OrNumber(IndicatorTypeName(type), static_cast<int>(type));
}

std::string TlpToString(v1::Tlp tlp) {
  return OrNumber(TlpName(tlp), static_cast<int>(tlp));
}

std::string SeverityToString(v1::Severity severity) {
  return OrNumber(SeverityName(severity), static_cast<int>(severity));
}

std::string ChangeOpToString(v1::ChangeOp op) {
  switch (op) {
    case v1::OP_UPSERT:
      return "upsert";
    case v1::OP_REVOKE:
      return "revoke";
    case v1::OP_EXPIRE:
      return "expire";
    case v1::OP_SIGHTING:
      return "sighting";
    default:
      return OrNumber("", static_cast<int>(op));
  }
}

}  // namespace csx::formats
