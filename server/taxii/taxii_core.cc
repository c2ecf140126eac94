#include "server/taxii/taxii_core.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/stix/stix_export.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "server/core/ids.h"

namespace csx::taxii {
namespace {

using Json = nlohmann::json;

constexpr uint32_t kDefaultLimit = 1000;
constexpr uint32_t kMaxLimit = 10000;

// date_added values carry microseconds: precise enough that `added_after`
// with the last one a client saw never repeats or skips an object, and
// within what common STIX/TAXII libraries parse.
absl::Time Truncate(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

std::string DateAdded(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", Truncate(t),
                          absl::UTCTimeZone());
}

Reply FromStatus(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      return ErrorReply(400, "Bad request", std::string(s.message()));
    case absl::StatusCode::kPermissionDenied:
      return ErrorReply(403, "Forbidden", std::string(s.message()));
    case absl::StatusCode::kNotFound:
      return ErrorReply(404, "Not found", std::string(s.message()));
    case absl::StatusCode::kResourceExhausted:
      return ErrorReply(429, "Too many requests", std::string(s.message()));
    default:
      return ErrorReply(500, "Server error", std::string(s.message()));
  }
}

Reply Envelope(Json body) {
  Reply r;
  r.body = std::move(body);
  return r;
}

void AppendSplit(std::vector<std::string>& out, const std::string& value) {
  for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipEmpty())) {
    out.emplace_back(part);
  }
}

bool Contains(const std::vector<std::string>& list, absl::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

Reply ErrorReply(int status, const std::string& title,
                 const std::string& description) {
  Reply r;
  r.status = status;
  r.body = {{"title", title},
            {"description", description},
            {"http_status", absl::StrCat(status)}};
  return r;
}

absl::StatusOr<ObjectsQuery> ParseObjectsQuery(
    const std::multimap<std::string, std::string>& params) {
  ObjectsQuery q;
  for (const auto& [key, value] : params) {
    if (key == "added_after") {
      auto t = ParseTime(value);
      if (!t.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("added_after: ", t.status().message()));
      }
      q.added_after = *t;
    } else if (key == "limit") {
      uint32_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || n == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "limit: expected a positive number, got '", value, "'"));
      }
      q.limit = std::min(n, kMaxLimit);
    } else if (key == "next") {
      q.next = value;
    } else if (key == "match[type]") {
      AppendSplit(q.types, value);
    } else if (key == "match[id]") {
      AppendSplit(q.ids, value);
    } else if (key == "match[version]") {
      AppendSplit(q.versions, value);
    } else if (key == "match[spec_version]") {
      std::vector<std::string> versions;
      AppendSplit(versions, value);
      if (!Contains(versions, "2.1")) {
        return absl::InvalidArgumentError(
            "match[spec_version]: this server has STIX 2.1 objects only");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": unknown parameter"));
    }
  }
  for (const std::string& v : q.versions) {
    if (v == "last" || v == "first" || v == "all") continue;
    if (!ParseTime(v).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "match[version]: expected last, first, all or a timestamp, got '", v,
          "'"));
    }
  }
  return q;
}

TaxiiCore::TaxiiCore(Node* node) : node_(node) {}

std::string TaxiiCore::CollectionId(const Principal& who) const {
  return NameUuid(
      absl::StrCat("taxii-collection:", node_->org(), ":", who.org));
}

Json TaxiiCore::CollectionJson(const Principal& who) const {
  const bool own = who.org == node_->org();
  return {
      {"id", CollectionId(who)},
      {"title",
       own ? absl::StrCat(node_->org(), " indicators")
           : absl::StrCat(node_->org(), " indicators shared with ", who.org)},
      {"description",
       own ? "Every indicator this node holds."
           : absl::StrCat("What the agreements of ", node_->org(), " with ",
                          who.org, " allow, as its gRPC feed.")},
      {"can_read", true},
      {"can_write", false},
      {"media_types", {kStixMediaType}},
  };
}

Reply TaxiiCore::Discovery(const std::string& base_url) const {
  const std::string root = absl::StrCat(base_url, "/api/");
  return Envelope({
      {"title", absl::StrCat("csirt-exchange node ", node_->org())},
      {"description",
       "Threat indicators shared under this node's agreements (read-only)."},
      {"default", root},
      {"api_roots", {root}},
  });
}

