// Indicator types and the canonical form of their values (SPEC section 1):
// every value is validated and stored in one spelling, so that the dedup key
// (type, value, origin) finds resubmissions however they were written.
// Pure functions; thread-safe.
#ifndef CSX_COMMON_CANONICAL_H_
#define CSX_COMMON_CANONICAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

// "ipv4", "IPv6", "sha256"... (case-insensitive). InvalidArgument "type: ...".
absl::StatusOr<v1::IndicatorType> ParseIndicatorType(absl::string_view name);
// The lower-case name; "" for TYPE_UNSPECIFIED.
absl::string_view IndicatorTypeName(v1::IndicatorType type);

// The canonical form of `value` (surrounding white space ignored), or
// InvalidArgument "value: <reason>".
absl::StatusOr<std::string> Canonicalize(v1::IndicatorType type,
                                         absl::string_view value);

// Domain names alone (used by url and email too): lower case, no trailing
// dot, IDN to A-labels, valid labels. InvalidArgument "<reason>" without a
// field prefix.
absl::StatusOr<std::string> CanonicalDomain(absl::string_view host);

}  // namespace csx

#endif  // CSX_COMMON_CANONICAL_H_
