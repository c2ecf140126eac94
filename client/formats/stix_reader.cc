#include "client/formats/stix_reader.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/formats/input_fields.h"
#include "client/formats/json_document.h"
#include "common/stix/stix_export.h"
#include "common/stix/stix_pattern.h"
#include "common/tlp.h"

namespace csx::formats {
namespace {

using Json = nlohmann::json;

// The string at `key` of object `o`, or `fallback` when `o` is not an
// object or the value is missing or not a string (Json::value would throw).
std::string Str(const Json& o, const char* key, const char* fallback = "") {
  if (!o.is_object()) return fallback;
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// TLP of a marking-definition object defined in the bundle, if it is one.
v1::Tlp TlpOfDefinition(const Json& def) {
  std::string level;
  if (Str(def, "definition_type") == "tlp" && def.contains("definition") &&
      def["definition"].is_object()) {
    level = Str(def["definition"], "tlp");
  }
  if (auto ext = def.find("extensions"); ext != def.end() && ext->is_object()) {
    for (const auto& [key, body] : ext->items()) {
      if (body.is_object() && body.contains("tlp_2_0") &&
          body["tlp_2_0"].is_string()) {
        level = body["tlp_2_0"].get<std::string>();
      }
    }
  }
  if (level.empty()) return v1::TLP_UNSPECIFIED;
  auto tlp = ParseTlp(level);
  return tlp.ok() ? *tlp : v1::TLP_UNSPECIFIED;
}

class StixImporter {
 public:
  absl::StatusOr<ImportResult> Run(const Json& doc) {
    const Json* objects = &doc;
    Json single;
    if (doc.is_object()) {
      if (Str(doc, "type") == "bundle") {
        auto it = doc.find("objects");
        if (it == doc.end()) return result_;  // an empty bundle
        if (!it->is_array()) {
          return absl::InvalidArgumentError(
              "stix: objects: expected an array of STIX objects");
        }
        objects = &*it;
      } else if (doc.contains("type") && doc["type"].is_string()) {
        single = Json::array({doc});
        objects = &single;
      } else {
        return absl::InvalidArgumentError(
            "stix: expected a bundle, a STIX object or an array of objects");
      }
    } else if (!doc.is_array()) {
      return absl::InvalidArgumentError(
          "stix: expected a bundle, a STIX object or an array of objects");
    }
    for (const Json& o : *objects) {
      if (o.is_object() && Str(o, "type") == "marking-definition" &&
          o.contains("id") && o["id"].is_string()) {
        const v1::Tlp t = TlpOfDefinition(o);
        if (t != v1::TLP_UNSPECIFIED) markings_[o["id"].get<std::string>()] = t;
      }
    }
    int n = 0;
    for (const Json& o : *objects) {
      ++n;
      try {
        Import(n, o);
      } catch (const Json::exception& e) {
        // A property of an unexpected JSON type that no check above caught:
        // that object is reported, the others go on.
        Error(n, absl::StrCat("object ", n), e.what());
      }
    }
    return std::move(result_);
  }

 private:
  void Error(int n, const std::string& where, absl::string_view message) {
    InputRecord r;
    r.line = n;
    r.where = where;
    r.input = absl::InvalidArgumentError(message);
    result_.records.push_back(std::move(r));
  }

  void Import(int n, const Json& o) {
    if (!o.is_object()) {
      Error(n, absl::StrCat("object ", n), "not a JSON object");
      return;
    }
    const std::string type = Str(o, "type");
    const std::string id = o.contains("id") && o["id"].is_string()
                               ? o["id"].get<std::string>()
                               : "";
    const std::string where =
        absl::StrCat("object ", n, id.empty() ? "" : " (" + id + ")");
    if (type == "indicator") {
      ImportIndicator(n, where, o);
    } else if (type == "vulnerability") {
      ImportVulnerability(n, where, o);
    } else {
      ++result_.skipped[type.empty() ? "object without a type" : type];
    }
  }

  // The fields an indicator or vulnerability object gives every record.
  absl::StatusOr<v1::IndicatorInput> Common(const Json& o) {
    v1::IndicatorInput in;
    if (auto c = o.find("confidence"); c != o.end() && !c->is_null()) {
      if (!c->is_number_integer()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "confidence: expected an integer 0-100, got ", c->dump()));
      }
      if (absl::Status s = SetConfidence(c->get<int64_t>(), &in); !s.ok()) {
        return s;
      }
    }
    auto description = StringField(o, "description");
    if (!description.ok()) return description.status();
    auto name = StringField(o, "name");
    if (!name.ok()) return name.status();
    in.set_description(description->empty() ? *name : *description);
    for (const auto& [key, field] :
         {std::pair<const char*, const char*>{"labels", "tags"},
          {"x_csx_sectors", "sectors"}}) {
      if (absl::Status s = AddStringList(o, key, field, &in); !s.ok()) return s;
    }
    auto severity = StringField(o, "x_csx_severity");
    if (!severity.ok()) return severity.status();
    in.set_severity(*severity);
    for (const auto& [key, field] :
         {std::pair<const char*, const char*>{"valid_from", "valid_from"},
          {"valid_until", "valid_until"},
          {"x_csx_first_seen", "first_seen"},
          {"x_csx_last_seen", "last_seen"}}) {
      if (absl::Status s = SetTimeField(o, key, field, &in); !s.ok()) return s;
    }
    // The strictest TLP among the object's markings.
    v1::Tlp tlp = v1::TLP_UNSPECIFIED;
    if (auto refs = o.find("object_marking_refs"); refs != o.end()) {
      if (!refs->is_array()) {
        return absl::InvalidArgumentError(
            "object_marking_refs: expected a list of ids");
      }
      for (const Json& ref : *refs) {
        if (!ref.is_string()) continue;
        const std::string id = ref.get<std::string>();
        v1::Tlp t = stix::TlpOfMarkingId(id);
        if (auto it = markings_.find(id);
            t == v1::TLP_UNSPECIFIED && it != markings_.end()) {
          t = it->second;
        }
        if (t != v1::TLP_UNSPECIFIED &&
            (tlp == v1::TLP_UNSPECIFIED || TlpRank(t) > TlpRank(tlp))) {
          tlp = t;
        }
      }
    }
    if (tlp != v1::TLP_UNSPECIFIED) in.set_tlp(std::string(TlpName(tlp)));
    return in;
  }