Reply TaxiiCore::ApiRoot() const {
  return Envelope({
      {"title", absl::StrCat(node_->org(), " indicators")},
      {"versions", {kTaxiiMediaType}},
      {"max_content_length", 0},  // read-only: nothing can be posted
  });
}

Reply TaxiiCore::Collections(const Principal& who) const {
  if (absl::Status s = node_->Allow(who, Action::kPull); !s.ok()) {
    return FromStatus(s);
  }
  return Envelope({{"collections", {CollectionJson(who)}}});
}

std::optional<Reply> TaxiiCore::CheckCollection(
    const Principal& who, const std::string& collection) const {
  if (collection != CollectionId(who)) {
    return ErrorReply(404, "Collection not found",
                      absl::StrCat("no collection '", collection, "'"));
  }
  // Every request that reads a collection counts against the principal's
  // query rate, as a gRPC pull does.
  if (absl::Status s = node_->CheckRate(who, Node::RateClass::kQuery);
      !s.ok()) {
    return FromStatus(s);
  }
  return std::nullopt;
}

Reply TaxiiCore::Collection(const Principal& who, const std::string& id) const {
  if (auto err = CheckCollection(who, id)) return *err;
  if (absl::Status s = node_->Allow(who, Action::kPull); !s.ok()) {
    return FromStatus(s);
  }
  return Envelope(CollectionJson(who));
}

bool TaxiiCore::IsSupersededFor(const Principal& who,
                                const v1::Indicator& entry_indicator) const {
  auto current = node_->GetFromFeed(who, entry_indicator.id());
  return current.ok() && current->version() > entry_indicator.version();
}

absl::StatusOr<TaxiiCore::Page> TaxiiCore::ReadPage(
    const Principal& who, const ObjectsQuery& query) const {
  std::string cursor = query.next;
  if (cursor.empty() && query.added_after) {
    // Everything whose microsecond date_added is after added_after.
    auto c = node_->CursorAfter(*query.added_after + absl::Microseconds(1) -
                                absl::Nanoseconds(1));
    if (!c.ok()) return c.status();
    cursor = *c;
  }
  auto batch =
      node_->Pull(who, cursor, query.limit ? query.limit : kDefaultLimit);
  if (!batch.ok()) {
    if (batch.status().code() == absl::StatusCode::kInvalidArgument &&
        absl::StartsWith(batch.status().message(), "cursor")) {
      return absl::InvalidArgumentError(
          "next: not a value this server handed out");
    }
    return batch.status();
  }
  Page page;
  page.more = batch->more();
  page.next = batch->cursor();
  const bool all = Contains(query.versions, "all");
  const bool first = Contains(query.versions, "first");
  std::vector<std::string> at_times;
  for (const std::string& v : query.versions) {
    if (v != "all" && v != "first" && v != "last") at_times.push_back(v);
  }
  absl::flat_hash_map<std::string, size_t> seen;  // STIX id -> index
  for (const v1::FeedEntry& e : batch->entries()) {
    const v1::Indicator& ind = e.indicator();
    const absl::Time added = Truncate(FromProto(e.time()));
    if (query.added_after && added <= *query.added_after) continue;
    Json obj = stix::ToStixObject(ind);
    const std::string type = obj.value("type", "");
    const std::string id = obj.value("id", "");
    if (!query.types.empty() && !Contains(query.types, type)) continue;
    if (!query.ids.empty() && !Contains(query.ids, id)) continue;
    if (!at_times.empty()) {
      const std::string modified = obj.value("modified", "");
      bool match = false;
      for (const std::string& t : at_times) {
        auto want = ParseTime(t);
        auto have = ParseTime(modified);
        if (want.ok() && have.ok() && *want == *have) match = true;
      }
      if (!match) continue;
    }
    if (!all && !first && IsSupersededFor(who, ind)) {
      // The default version=last serves each object once, at its newest
      // version, whatever page that lands on.
      continue;
    }
    if (!all) {
      auto it = seen.find(id);
      if (it != seen.end()) {
        if (first) continue;
        page.objects[it->second].second = Json();  // superseded in this page
      }
      seen[id] = page.objects.size();
    }
    page.objects.emplace_back(added, std::move(obj));
  }
  page.objects.erase(
      std::remove_if(page.objects.begin(), page.objects.end(),
                     [](const auto& o) { return o.second.is_null(); }),
      page.objects.end());
  return page;
}

