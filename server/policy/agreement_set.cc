#include "server/policy/agreement_set.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/canonical.h"
#include "common/time_util.h"
#include "common/tlp.h"

namespace csx {
namespace {

absl::Status Bad(int i, absl::string_view key, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("agreements[", i, "].", key, ": ", what));
}

absl::StatusOr<uint32_t> TypeMask(
    int i, absl::string_view key,
    const google::protobuf::RepeatedPtrField<std::string>& types) {
  uint32_t mask = 0;
  for (const auto& t : types) {
    auto type = ParseIndicatorType(t);
    if (!type.ok()) return Bad(i, key, type.status().message());
    mask |= TypeBit(*type);
  }
  return mask;
}

absl::StatusOr<v1::Tlp> MaxTlp(int i, absl::string_view key,
                               const std::string& text) {
  if (text.empty()) return v1::TLP_CLEAR;
  auto tlp = ParseTlp(text);
  if (!tlp.ok()) return Bad(i, key, tlp.status().message());
  return *tlp;
}

}  // namespace

absl::StatusOr<AgreementSet> AgreementSet::Create(
    const google::protobuf::RepeatedPtrField<v1::Agreement>& agreements) {
  AgreementSet set;
  for (int i = 0; i < agreements.size(); ++i) {
    const v1::Agreement& a = agreements[i];
    AgreementTerms t;
    t.id = a.id();
    t.partner = a.partner();
    t.title = a.title();
    if (t.id.empty()) return Bad(i, "id", "required");
    if (t.partner.empty()) return Bad(i, "partner", "required");
    auto from = ParseTime(a.effective_from());
    if (!from.ok()) return Bad(i, "effective_from", from.status().message());
    t.effective_from = *from;
    if (!a.expires().empty()) {
      auto until = ParseTime(a.expires());
      if (!until.ok()) return Bad(i, "expires", until.status().message());
      t.expires = *until;
    }
    auto share_tlp = MaxTlp(i, "share.max_tlp", a.share().max_tlp());
    if (!share_tlp.ok()) return share_tlp.status();
    t.share.max_tlp = *share_tlp;
    auto share_types = TypeMask(i, "share.types", a.share().types());
    if (!share_types.ok()) return share_types.status();
    t.share.types = *share_types;
    for (const auto& s : a.share().sectors()) {
      t.share.sectors.push_back(
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(s)));
    }
    t.share.min_confidence = a.share().min_confidence();
    t.share.forward_third_party = a.share().forward_third_party();
    t.share.hide_source = a.share().hide_source();
    if (!a.share().max_age().empty()) {
      auto age = ParseDuration(a.share().max_age());
      if (!age.ok()) return Bad(i, "share.max_age", age.status().message());
      t.share.max_age = *age;
    }
    auto accept_tlp = MaxTlp(i, "accept.max_tlp", a.accept().max_tlp());
    if (!accept_tlp.ok()) return accept_tlp.status();
    t.accept.max_tlp = *accept_tlp;
    auto accept_types = TypeMask(i, "accept.types", a.accept().types());
    if (!accept_types.ok()) return accept_types.status();
    t.accept.types = *accept_types;
    t.accept.redistribute = a.accept().redistribute();
    t.accept.report_sightings = a.accept().report_sightings();
    set.by_partner_[t.partner].push_back(set.all_.size());
    set.all_.push_back(std::move(t));
  }
  return set;
}

const AgreementTerms* AgreementSet::InForce(absl::string_view partner,
                                            absl::Time t) const {
  auto it = by_partner_.find(partner);
  if (it == by_partner_.end()) return nullptr;
  for (size_t idx : it->second) {
    if (all_[idx].InForceAt(t)) return &all_[idx];
  }
  return nullptr;
}

}  // namespace csx
