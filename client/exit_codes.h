// The exit codes of csx (SPEC section 4) and their mapping from gRPC status.
#ifndef CSX_CLIENT_EXIT_CODES_H_
#define CSX_CLIENT_EXIT_CODES_H_

#include <grpcpp/support/status.h>

namespace csx::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,    // usage or input error
  kExitConnect = 2,  // cannot connect, TLS or authentication failure
  kExitPartial = 3,  // some items refused
  kExitServer = 4,   // server-side error
};

inline ExitCode ExitCodeFor(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitConnect;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::ALREADY_EXISTS:
      return kExitUsage;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // A request over a limit is the caller's; the node's full disk
      // ("store: disk full") is the server's.
      return s.error_message().rfind("store:", 0) == 0 ? kExitServer
                                                       : kExitUsage;
    default:
      return kExitServer;
  }
}

}  // namespace csx::cli

#endif  // CSX_CLIENT_EXIT_CODES_H_