namespace {

void AddDateHeaders(Reply& r, absl::Time first, absl::Time last) {
  r.headers.emplace_back("X-TAXII-Date-Added-First", DateAdded(first));
  r.headers.emplace_back("X-TAXII-Date-Added-Last", DateAdded(last));
}

}  // namespace

Reply TaxiiCore::Objects(const Principal& who, const std::string& collection,
                         const ObjectsQuery& query) const {
  if (auto err = CheckCollection(who, collection)) return *err;
  auto page = ReadPage(who, query);
  if (!page.ok()) return FromStatus(page.status());
  Json body = Json::object();
  if (page->more) {
    body["more"] = true;
    body["next"] = page->next;
  } else {
    body["more"] = false;
  }
  if (!page->objects.empty()) {
    Json objects = Json::array();
    for (auto& [added, obj] : page->objects) objects.push_back(std::move(obj));
    body["objects"] = std::move(objects);
  }
  Reply r = Envelope(std::move(body));
  if (!page->objects.empty()) {
    AddDateHeaders(r, page->objects.front().first, page->objects.back().first);
  }
  return r;
}

Reply TaxiiCore::Manifest(const Principal& who, const std::string& collection,
                          const ObjectsQuery& query) const {
  if (auto err = CheckCollection(who, collection)) return *err;
  auto page = ReadPage(who, query);
  if (!page.ok()) return FromStatus(page.status());
  Json body = Json::object();
  body["more"] = page->more;
  if (page->more) body["next"] = page->next;
  if (!page->objects.empty()) {
    Json records = Json::array();
    for (const auto& [added, obj] : page->objects) {
      records.push_back({{"id", obj.value("id", "")},
                         {"date_added", DateAdded(added)},
                         {"version", obj.value("modified", "")},
                         {"media_type", kStixMediaType}});
    }
    body["objects"] = std::move(records);
  }
  Reply r = Envelope(std::move(body));
  if (!page->objects.empty()) {
    AddDateHeaders(r, page->objects.front().first, page->objects.back().first);
  }
  return r;
}

absl::StatusOr<Json> TaxiiCore::FindObject(const Principal& who,
                                           const std::string& id,
                                           bool deliver) const {
  const size_t sep = id.find("--");
  if (sep == std::string::npos || !IsUuid(id.substr(sep + 2))) {
    return absl::NotFoundError(absl::StrCat("no object '", id, "'"));
  }
  auto ind = deliver ? node_->ServeFromFeed(who, id.substr(sep + 2))
                     : node_->GetFromFeed(who, id.substr(sep + 2));
  if (!ind.ok()) {
    if (ind.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("no object '", id, "'"));
    }
    return ind.status();
  }
  Json obj = stix::ToStixObject(*ind);
  if (obj.value("id", "") != id) {
    return absl::NotFoundError(absl::StrCat("no object '", id, "'"));
  }
  return obj;
}

Reply TaxiiCore::Object(const Principal& who, const std::string& collection,
                        const std::string& object_id) const {
  if (auto err = CheckCollection(who, collection)) return *err;
  auto obj = FindObject(who, object_id, /*deliver=*/true);
  if (!obj.ok()) return FromStatus(obj.status());
  return Envelope({{"more", false}, {"objects", {*std::move(obj)}}});
}

Reply TaxiiCore::Versions(const Principal& who, const std::string& collection,
                          const std::string& object_id) const {
  if (auto err = CheckCollection(who, collection)) return *err;
  auto obj = FindObject(who, object_id, /*deliver=*/false);
  if (!obj.ok()) return FromStatus(obj.status());
  return Envelope(
      {{"more", false}, {"versions", {obj->value("modified", "")}}});
}

}  // namespace csx::taxii
