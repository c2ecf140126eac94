// TaxiiCore: the read-only TAXII 2.1 API of a node, independent of HTTP.
// TaxiiServer is the HTTPS adapter over it; tests drive it directly too.
//
// One API root ("/api/") with one collection per principal: the feed that
// principal may pull over gRPC, with the same agreement filtering, as STIX
// 2.1 objects (common/stix). An object's date_added is the commit time of
// the change-log entry that carried it, so `added_after` resumes a client
// exactly where the gRPC cursor would; `next` is the position in the log.
//
// Thread-safety: safe for concurrent calls.
#ifndef CSX_SERVER_TAXII_TAXII_CORE_H_
#define CSX_SERVER_TAXII_TAXII_CORE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/core/node.h"

namespace csx::taxii {

inline constexpr char kTaxiiMediaType[] = "application/taxii+json;version=2.1";
inline constexpr char kStixMediaType[] = "application/stix+json;version=2.1";

struct Reply {
  int status = 200;
  nlohmann::json body;  // null: no body
  std::vector<std::pair<std::string, std::string>> headers;
};

// The filters and paging of objects/manifest requests.
struct ObjectsQuery {
  std::optional<absl::Time> added_after;
  uint32_t limit = 0;                 // 0: the default
  std::string next;                   // a feed cursor (URL-safe)
  std::vector<std::string> types;     // match[type]
  std::vector<std::string> ids;       // match[id]
  std::vector<std::string> versions;  // match[version]: last, first, all, ts
};

// Parses the URL parameters of an objects/manifest request. InvalidArgument
// naming the parameter (added_after, limit, next, match[...]).
absl::StatusOr<ObjectsQuery> ParseObjectsQuery(
    const std::multimap<std::string, std::string>& params);

// A TAXII error message (`title`, `description`, `http_status`).
Reply ErrorReply(int status, const std::string& title,
                 const std::string& description);

class TaxiiCore {
 public:
  // `node` is borrowed and must outlive the core.
  explicit TaxiiCore(Node* node);

  // `base_url` is "https://host:port" as the client addressed the node.
  Reply Discovery(const std::string& base_url) const;
  Reply ApiRoot() const;
  Reply Collections(const Principal& who) const;
  Reply Collection(const Principal& who, const std::string& id) const;
  Reply Objects(const Principal& who, const std::string& collection,
                const ObjectsQuery& query) const;
  Reply Manifest(const Principal& who, const std::string& collection,
                 const ObjectsQuery& query) const;
  Reply Object(const Principal& who, const std::string& collection,
               const std::string& object_id) const;
  Reply Versions(const Principal& who, const std::string& collection,
                 const std::string& object_id) const;

  // The id of the collection `who` sees (stable: derived from the node's
  // and the principal's orgs).
  std::string CollectionId(const Principal& who) const;

 private:
  struct Page {
    // (date_added, STIX object), in log order.
    std::vector<std::pair<absl::Time, nlohmann::json>> objects;
    bool more = false;
    std::string next;
  };

  nlohmann::json CollectionJson(const Principal& who) const;
  // NotFound reply when `collection` is not `who`'s.
  std::optional<Reply> CheckCollection(const Principal& who,
                                       const std::string& collection) const;
  // True when `who` can see a later version of `entry_indicator` than this
  // one: a later change-log entry serves it.
  bool IsSupersededFor(const Principal& who,
                       const v1::Indicator& entry_indicator) const;
  absl::StatusOr<Page> ReadPage(const Principal& who,
                                const ObjectsQuery& query) const;
  // The indicator behind a STIX id, as `who` may see it; with `deliver`, its
  // content goes out (recorded as a delivery to a partner).
  absl::StatusOr<nlohmann::json> FindObject(const Principal& who,
                                            const std::string& id,
                                            bool deliver) const;

  Node* const node_;
};

}  // namespace csx::taxii

#endif  // CSX_SERVER_TAXII_TAXII_CORE_H_
