#include "server/core/indicator_builder.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/canonical.h"
#include "common/severity.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/tlp.h"

namespace csx {
namespace {

constexpr size_t kMaxLabel = 128;
constexpr size_t kMaxLabels = 64;
constexpr size_t kMaxDescription = 8192;

// Tags and sectors: trimmed, lower-case sectors, printable, no '|'.
absl::StatusOr<std::vector<std::string>> CleanLabels(
    const google::protobuf::RepeatedPtrField<std::string>& items,
    absl::string_view field, bool lower) {
  std::vector<std::string> out;
  if (static_cast<size_t>(items.size()) > kMaxLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": more than ", kMaxLabels, " entries"));
  }
  for (const auto& raw : items) {
    std::string s(absl::StripAsciiWhitespace(raw));
    if (s.empty()) continue;
    if (lower) absl::AsciiStrToLower(&s);
    if (s.size() > kMaxLabel) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": entry longer than ", kMaxLabel, " characters"));
    }
    for (unsigned char c : s) {
      if (c < 0x20 || c == 0x7f || c == '|') {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": entry '", s, "' has a control character or '|'"));
      }
    }
    if (std::find(out.begin(), out.end(), s) == out.end())
      out.push_back(std::move(s));
  }
  return out;
}

std::optional<absl::Time> OptTime(const google::protobuf::Timestamp& ts) {
  if (!IsSet(ts)) return std::nullopt;
  return FromProto(ts);
}

void AddAll(google::protobuf::RepeatedPtrField<std::string>* to,
            const std::vector<std::string>& from) {
  for (const auto& s : from) {
    if (std::find(to->begin(), to->end(), s) == to->end()) *to->Add() = s;
  }
}

}  // namespace

absl::StatusOr<ValidInput> ValidateInput(const v1::IndicatorInput& in) {
  ValidInput v;
  if (in.type().empty()) return absl::InvalidArgumentError("type: required");
  CSX_ASSIGN_OR_RETURN(v.type, ParseIndicatorType(in.type()));
  if (in.value().empty()) return absl::InvalidArgumentError("value: required");
  CSX_ASSIGN_OR_RETURN(v.value, Canonicalize(v.type, in.value()));
  if (!in.tlp().empty()) {
    CSX_ASSIGN_OR_RETURN(v.tlp, ParseTlp(in.tlp()));
  }
  if (in.has_confidence()) {
    if (in.confidence() > 100) {
      return absl::InvalidArgumentError(absl::StrCat(
          "confidence: ", in.confidence(), " is not within 0..100"));
    }
    v.confidence = in.confidence();
  }
  if (!in.severity().empty()) {
    CSX_ASSIGN_OR_RETURN(v.severity, ParseSeverity(in.severity()));
  }
  CSX_ASSIGN_OR_RETURN(v.tags, CleanLabels(in.tags(), "tags", /*lower=*/false));
  CSX_ASSIGN_OR_RETURN(v.sectors,
                       CleanLabels(in.sectors(), "sectors", /*lower=*/true));
  if (in.description().size() > kMaxDescription) {
    return absl::InvalidArgumentError(
        absl::StrCat("description: longer than ", kMaxDescription, " bytes"));
  }
  v.description = in.description();
  v.valid_from = OptTime(in.valid_from());
  v.valid_until = OptTime(in.valid_until());
  v.first_seen = OptTime(in.first_seen());
  v.last_seen = OptTime(in.last_seen());
  if (v.valid_from && v.valid_until && *v.valid_until <= *v.valid_from) {
    return absl::InvalidArgumentError("valid_until: must be after valid_from");
  }
  if (v.first_seen && v.last_seen && *v.last_seen < *v.first_seen) {
    return absl::InvalidArgumentError(
        "last_seen: must not be before first_seen");
  }
  return v;
}

v1::Indicator NewIndicator(const ValidInput& in, std::string id,
                           std::string origin, std::string reporter,
                           absl::Time now) {
  v1::Indicator ind;
  ind.set_id(std::move(id));
  ind.set_type(in.type);
  ind.set_value(in.value);
  ind.set_tlp(in.tlp.value_or(kDefaultTlp));
  ind.set_confidence(in.confidence.value_or(kDefaultConfidence));
  ind.set_severity(in.severity.value_or(kDefaultSeverity));
  AddAll(ind.mutable_tags(), in.tags);
  AddAll(ind.mutable_sectors(), in.sectors);
  ind.set_description(in.description);
  *ind.mutable_valid_from() = ToProto(in.valid_from.value_or(now));
  if (in.valid_until) *ind.mutable_valid_until() = ToProto(*in.valid_until);
  *ind.mutable_first_seen() = ToProto(in.first_seen.value_or(now));
  *ind.mutable_last_seen() = ToProto(in.last_seen.value_or(now));
  ind.set_origin(origin);
  ind.set_reporter(std::move(reporter));
  *ind.mutable_created() = ToProto(now);
  *ind.mutable_modified() = ToProto(now);
  ind.set_version(1);
  ind.add_path(std::move(origin));
  ind.set_expired(in.valid_until && *in.valid_until <= now);
  return ind;
}

v1::Indicator Merge(const v1::Indicator& existing, const ValidInput& in,
                    absl::Time now) {
  v1::Indicator ind = existing;
  const absl::Time seen = in.last_seen.value_or(now);
  if (seen > FromProto(ind.last_seen()))
    *ind.mutable_last_seen() = ToProto(seen);
  if (in.first_seen && *in.first_seen < FromProto(ind.first_seen())) {
    *ind.mutable_first_seen() = ToProto(*in.first_seen);
  }
  if (in.tlp && TlpRank(*in.tlp) > TlpRank(ind.tlp())) ind.set_tlp(*in.tlp);
  if (in.confidence) ind.set_confidence(*in.confidence);
  if (in.severity) ind.set_severity(*in.severity);
  if (!in.description.empty()) ind.set_description(in.description);
  AddAll(ind.mutable_tags(), in.tags);
  AddAll(ind.mutable_sectors(), in.sectors);
  if (in.valid_from) *ind.mutable_valid_from() = ToProto(*in.valid_from);
  if (in.valid_until) *ind.mutable_valid_until() = ToProto(*in.valid_until);
  const bool live =
      !IsSet(ind.valid_until()) || FromProto(ind.valid_until()) > now;
  ind.set_expired(!live);
  if (ind.revoked() && live) {
    // Seen again: the indicator is active once more.
    ind.set_revoked(false);
    ind.clear_revoked_reason();
  }
  *ind.mutable_modified() = ToProto(now);
  ind.set_version(ind.version() + 1);
  return ind;
}

}  // namespace csx
