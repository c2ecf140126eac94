// Turns client input into stored indicators: validation and canonical form
// of every field (ValidateInput), creation of a new indicator (NewIndicator)
// and the merge of a resubmission into the stored one (Merge).
// Pure functions; thread-safe.
#ifndef CSX_SERVER_CORE_INDICATOR_BUILDER_H_
#define CSX_SERVER_CORE_INDICATOR_BUILDER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

// An IndicatorInput with every field checked; optional fields were not given.
struct ValidInput {
  v1::IndicatorType type = v1::TYPE_UNSPECIFIED;
  std::string value;  // canonical
  std::optional<v1::Tlp> tlp;
  std::optional<uint32_t> confidence;
  std::optional<v1::Severity> severity;
  std::vector<std::string> tags;
  std::vector<std::string> sectors;
  std::string description;
  std::optional<absl::Time> valid_from, valid_until, first_seen, last_seen;
};

inline constexpr v1::Tlp kDefaultTlp = v1::TLP_AMBER;
inline constexpr uint32_t kDefaultConfidence = 50;
inline constexpr v1::Severity kDefaultSeverity = v1::SEVERITY_MEDIUM;

// InvalidArgument "field: reason" for the first bad field.
absl::StatusOr<ValidInput> ValidateInput(const v1::IndicatorInput& in);

// A new indicator of `origin` with defaults applied.
v1::Indicator NewIndicator(const ValidInput& in, std::string id,
                           std::string origin, std::string reporter,
                           absl::Time now);

// `existing` updated by a resubmission (SPEC 1): last_seen moves forward,
// first_seen back; confidence, severity, description and validity take the
// submitted values when given; tags and sectors are merged; the TLP only ever
// becomes stricter; a revoked or expired indicator becomes active again when
// the new validity allows it; version increments.
v1::Indicator Merge(const v1::Indicator& existing, const ValidInput& in,
                    absl::Time now);

}  // namespace csx

#endif  // CSX_SERVER_CORE_INDICATOR_BUILDER_H_
