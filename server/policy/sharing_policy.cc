#include "server/policy/sharing_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/canonical.h"
#include "common/time_util.h"
#include "common/tlp.h"

namespace csx {
namespace {

Decision Deny(Rule rule, const AgreementTerms* terms,
              const AgreementTerms* source = nullptr) {
  return Decision{false, rule, terms, source};
}

bool InPath(const v1::Indicator& ind, absl::string_view org) {
  return std::find(ind.path().begin(), ind.path().end(), org) !=
         ind.path().end();
}

bool TypeAllowed(uint32_t mask, v1::IndicatorType type) {
  return mask == 0 || (mask & TypeBit(type)) != 0;
}

}  // namespace

SharingPolicy::SharingPolicy(std::string node_org,
                             std::shared_ptr<const AgreementSet> agreements)
    : node_org_(std::move(node_org)), agreements_(std::move(agreements)) {}

absl::string_view SharingPolicy::ArrivedFrom(const v1::Indicator& ind) const {
  if (ind.origin() == node_org_) return "";
  const auto& path = ind.path();
  for (int i = path.size() - 1; i > 0; --i) {
    if (path[i] == node_org_) return path[i - 1];
  }
  return path.empty() ? absl::string_view(ind.origin())
                      : absl::string_view(path[path.size() - 1]);
}

Decision SharingPolicy::Share(const v1::Indicator& ind,
                              absl::string_view partner, absl::Time now) const {
  const AgreementTerms* terms = agreements_->InForce(partner, now);
  if (terms == nullptr) return Deny(Rule::kNoAgreement, nullptr);
  if (ind.withdrawn()) return Deny(Rule::kWithdrawn, terms);
  if (ind.tlp() == v1::TLP_RED || ind.tlp() == v1::TLP_UNSPECIFIED) {
    return Deny(Rule::kRedNeverLeaves, terms);
  }
  if (TlpRank(ind.tlp()) > TlpRank(terms->share.max_tlp))
    return Deny(Rule::kTlpAboveMax, terms);
  if (!TypeAllowed(terms->share.types, ind.type()))
    return Deny(Rule::kTypeNotShared, terms);
  if (!terms->share.sectors.empty()) {
    bool any = false;
    for (const auto& s : ind.sectors()) {
      if (std::find(terms->share.sectors.begin(), terms->share.sectors.end(),
                    s) != terms->share.sectors.end()) {
        any = true;
        break;
      }
    }
    if (!any) return Deny(Rule::kSectorNotShared, terms);
  }
  if (ind.confidence() < terms->share.min_confidence) {
    return Deny(Rule::kBelowMinConfidence, terms);
  }
  if (terms->share.max_age &&
      FromProto(ind.modified()) < now - *terms->share.max_age) {
    return Deny(Rule::kTooOld, terms);
  }
  if (ind.origin() == partner) return Deny(Rule::kPartnerIsOrigin, terms);
  if (InPath(ind, partner)) return Deny(Rule::kPartnerInPath, terms);
  if (ind.origin() != node_org_) {
    // The onward rule: data received from another partner.
    if (ind.tlp() != v1::TLP_GREEN && ind.tlp() != v1::TLP_CLEAR) {
      return Deny(Rule::kOnwardNotGreen, terms);
    }
    const AgreementTerms* source = agreements_->InForce(ArrivedFrom(ind), now);
    if (source == nullptr) return Deny(Rule::kNoSourceAgreement, terms);
    if (!source->accept.redistribute)
      return Deny(Rule::kSourceNoRedistribute, terms, source);
    if (!terms->share.forward_third_party) {
      return Deny(Rule::kNoForwardThirdParty, terms, source);
    }
    return Decision{true, Rule::kAllowed, terms, source};
  }
  return Decision{true, Rule::kAllowed, terms, nullptr};
}

v1::Indicator SharingPolicy::SharedForm(const v1::Indicator& ind,
                                        const Decision& d) const {
  v1::Indicator out = ind;
  Shape(out, d);
  return out;
}

void SharingPolicy::Shape(v1::Indicator& ind, const Decision& d) const {
  ind.clear_reporter();
  if (d.terms != nullptr && d.terms->share.hide_source &&
      ind.origin() != node_org_) {
    ind.set_origin(node_org_);
    ind.clear_path();
    ind.add_path(node_org_);
  }
}

Decision SharingPolicy::Accept(const v1::Indicator& ind,
                               absl::string_view partner,
                               absl::Time now) const {
  const AgreementTerms* terms = agreements_->InForce(partner, now);
  if (terms == nullptr) return Deny(Rule::kNoAgreement, nullptr);
  if (InPath(ind, node_org_) || ind.origin() == node_org_) {
    return Deny(Rule::kOwnOrgInPath, terms);
  }
  if (ind.tlp() == v1::TLP_RED || ind.tlp() == v1::TLP_UNSPECIFIED) {
    return Deny(Rule::kRedNeverLeaves, terms);
  }
  if (TlpRank(ind.tlp()) > TlpRank(terms->accept.max_tlp))
    return Deny(Rule::kTlpAboveMax, terms);
  if (!TypeAllowed(terms->accept.types, ind.type()))
    return Deny(Rule::kTypeNotShared, terms);
  return Decision{true, Rule::kAllowed, terms, nullptr};
}

absl::string_view SharingPolicy::RuleName(Rule rule) {
  switch (rule) {
    case Rule::kAllowed:
      return "allowed";
    case Rule::kNoAgreement:
      return "no_agreement";
    case Rule::kRedNeverLeaves:
      return "tlp_red";
    case Rule::kTlpAboveMax:
      return "tlp_above_max";
    case Rule::kTypeNotShared:
      return "type";
    case Rule::kSectorNotShared:
      return "sector";
    case Rule::kBelowMinConfidence:
      return "min_confidence";
    case Rule::kTooOld:
      return "max_age";
    case Rule::kPartnerIsOrigin:
      return "partner_is_origin";
    case Rule::kPartnerInPath:
      return "partner_in_path";
    case Rule::kOnwardNotGreen:
      return "onward_tlp";
    case Rule::kNoSourceAgreement:
      return "onward_no_source_agreement";
    case Rule::kSourceNoRedistribute:
      return "onward_no_redistribute";
    case Rule::kNoForwardThirdParty:
      return "onward_no_forward_third_party";
    case Rule::kOwnOrgInPath:
      return "loop";
    case Rule::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
}

std::string SharingPolicy::Explain(const v1::Indicator& ind,
                                   absl::string_view partner,
                                   const Decision& d) const {
  const std::string ag = d.terms ? absl::StrCat("agreement ", d.terms->id) : "";
  const std::string tlp(TlpName(ind.tlp()));
  switch (d.rule) {
    case Rule::kAllowed:
      if (d.source != nullptr) {
        return absl::StrCat(
            "shared with ", partner, " under ", ag, " (onward rule: TLP:", tlp,
            " from ", ArrivedFrom(ind), ", agreement ", d.source->id,
            " allows redistribution, ", ag, " allows third-party data)");
      }
      return absl::StrCat("shared with ", partner, " under ", ag, ": TLP:", tlp,
                          " within max_tlp ", TlpName(d.terms->share.max_tlp),
                          ", type, sector, confidence and age", " admitted",
                          d.terms->share.hide_source ? " (source hidden)" : "");
    case Rule::kNoAgreement:
      return absl::StrCat("refused: no agreement with ", partner,
                          " is in force (default deny)");
    case Rule::kRedNeverLeaves:
      return "refused: TLP:RED never leaves the node that holds it";
    case Rule::kTlpAboveMax:
      return absl::StrCat("refused: TLP:", tlp, " is above max_tlp ",
                          TlpName(d.terms->share.max_tlp), " of ", ag);
    case Rule::kTypeNotShared:
      return absl::StrCat("refused: type ", IndicatorTypeName(ind.type()),
                          " is not in the types of ", ag);
    case Rule::kSectorNotShared:
      return absl::StrCat(
          "refused: sectors [", absl::StrJoin(ind.sectors(), ", "),
          "] match none of [", absl::StrJoin(d.terms->share.sectors, ", "),
          "] of ", ag);
    case Rule::kBelowMinConfidence:
      return absl::StrCat("refused: confidence ", ind.confidence(),
                          " is below min_confidence ",
                          d.terms->share.min_confidence, " of ", ag);
    case Rule::kTooOld:
      return absl::StrCat(
          "refused: last modified ", csx::FormatTime(FromProto(ind.modified())),
          ", outside max_age ", absl::FormatDuration(*d.terms->share.max_age),
          " of ", ag);
    case Rule::kPartnerIsOrigin:
      return absl::StrCat("refused: ", partner,
                          " is the origin of the indicator");
    case Rule::kPartnerInPath:
      return absl::StrCat("refused: ", partner, " is already in the path [",
                          absl::StrJoin(ind.path(), ", "), "]");
    case Rule::kOnwardNotGreen:
      return absl::StrCat(
          "refused: received from ", ArrivedFrom(ind), " as TLP:", tlp,
          "; only GREEN and CLEAR data may be forwarded to a third org");
    case Rule::kNoSourceAgreement:
      return absl::StrCat("refused: no agreement with ", ArrivedFrom(ind),
                          ", the org it came from, is in force");
    case Rule::kSourceNoRedistribute:
      return absl::StrCat("refused: agreement ", d.source->id, " with ",
                          ArrivedFrom(ind), " does not allow redistribution");
    case Rule::kNoForwardThirdParty:
      return absl::StrCat(
          "refused: ", ag,
          " does not allow third-party data (forward_third_party)");
    case Rule::kOwnOrgInPath:
      return absl::StrCat("refused: ", node_org_,
                          " is already in the path (loop)");
    case Rule::kWithdrawn:
      return absl::StrCat("refused: ", ArrivedFrom(ind), " withdrew it from ",
                          node_org_, "; it never leaves this node");
  }
  return "refused";
}

}  // namespace csx