  void Add(int n, const std::string& where, const Json& o,
           v1::IndicatorInput in) {
    InputRecord r;
    r.line = n;
    r.where = where;
    if (auto revoked = o.find("revoked");
        revoked != o.end() && revoked->is_boolean() && revoked->get<bool>()) {
      r.revoke = true;
      r.revoke_reason =
          Str(o, "x_csx_revoked_reason", "revoked in STIX source");
    }
    r.input = std::move(in);
    result_.records.push_back(std::move(r));
  }

  void ImportIndicator(int n, const std::string& where, const Json& o) {
    auto pattern_type = StringField(o, "pattern_type");
    if (!pattern_type.ok())
      return Error(n, where, pattern_type.status().message());
    if (!pattern_type->empty() && *pattern_type != "stix") {
      return Error(n, where,
                   absl::StrCat("pattern_type: '", *pattern_type,
                                "' is not supported (only stix)"));
    }
    auto pattern = StringField(o, "pattern");
    if (!pattern.ok()) return Error(n, where, pattern.status().message());
    if (pattern->empty()) return Error(n, where, "pattern: missing");
    auto terms = stix::ParsePattern(*pattern);
    if (!terms.ok()) return Error(n, where, terms.status().message());
    auto common = Common(o);
    if (!common.ok()) return Error(n, where, common.status().message());
    for (const stix::PatternTerm& t : *terms) {
      v1::IndicatorInput in = *common;
      in.set_type(t.type);
      in.set_value(t.value);
      Add(n, where, o, std::move(in));
    }
  }

  void ImportVulnerability(int n, const std::string& where, const Json& o) {
    std::string cve;
    if (auto refs = o.find("external_references");
        refs != o.end() && refs->is_array()) {
      for (const Json& ref : *refs) {
        if (ref.is_object() && Str(ref, "source_name") == "cve" &&
            ref.contains("external_id") && ref["external_id"].is_string()) {
          cve = ref["external_id"].get<std::string>();
          break;
        }
      }
    }
    if (cve.empty()) {
      ++result_.skipped["vulnerability without a CVE reference"];
      return;
    }
    auto common = Common(o);
    if (!common.ok()) return Error(n, where, common.status().message());
    v1::IndicatorInput in = *std::move(common);
    in.set_type("cve");
    in.set_value(cve);
    if (in.description() == cve) in.clear_description();
    Add(n, where, o, std::move(in));
  }

  ImportResult result_;
  std::map<std::string, v1::Tlp> markings_;
};

}  // namespace

absl::StatusOr<ImportResult> ReadStix(absl::string_view content) {
  auto doc = ParseJsonDocument(content, "stix");
  if (!doc.ok()) return doc.status();
  return StixImporter().Run(*doc);
}

}  // namespace csx::formats
