#include "server/core/principal.h"

#include "absl/strings/str_cat.h"

namespace csx {
namespace {

absl::string_view ActionName(Action a) {
  switch (a) {
    case Action::kSubmit:
      return "submit";
    case Action::kGet:
      return "get";
    case Action::kQuery:
      return "query";
    case Action::kRevoke:
      return "revoke";
    case Action::kSight:
      return "sight";
    case Action::kPull:
      return "pull";
    case Action::kAdmin:
      return "admin";
  }
  return "?";
}

}  // namespace

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  if (name == "analyst") return Role::kAnalyst;
  if (name == "reader") return Role::kReader;
  if (name == "peer") return Role::kPeer;
  if (name == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(
      absl::StrCat("role: unknown role '", name,
                   "' (expected analyst, reader, peer or admin)"));
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAnalyst:
      return "analyst";
    case Role::kReader:
      return "reader";
    case Role::kPeer:
      return "peer";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::string Principal::ToString() const {
  return absl::StrCat(org, "/", RoleName(role), "/", name);
}

absl::Status Authorize(const Principal& p, absl::string_view node_org,
                       Action action) {
  const bool own = p.org == node_org;
  bool allowed = false;
  switch (p.role) {
    case Role::kAnalyst:
      // Analysts belong to the node's own org; a rule that maps a foreign
      // certificate to "analyst" grants nothing beyond reading.
      allowed = action != Action::kAdmin &&
                (own || action == Action::kGet || action == Action::kQuery ||
                 action == Action::kPull);
      break;
    case Role::kReader:
      allowed = action == Action::kGet || action == Action::kQuery ||
                action == Action::kPull;
      break;
    case Role::kPeer:
      allowed = action == Action::kPull || action == Action::kSight;
      break;
    case Role::kAdmin:
      allowed = own && action == Action::kAdmin;
      break;
  }
  if (allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("role ", RoleName(p.role),
                                                  " of ", p.org, " may not ",
                                                  ActionName(action)));
}

}  // namespace csx
