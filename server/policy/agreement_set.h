// AgreementSet: the node's bilateral agreements (SPEC section 3), parsed
// once from the config into the form the policy engine evaluates quickly.
//
// Thread-safety: immutable after Create(); share it freely (the node swaps
// the whole set on reload).
#ifndef CSX_SERVER_POLICY_AGREEMENT_SET_H_
#define CSX_SERVER_POLICY_AGREEMENT_SET_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csx/v1/config.pb.h"
#include "csx/v1/indicator.pb.h"

namespace csx {

struct ShareTerms {
  v1::Tlp max_tlp = v1::TLP_CLEAR;   // absent: CLEAR only
  uint32_t types = 0;                // bit per IndicatorType; 0 = all
  std::vector<std::string> sectors;  // empty = any
  uint32_t min_confidence = 0;
  bool forward_third_party = false;
  bool hide_source = false;
  std::optional<absl::Duration> max_age;
};

struct AcceptTerms {
  v1::Tlp max_tlp = v1::TLP_CLEAR;
  uint32_t types = 0;
  bool redistribute = false;
  bool report_sightings = false;
};

struct AgreementTerms {
  std::string id;
  std::string partner;
  std::string title;
  absl::Time effective_from = absl::InfinitePast();
  absl::Time expires = absl::InfiniteFuture();  // not in force at or after
  ShareTerms share;
  AcceptTerms accept;

  bool InForceAt(absl::Time t) const {
    return t >= effective_from && t < expires;
  }
};

// Bit of `type` in ShareTerms::types / AcceptTerms::types.
inline uint32_t TypeBit(v1::IndicatorType type) {
  return 1u << static_cast<int>(type);
}

class AgreementSet {
 public:
  AgreementSet() = default;
  // InvalidArgument naming agreements[i].key for a bad entry (the config
  // validator reports the same errors earlier).
  static absl::StatusOr<AgreementSet> Create(
      const google::protobuf::RepeatedPtrField<v1::Agreement>& agreements);

  // The agreement with `partner` in force at `t`, or null.
  const AgreementTerms* InForce(absl::string_view partner, absl::Time t) const;
  const std::vector<AgreementTerms>& all() const { return all_; }

 private:
  std::vector<AgreementTerms> all_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_partner_;
};

}  // namespace csx

#endif  // CSX_SERVER_POLICY_AGREEMENT_SET_H_
