// NodeEvents: what a Node reports as it works, for metrics. The core knows
// nothing of how they are exported.
//
// Thread-safety: implementations are called concurrently from every thread
// that uses the Node, and must be cheap.
#ifndef CSX_SERVER_CORE_NODE_EVENTS_H_
#define CSX_SERVER_CORE_NODE_EVENTS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace csx {

class NodeEvents {
 public:
  virtual ~NodeEvents() = default;
  // One submitted batch, committed: items created, merged, rejected as
  // invalid and refused by a warninglist.
  virtual void Submitted(uint64_t /*created*/, uint64_t /*merged*/,
                         uint64_t /*invalid*/, uint64_t /*warninglisted*/) {}
  // `entries` feed entries handed to a principal of org `org`.
  virtual void Served(const std::string& /*org*/, uint64_t /*entries*/) {}
  // One batch pulled from partner `peer`: entries stored, entries its
  // agreement's accept rules refused.
  virtual void AppliedFromPeer(const std::string& /*peer*/,
                               uint64_t /*applied*/, uint64_t /*refused*/) {}
  // `count` calls or items refused for `reason`: "permission" (a role may
  // not do this), "agreement" (entries a partner sent that no agreement
  // admits).
  virtual void Refused(absl::string_view /*reason*/, uint64_t /*count*/) {}
  // `principal` went over its `what` ("submit", "query") rate limit; called
  // at most once per report interval per principal, for the log.
  virtual void RateLimited(const std::string& /*principal*/,
                           absl::string_view /*what*/) {}
};

}  // namespace csx

#endif  // CSX_SERVER_CORE_NODE_EVENTS_H_
