// STIX patterns for indicator values: building the simple comparison an
// indicator exports as, and reading patterns back into (type, value) terms.
#ifndef CSX_COMMON_STIX_STIX_PATTERN_H_
#define CSX_COMMON_STIX_STIX_PATTERN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"

namespace csx::stix {

// "[ipv4-addr:value = '192.0.2.1']" for (IPV4, "192.0.2.1"); cidr as the
// ipv4-addr/ipv6-addr value with its prefix; hashes as
// file:hashes.'SHA-256'; asn as autonomous-system:number. String literals
// escape ' and \. Empty for cve (a vulnerability, not a pattern).
std::string PatternFor(v1::IndicatorType type, absl::string_view value);

struct PatternTerm {
  std::string type;  // our type name: "ipv4", "cidr", "domain", ...
  std::string value;
};

// The terms of a pattern made of simple equality comparisons joined by OR,
// within one observation or across observations ("[a] OR [b]").
// InvalidArgument naming what is not supported otherwise (AND, FOLLOWEDBY,
// qualifiers, other operators, object paths without a type here).
absl::StatusOr<std::vector<PatternTerm>> ParsePattern(
    absl::string_view pattern);

}  // namespace csx::stix

#endif  // CSX_COMMON_STIX_STIX_PATTERN_H_
