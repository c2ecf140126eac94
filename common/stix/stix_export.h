// STIX 2.1 export of indicators: one STIX object per indicator (an
// `indicator` with a STIX pattern, or a `vulnerability` for a CVE), TLP 2.0
// marking definitions, and an `identity` per origin org.
//
// Ids are stable: the same indicator gets the same STIX id in every export
// ("indicator--<id>"), and an org the same identity id (a name-based UUID).
#ifndef CSX_COMMON_STIX_STIX_EXPORT_H_
#define CSX_COMMON_STIX_STIX_EXPORT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/withdrawal.h"
#include "csx/v1/indicator.pb.h"
#include "nlohmann/json.hpp"

namespace csx::stix {

// "indicator--<indicator.id()>", or "vulnerability--<indicator.id()>" for a
// cve.
std::string StixId(const v1::Indicator& indicator);

using ::csx::IsWithdrawal;

// The STIX 2.1 SDO of one indicator; a withdrawal becomes the same object
// with revoked: true, x_csx_withdrawn: true and a pattern that names the
// withdrawn id. Fields without a STIX property travel
// as custom properties x_csx_severity, x_csx_sectors, x_csx_origin,
// x_csx_path, x_csx_version, x_csx_revoked_reason, x_csx_warnings,
// x_csx_first_seen, x_csx_last_seen, x_csx_sightings, x_csx_expired (each
// only when set).
nlohmann::json ToStixObject(const v1::Indicator& indicator);

// UTC with millisecond precision: 2026-01-02T03:04:05.678Z.
std::string StixTimestamp(absl::Time t);

// The marking-definition id of a TLP 2.0 label ("" for TLP_UNSPECIFIED).
absl::string_view TlpMarkingId(v1::Tlp tlp);

// The TLP of a marking-definition id: the TLP 2.0 ids and the TLP 1.0 ids
// of the STIX 2.1 specification (WHITE -> CLEAR). TLP_UNSPECIFIED when
// unknown.
v1::Tlp TlpOfMarkingId(absl::string_view id);

// The TLP 2.0 marking-definition object of a label.
nlohmann::json TlpMarkingDefinition(v1::Tlp tlp);

// The identity id of an org (stable).
std::string IdentityId(absl::string_view org);

// Collects indicators and writes a bundle holding each object once, plus
// the marking definitions and identities they reference, each once.
class BundleBuilder {
 public:
  void Add(const v1::Indicator& indicator);
  size_t size() const { return objects_.size(); }
  // {"type":"bundle","id":"bundle--<random uuid>","objects":[...]}.
  nlohmann::json Build() const;
  void Clear();

 private:
  std::vector<nlohmann::json> objects_;
  std::vector<std::string> ids_;  // STIX ids of objects_, for dedup
  std::vector<v1::Tlp> tlps_;
  std::vector<std::string> orgs_;
};

}  // namespace csx::stix

#endif  // CSX_COMMON_STIX_STIX_EXPORT_H_
