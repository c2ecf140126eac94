// Text names of the model's enums as the CLI prints them (SPEC section 1).
//
// A private copy for the client's formats, so they do not depend on the
// server-side canonicalisation code. All functions are pure and thread-safe.
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
