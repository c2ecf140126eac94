// The JSON form of indicators and feed entries printed by `csx --output
// json|jsonl` (SPEC section 1 field names). Pure functions, thread-safe.
#ifndef CSX_CLIENT_FORMATS_INDICATOR_JSON_H_
#define CSX_CLIENT_FORMATS_INDICATOR_JSON_H_

#include "csx/v1/indicator.pb.h"
#include "csx/v1/service.pb.h"
#include "nlohmann/json.hpp"

namespace csx::formats {

// Returns the indicator as a JSON object with the keys id, type ("ipv4"),
// value, tlp ("AMBER+STRICT"), confidence, severity ("high"), tags [],
// sectors [], description, valid_from, valid_until, first_seen, last_seen,
// created, modified (RFC 3339 UTC strings with milliseconds; each omitted
// when unset), origin, reporter (omitted when empty), version, revoked,
// revoked_reason (omitted when empty), path [], sightings {count, last
// (omitted when unset)}, expired, warnings [{list, detail}].
// nlohmann::json objects keep their keys sorted, so output is stable.
nlohmann::json IndicatorToJson(const v1::Indicator& indicator);

// Returns {"seq": N, "op": "upsert", "time": "...", "indicator": {...}};
// time is omitted when unset.
nlohmann::json FeedEntryToJson(const v1::FeedEntry& entry);

}  // namespace csx::formats

#endif  // CSX_CLIENT_FORMATS_INDICATOR_JSON_H_
