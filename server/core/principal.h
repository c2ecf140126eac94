// Principal: who is calling, as mapped from the client certificate, and what
// each role may do (SPEC section 1). Plain values; thread-compatible.
#ifndef CSX_SERVER_CORE_PRINCIPAL_H_
#define CSX_SERVER_CORE_PRINCIPAL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace csx {

enum class Role { kAnalyst, kReader, kPeer, kAdmin };

absl::StatusOr<Role> ParseRole(absl::string_view name);
absl::string_view RoleName(Role role);

struct Principal {
  std::string org;
  Role role = Role::kReader;
  std::string name;
  // "org/role/name", as written to logs and the audit log.
  std::string ToString() const;
};

// The operations an RPC performs, checked against the caller's role.
enum class Action { kSubmit, kGet, kQuery, kRevoke, kSight, kPull, kAdmin };

// OK when `principal` (of a node whose org is `node_org`) may perform
// `action`; PermissionDenied naming the role and the action otherwise.
absl::Status Authorize(const Principal& principal, absl::string_view node_org,
                       Action action);

}  // namespace csx

#endif  // CSX_SERVER_CORE_PRINCIPAL_H_
