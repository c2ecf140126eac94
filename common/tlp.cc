#include "common/tlp.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace csx {

absl::StatusOr<v1::Tlp> ParseTlp(absl::string_view text) {
  std::string s = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  absl::string_view v = s;
  absl::ConsumePrefix(&v, "TLP:");
  if (v == "CLEAR" || v == "WHITE") return v1::TLP_CLEAR;
  if (v == "GREEN") return v1::TLP_GREEN;
  if (v == "AMBER") return v1::TLP_AMBER;
  if (v == "AMBER+STRICT" || v == "AMBER_STRICT" || v == "AMBER-STRICT") {
    return v1::TLP_AMBER_STRICT;
  }
  if (v == "RED") return v1::TLP_RED;
  return absl::InvalidArgumentError(
      absl::StrCat("tlp: unknown TLP label '", text,
                   "' (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)"));
}

absl::string_view TlpName(v1::Tlp tlp) {
  switch (tlp) {
    case v1::TLP_CLEAR:
      return "CLEAR";
    case v1::TLP_GREEN:
      return "GREEN";
    case v1::TLP_AMBER:
      return "AMBER";
    case v1::TLP_AMBER_STRICT:
      return "AMBER+STRICT";
    case v1::TLP_RED:
      return "RED";
    default:
      return "";
  }
}

int TlpRank(v1::Tlp tlp) {
  switch (tlp) {
    case v1::TLP_CLEAR:
      return 0;
    case v1::TLP_GREEN:
      return 1;
    case v1::TLP_AMBER:
      return 2;
    case v1::TLP_AMBER_STRICT:
      return 3;
    case v1::TLP_RED:
      return 4;
    default:
      return -1;
  }
}

}  // namespace csx
