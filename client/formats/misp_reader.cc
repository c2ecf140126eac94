#include "client/formats/misp_reader.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/formats/input_fields.h"
#include "client/formats/json_document.h"
#include "common/tlp.h"

namespace csx::formats {
namespace {

using Json = nlohmann::json;

// A MISP number field, sent as a number or as a string of digits.
std::optional<int64_t> NumberOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  int64_t n = 0;
  if (it->is_string() && absl::SimpleAtoi(it->get<std::string>(), &n)) return n;
  return std::nullopt;
}

// MISP booleans arrive as true/false, 0/1 or "0"/"1".
bool FalseFlag(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (it->is_boolean()) return !it->get<bool>();
  auto n = NumberOf(object, key);
  return n.has_value() && *n == 0;
}

bool TrueFlag(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  auto n = NumberOf(object, key);
  return n.has_value() && *n != 0;
}

struct Tags {
  std::string tlp;  // "" when no tlp:* tag
  std::vector<std::string> other;
};

Tags TagsOf(const Json& object) {
  Tags t;
  auto it = object.find("Tag");
  if (it == object.end() || !it->is_array()) return t;
  for (const Json& tag : *it) {
    if (!tag.is_object() || !tag.contains("name") || !tag["name"].is_string()) {
      continue;
    }
    const std::string name = tag["name"].get<std::string>();
    const std::string lower = absl::AsciiStrToLower(name);
    if (absl::StartsWith(lower, "tlp:")) {
      auto tlp = ParseTlp(lower);
      if (tlp.ok()) {
        if (t.tlp.empty() || TlpRank(*tlp) > TlpRank(*ParseTlp(t.tlp))) {
          t.tlp = std::string(TlpName(*tlp));
        }
        continue;
      }
    }
    t.other.push_back(name);
  }
  return t;
}

std::string TlpOfDistribution(int64_t distribution) {
  switch (distribution) {
    case 0:
      return "AMBER+STRICT";
    case 1:
    case 4:
      return "AMBER";
    case 2:
    case 3:
      return "GREEN";
    default:
      return "";
  }
}

struct Mapped {
  std::string type;
  std::string value;
};

std::string IpType(const std::string& v) {
  if (v.find('/') != std::string::npos) return "cidr";
  return v.find(':') != std::string::npos ? "ipv6" : "ipv4";
}

// Our (type, value) pairs for a MISP attribute, empty when not mapped.
std::vector<Mapped> MapAttribute(const std::string& type,
                                 const std::string& value) {
  const size_t bar = value.find('|');
  const std::string first = value.substr(0, bar);
  const std::string second =
      bar == std::string::npos ? "" : value.substr(bar + 1);
  if (type == "ip-src" || type == "ip-dst") return {{IpType(value), value}};
  if (type == "ip-src|port" || type == "ip-dst|port") {
    return {{IpType(first), first}};
  }
  if (type == "domain" || type == "hostname") return {{"domain", value}};
  if (type == "hostname|port") return {{"domain", first}};
  if (type == "domain|ip") {
    std::vector<Mapped> out = {{"domain", first}};
    if (!second.empty()) out.push_back({IpType(second), second});
    return out;
  }
  if (type == "url") return {{"url", value}};
  if (type == "email" || type == "email-src" || type == "email-dst") {
    return {{"email", value}};
  }
  for (const char* hash : {"md5", "sha1", "sha256", "sha512"}) {
    if (type == hash) return {{hash, value}};
    if (type == absl::StrCat("filename|", hash)) return {{hash, second}};
  }
  if (type == "vulnerability") return {{"cve", value}};
  if (type == "AS") return {{"asn", value}};
  return {};
}

class MispImporter {
 public:
  absl::StatusOr<ImportResult> Run(const Json& doc) {
    std::vector<const Json*> events;
    auto add_event = [&](const Json& e) -> absl::Status {
      if (e.is_object() && e.contains("Event") && e["Event"].is_object()) {
        events.push_back(&e["Event"]);
      } else if (e.is_object() &&
                 (e.contains("Attribute") || e.contains("Object") ||
                  e.contains("info"))) {
        events.push_back(&e);
      } else {
        return absl::InvalidArgumentError(
            "misp: expected an event ({\"Event\": ...}), a list of events or a "
            "search response ({\"response\": [...]})");
      }
      return absl::OkStatus();
    };
    const Json* list = nullptr;
    if (doc.is_object() && doc.contains("response")) {
      list = &doc["response"];
      if (!list->is_array()) {
        return absl::InvalidArgumentError("misp: response: expected a list");
      }
    } else if (doc.is_array()) {
      list = &doc;
    }
    if (list != nullptr) {
      for (const Json& e : *list) {
        if (absl::Status s = add_event(e); !s.ok()) return s;
      }
    } else if (absl::Status s = add_event(doc); !s.ok()) {
      return s;
    }
    for (size_t i = 0; i < events.size(); ++i) {
      try {
        ImportEvent(i + 1, *events[i]);
      } catch (const Json::exception& e) {
        // A value of an unexpected JSON type that no check caught: the rest
        // of that event is reported as one error, the other events go on.
        InputRecord r;
        r.line = 0;
        r.where = absl::StrCat("event ", i + 1);
        r.input = absl::InvalidArgumentError(e.what());
        result_.records.push_back(std::move(r));
      }
    }
    return std::move(result_);
  }

