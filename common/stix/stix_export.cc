#include "common/stix/stix_export.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/canonical.h"
#include "common/severity.h"
#include "common/stix/stix_pattern.h"
#include "common/time_util.h"
#include "common/tlp.h"
#include "common/uuid.h"

namespace csx::stix {
namespace {

using Json = nlohmann::json;

// The TLP 2.0 marking definitions of the OASIS TLP 2.0 extension.
constexpr char kTlpExtension[] =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

struct TlpMarking {
  v1::Tlp tlp;
  const char* id;
  const char* name;
  const char* level;
};

constexpr TlpMarking kTlpMarkings[] = {
    {v1::TLP_CLEAR, "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
     "TLP:CLEAR", "clear"},
    {v1::TLP_GREEN, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
     "TLP:GREEN", "green"},
    {v1::TLP_AMBER, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
     "TLP:AMBER", "amber"},
    {v1::TLP_AMBER_STRICT,
     "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
     "TLP:AMBER+STRICT", "amber+strict"},
    {v1::TLP_RED, "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
     "TLP:RED", "red"},
};

const TlpMarking* FindMarking(v1::Tlp tlp) {
  for (const TlpMarking& m : kTlpMarkings) {
    if (m.tlp == tlp) return &m;
  }
  return nullptr;
}

std::string Time(const google::protobuf::Timestamp& ts) {
  return StixTimestamp(FromProto(ts));
}

Json StringList(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return Json(std::vector<std::string>(list.begin(), list.end()));
}

}  // namespace

std::string StixTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

absl::string_view TlpMarkingId(v1::Tlp tlp) {
  const TlpMarking* m = FindMarking(tlp);
  return m != nullptr ? m->id : "";
}

Json TlpMarkingDefinition(v1::Tlp tlp) {
  const TlpMarking* m = FindMarking(tlp);
  if (m == nullptr) return Json();
  return {
      {"type", "marking-definition"},
      {"spec_version", "2.1"},
      {"id", m->id},
      {"created", "2022-10-01T00:00:00.000Z"},
      {"name", m->name},
      {"extensions",
       {{kTlpExtension,
         {{"extension_type", "property-extension"}, {"tlp_2_0", m->level}}}}}};
}

v1::Tlp TlpOfMarkingId(absl::string_view id) {
  for (const TlpMarking& m : kTlpMarkings) {
    if (id == m.id) return m.tlp;
  }
  // TLP 1.0, STIX 2.1 section 7.2.1.4.
  static constexpr std::pair<const char*, v1::Tlp> kTlp1[] = {
      {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
       v1::TLP_CLEAR},
      {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
       v1::TLP_GREEN},
      {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
       v1::TLP_AMBER},
      {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", v1::TLP_RED},
  };
  for (const auto& [known, tlp] : kTlp1) {
    if (id == known) return tlp;
  }
  return v1::TLP_UNSPECIFIED;
}

std::string IdentityId(absl::string_view org) {
  return absl::StrCat("identity--", NameUuid(absl::StrCat("org:", org)));
}

std::string StixId(const v1::Indicator& ind) {
  return absl::StrCat(ind.type() == v1::CVE ? "vulnerability--" : "indicator--",
                      ind.id());
}

// A withdrawal: a partner's feed tells it that an indicator it may have
// received is revoked or expired without showing the indicator again (it
// carries id, type, state, version and time only). STIX has no deletion, so
// it becomes the same object revoked, whose pattern names the withdrawn id
// instead of a value; a client that holds the object sees it revoked.
Json WithdrawalObject(const v1::Indicator& ind) {
  const std::string modified = Time(ind.modified());
  const bool cve = ind.type() == v1::CVE;
  Json o = {{"type", cve ? "vulnerability" : "indicator"},
            {"spec_version", "2.1"},
            {"id", StixId(ind)},
            {"created", modified},
            {"modified", modified},
            {"revoked", true},
            {"name", absl::StrCat("withdrawn ", ind.id())},
            {"x_csx_withdrawn", true}};
  if (!cve) {
    o["indicator_types"] = Json::array({"malicious-activity"});
    o["pattern"] = absl::StrCat("[x-csx-withdrawn:id = '", ind.id(), "']");
    o["pattern_type"] = "stix";
    o["pattern_version"] = "2.1";
    o["valid_from"] = modified;
  }
  if (ind.version() > 0) o["x_csx_version"] = ind.version();
  if (ind.expired()) o["x_csx_expired"] = true;
  return o;
}

Json ToStixObject(const v1::Indicator& ind) {
  if (IsWithdrawal(ind)) return WithdrawalObject(ind);
  const std::string created =
      IsSet(ind.created()) ? Time(ind.created()) : Time(ind.modified());
  std::string modified = IsSet(ind.modified()) ? Time(ind.modified()) : created;
  if (modified < created) modified = created;  // same format: text order works
  Json o = {{"type", ind.type() == v1::CVE ? "vulnerability" : "indicator"},
            {"spec_version", "2.1"},
            {"id", StixId(ind)},
            {"created", created},
            {"modified", modified}};
  if (!ind.origin().empty()) o["created_by_ref"] = IdentityId(ind.origin());
  if (ind.type() == v1::CVE) {
    o["name"] = ind.value();
    o["external_references"] =
        Json::array({{{"source_name", "cve"}, {"external_id", ind.value()}}});
  } else {
    o["name"] = absl::StrCat(IndicatorTypeName(ind.type()), " ", ind.value());
    o["indicator_types"] = Json::array({"malicious-activity"});
    o["pattern"] = PatternFor(ind.type(), ind.value());
    o["pattern_type"] = "stix";
    o["pattern_version"] = "2.1";
    o["valid_from"] =
        IsSet(ind.valid_from()) ? Time(ind.valid_from()) : created;
    if (IsSet(ind.valid_until()) &&
        FromProto(ind.valid_until()) > FromProto(ind.valid_from())) {
      o["valid_until"] = Time(ind.valid_until());
    }
  }
  if (!ind.description().empty()) o["description"] = ind.description();
  o["confidence"] = ind.confidence();
  if (ind.tags_size() > 0) o["labels"] = StringList(ind.tags());
  if (ind.revoked()) o["revoked"] = true;
  if (const TlpMarking* m = FindMarking(ind.tlp())) {
    o["object_marking_refs"] = Json::array({m->id});
  }
  if (ind.severity() != v1::SEVERITY_UNSPECIFIED) {
    o["x_csx_severity"] = std::string(SeverityName(ind.severity()));
  }
  if (ind.sectors_size() > 0) o["x_csx_sectors"] = StringList(ind.sectors());
  if (!ind.origin().empty()) o["x_csx_origin"] = ind.origin();
  if (ind.path_size() > 0) o["x_csx_path"] = StringList(ind.path());
  if (ind.version() > 0) o["x_csx_version"] = ind.version();
  if (!ind.revoked_reason().empty()) {
    o["x_csx_revoked_reason"] = ind.revoked_reason();
  }
  if (ind.warnings_size() > 0) {
    Json w = Json::array();
    for (const auto& h : ind.warnings()) {
      w.push_back({{"list", h.list()}, {"detail", h.detail()}});
    }
    o["x_csx_warnings"] = std::move(w);
  }
  if (IsSet(ind.first_seen())) o["x_csx_first_seen"] = Time(ind.first_seen());
  if (IsSet(ind.last_seen())) o["x_csx_last_seen"] = Time(ind.last_seen());
  if (ind.sighting_count() > 0) o["x_csx_sightings"] = ind.sighting_count();
  if (ind.expired()) o["x_csx_expired"] = true;
  return o;
}

void BundleBuilder::Add(const v1::Indicator& ind) {
  std::string id = StixId(ind);
  auto it = std::find(ids_.begin(), ids_.end(), id);
  if (it != ids_.end()) {
    // A later state of the same indicator replaces the earlier one.
    objects_[static_cast<size_t>(it - ids_.begin())] = ToStixObject(ind);
  } else {
    objects_.push_back(ToStixObject(ind));
    ids_.push_back(std::move(id));
  }
  if (FindMarking(ind.tlp()) != nullptr &&
      std::find(tlps_.begin(), tlps_.end(), ind.tlp()) == tlps_.end()) {
    tlps_.push_back(ind.tlp());
  }
  if (!ind.origin().empty() &&
      std::find(orgs_.begin(), orgs_.end(), ind.origin()) == orgs_.end()) {
    orgs_.push_back(ind.origin());
  }
}

Json BundleBuilder::Build() const {
  Json objects = Json::array();
  std::vector<v1::Tlp> tlps = tlps_;
  std::sort(tlps.begin(), tlps.end());
  for (v1::Tlp t : tlps) objects.push_back(TlpMarkingDefinition(t));
  for (const std::string& org : orgs_) {
    objects.push_back({{"type", "identity"},
                       {"spec_version", "2.1"},
                       {"id", IdentityId(org)},
                       {"created", "2018-01-01T00:00:00.000Z"},
                       {"modified", "2018-01-01T00:00:00.000Z"},
                       {"name", org},
                       {"identity_class", "organization"}});
  }
  for (const Json& o : objects_) objects.push_back(o);
  // A fresh bundle id each time: bundles are transient wrappers.
  return {{"type", "bundle"},
          {"id", absl::StrCat("bundle--", NewUuid())},
          {"objects", std::move(objects)}};
}

void BundleBuilder::Clear() {
  objects_.clear();
  ids_.clear();
  tlps_.clear();
  orgs_.clear();
}

}  // namespace csx::stix
