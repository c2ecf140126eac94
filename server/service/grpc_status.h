// Conversion of absl::Status to grpc::Status at the service edge.
#ifndef CSX_SERVER_SERVICE_GRPC_STATUS_H_
#define CSX_SERVER_SERVICE_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace csx {

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

}  // namespace csx

// In a service method: authenticates the caller as `principal` or returns
// the refusal. Expects a member `auth_` (Authenticator*).
#define CSX_AUTHENTICATE(principal, ctx)        \
  auto principal = auth_->Authenticate(*(ctx)); \
  if (!principal.ok()) return ::csx::ToGrpcStatus(principal.status())

#endif  // CSX_SERVER_SERVICE_GRPC_STATUS_H_
