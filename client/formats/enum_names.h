// Text names of the model's enums as the CLI prints them (SPEC section 1).
//
// The names come from common/ (canonical.h, tlp.h, severity.h); a value a
// newer server sends that this build does not know prints as its number.
// All functions are pure and thread-safe.
#ifndef CSX_CLIENT_FORMATS_ENUM_NAMES_H_
#define CSX_CLIENT_FORMATS_ENUM_NAMES_H_

#include <string>

#include "csx/v1/indicator.pb.h"
#include "csx/v1/service.pb.h"

namespace csx::formats {

// "ipv4", "domain", ... (the lower-case enum name).
std::string TypeToString(v1::IndicatorType type);
// "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED".
std::string TlpToString(v1::Tlp tlp);
// "info", "low", "medium", "high", "critical".
std::string SeverityToString(v1::Severity severity);
// "upsert", "revoke", "expire", "sighting".
std::string ChangeOpToString(v1::ChangeOp op);

// Each function returns "" for the UNSPECIFIED value and the decimal number
// for a value this build does not know (a newer server's enum).

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_ENUM_NAMES_H_
