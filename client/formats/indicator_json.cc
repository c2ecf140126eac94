#include "client/formats/indicator_json.h"

#include "client/formats/enum_names.h"
#include "common/time_util.h"

namespace csx::formats {
namespace {

using Json = nlohmann::json;

Json Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  Json out = Json::array();
  for (const std::string& s : list) out.push_back(s);
  return out;
}

void PutTime(Json& obj, const char* key,
             const google::protobuf::Timestamp& ts) {
  if (IsSet(ts)) obj[key] = csx::FormatTime(FromProto(ts));
}

}  // namespace

nlohmann::json IndicatorToJson(const v1::Indicator& ind) {
  Json j = Json::object();
  j["id"] = ind.id();
  j["type"] = TypeToString(ind.type());
  j["value"] = ind.value();
  j["tlp"] = TlpToString(ind.tlp());
  j["confidence"] = ind.confidence();
  j["severity"] = SeverityToString(ind.severity());
  j["tags"] = Strings(ind.tags());
  j["sectors"] = Strings(ind.sectors());
  j["description"] = ind.description();
  PutTime(j, "valid_from", ind.valid_from());
  PutTime(j, "valid_until", ind.valid_until());
  PutTime(j, "first_seen", ind.first_seen());
  PutTime(j, "last_seen", ind.last_seen());
  PutTime(j, "created", ind.created());
  PutTime(j, "modified", ind.modified());
  j["origin"] = ind.origin();
  if (!ind.reporter().empty()) j["reporter"] = ind.reporter();
  j["version"] = ind.version();
  j["revoked"] = ind.revoked();
  if (!ind.revoked_reason().empty()) j["revoked_reason"] = ind.revoked_reason();
  if (ind.withdrawn()) j["withdrawn"] = true;
  j["path"] = Strings(ind.path());
  Json sightings = {{"count", ind.sighting_count()}};
  PutTime(sightings, "last", ind.last_sighting());
  j["sightings"] = std::move(sightings);
  j["expired"] = ind.expired();
  Json warnings = Json::array();
  for (const v1::Warning& w : ind.warnings()) {
    warnings.push_back({{"list", w.list()}, {"detail", w.detail()}});
  }
  j["warnings"] = std::move(warnings);
  return j;
}

nlohmann::json FeedEntryToJson(const v1::FeedEntry& entry) {
  Json j = Json::object();
  j["seq"] = entry.seq();
  j["op"] = ChangeOpToString(entry.op());
  PutTime(j, "time", entry.time());
  j["indicator"] = IndicatorToJson(entry.indicator());
  return j;
}

}  // namespace csx::formats
