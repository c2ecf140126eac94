// TLP 2.0 labels: parsing of the spellings operators and tools use, names,
// and the order from least to most restrictive. Pure; thread-safe.
#ifndef CSX_COMMON_TLP_H_
#define CSX_COMMON_TLP_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

// Accepts CLEAR, GREEN, AMBER, AMBER+STRICT, RED in any case, with an
// optional "TLP:" prefix; WHITE (TLP 1.0) means CLEAR; AMBER_STRICT and
// AMBER-STRICT are accepted. InvalidArgument "tlp: ..." otherwise.
absl::StatusOr<v1::Tlp> ParseTlp(absl::string_view text);
// "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"; "" for unspecified.
absl::string_view TlpName(v1::Tlp tlp);
// CLEAR 0 < GREEN 1 < AMBER 2 < AMBER+STRICT 3 < RED 4 (unspecified -1).
int TlpRank(v1::Tlp tlp);

}  // namespace csx

#endif  // CSX_COMMON_TLP_H_