 private:
  void ImportEvent(size_t event_no, const Json& event) {
    const Tags tags = TagsOf(event);
    const int64_t distribution = NumberOf(event, "distribution").value_or(-1);
    const std::string info = event.contains("info") && event["info"].is_string()
                                 ? event["info"].get<std::string>()
                                 : "";
    std::string severity;
    switch (NumberOf(event, "threat_level_id").value_or(0)) {
      case 1:
        severity = "high";
        break;
      case 2:
        severity = "medium";
        break;
      case 3:
        severity = "low";
        break;
      default:
        break;
    }
    std::vector<const Json*> attributes;
    auto collect = [&](const Json& holder) {
      auto it = holder.find("Attribute");
      if (it == holder.end()) return;
      if (!it->is_array()) {
        Error(event_no, 0, "", "Attribute: expected a list");
        return;
      }
      for (const Json& a : *it) attributes.push_back(&a);
    };
    collect(event);
    if (auto objects = event.find("Object");
        objects != event.end() && objects->is_array()) {
      for (const Json& o : *objects) {
        if (o.is_object() && !TrueFlag(o, "deleted")) collect(o);
      }
    }
    for (const Json* a : attributes) {
      ++ordinal_;
      ImportAttribute(event_no, *a, tags, distribution, info, severity);
    }
  }

  void Error(size_t event_no, int ordinal, const std::string& type,
             absl::string_view message) {
    InputRecord r;
    r.line = ordinal;
    r.where = absl::StrCat("event ", event_no, " attribute ", ordinal,
                           type.empty() ? "" : " (" + type + ")");
    r.input = absl::InvalidArgumentError(message);
    result_.records.push_back(std::move(r));
  }

  void ImportAttribute(size_t event_no, const Json& a, const Tags& event_tags,
                       int64_t event_distribution, const std::string& info,
                       const std::string& severity) {
    if (!a.is_object()) {
      return Error(event_no, ordinal_, "", "not a JSON object");
    }
    auto type = StringField(a, "type");
    if (!type.ok())
      return Error(event_no, ordinal_, "", type.status().message());
    if (TrueFlag(a, "deleted")) {
      ++result_.skipped["deleted"];
      return;
    }
    auto value = StringField(a, "value");
    if (!value.ok()) {
      return Error(event_no, ordinal_, *type, value.status().message());
    }
    const std::vector<Mapped> mapped = MapAttribute(*type, *value);
    if (mapped.empty()) {
      ++result_.skipped[type->empty() ? "attribute without a type" : *type];
      return;
    }
    // MISP sets to_ids=false on vulnerabilities by default: a CVE is
    // context, not a detection signature, and is what `cve` stores.
    if (FalseFlag(a, "to_ids") && *type != "vulnerability") {
      ++result_.skipped["to_ids=false"];
      return;
    }
    const Tags tags = TagsOf(a);
    v1::IndicatorInput in;
    std::string tlp = tags.tlp.empty() ? event_tags.tlp : tags.tlp;
    if (tlp.empty()) {
      int64_t d = NumberOf(a, "distribution").value_or(5);
      if (d == 5) d = event_distribution;
      tlp = TlpOfDistribution(d);
    }
    in.set_tlp(tlp);
    in.set_severity(severity);
    std::vector<std::string> all_tags = event_tags.other;
    all_tags.insert(all_tags.end(), tags.other.begin(), tags.other.end());
    if (absl::Status s = AddListItems("tags", all_tags, &in); !s.ok()) {
      return Error(event_no, ordinal_, *type, s.message());
    }
    auto comment = StringField(a, "comment");
    if (!comment.ok()) {
      return Error(event_no, ordinal_, *type, comment.status().message());
    }
    in.set_description(comment->empty() ? info : *comment);
    for (const char* field : {"first_seen", "last_seen"}) {
      if (absl::Status s = SetTimeField(a, field, field, &in); !s.ok()) {
        return Error(event_no, ordinal_, *type, s.message());
      }
    }
    for (const Mapped& m : mapped) {
      InputRecord r;
      r.line = ordinal_;
      r.where = absl::StrCat("event ", event_no, " attribute ", ordinal_, " (",
                             *type, ")");
      v1::IndicatorInput one = in;
      one.set_type(m.type);
      one.set_value(m.value);
      r.input = std::move(one);
      result_.records.push_back(std::move(r));
    }
  }

  ImportResult result_;
  int ordinal_ = 0;
};

}  // namespace

absl::StatusOr<ImportResult> ReadMisp(absl::string_view content) {
  auto doc = ParseJsonDocument(content, "misp");
  if (!doc.ok()) return doc.status();
  return MispImporter().Run(*doc);
}

}  // namespace csx::formats
