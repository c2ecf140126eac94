// SharingPolicy: the agreement engine. Decides, for an indicator and a
// partner org, whether the indicator may go to that partner and in what form
// (Share), and whether an indicator received from a partner is taken in
// (Accept), following SPEC sections 1 (TLP 2.0) and 3 (agreements, onward
// rule). Default deny: without an agreement in force nothing is shared or
// accepted. Every decision names the rule that made it (Explain).
//
// Pure and allocation-free on the decision path; thread-safe (immutable).
#ifndef CSX_SERVER_POLICY_SHARING_POLICY_H_
#define CSX_SERVER_POLICY_SHARING_POLICY_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csx/v1/indicator.pb.h"
#include "server/policy/agreement_set.h"

namespace csx {

enum class Rule {
  kAllowed,
  kNoAgreement,     // no agreement with the partner in force
  kRedNeverLeaves,  // TLP:RED
  kTlpAboveMax,     // above the agreement's max_tlp
  kTypeNotShared,
  kSectorNotShared,
  kBelowMinConfidence,
  kTooOld,  // modified before now - max_age
  kPartnerIsOrigin,
  kPartnerInPath,
  kOnwardNotGreen,        // received AMBER/AMBER+STRICT is never forwarded
  kNoSourceAgreement,     // no agreement in force with the org it came from
  kSourceNoRedistribute,  // that agreement does not allow redistribution
  kNoForwardThirdParty,   // the partner's agreement refuses third-party data
  kOwnOrgInPath,          // accept: the entry already passed through this node
  kWithdrawn,             // the node it came from withdrew it from this node
};

struct Decision {
  bool allowed = false;
  Rule rule = Rule::kNoAgreement;
  const AgreementTerms* terms = nullptr;  // the partner's agreement, if any
  const AgreementTerms* source =
      nullptr;  // onward rule: the source's agreement
};

class SharingPolicy {
 public:
  SharingPolicy(std::string node_org,
                std::shared_ptr<const AgreementSet> agreements);

  // May `ind` (as this node holds it) go to `partner` at `now`?
  Decision Share(const v1::Indicator& ind, absl::string_view partner,
                 absl::Time now) const;
  // The indicator as the partner receives it: reporter removed, and under
  // hide_source this node as origin and path.
  v1::Indicator SharedForm(const v1::Indicator& ind,
                           const Decision& decision) const;
  // The same, made of `ind` in place.
  void Shape(v1::Indicator& ind, const Decision& decision) const;
  // Is `ind`, received from `partner`, taken in at `now`?
  Decision Accept(const v1::Indicator& ind, absl::string_view partner,
                  absl::Time now) const;

  // One sentence naming the rule and the agreement.
  std::string Explain(const v1::Indicator& ind, absl::string_view partner,
                      const Decision& decision) const;

  // A stable snake_case name of the rule ("tlp_above_max").
  static absl::string_view RuleName(Rule rule);

  // The partner an indicator received by this node came from: the org just
  // before this node in its path ("" for this node's own indicators).
  absl::string_view ArrivedFrom(const v1::Indicator& ind) const;

  const std::string& node_org() const { return node_org_; }
  const AgreementSet& agreements() const { return *agreements_; }

 private:
  std::string node_org_;
  std::shared_ptr<const AgreementSet> agreements_;
};

}  // namespace csx

#endif  // CSX_SERVER_POLICY_SHARING_POLICY_H_
