// The gRPC library's lifetime in a process's main(). The rest of common/ is
// free of gRPC; this folder is the process glue csxd and csx share.
#ifndef CSX_COMMON_GRPC_GRPC_RUNTIME_H_
#define CSX_COMMON_GRPC_GRPC_RUNTIME_H_

#include "absl/time/time.h"

namespace csx {

// Holds gRPC initialised from construction to destruction, and makes the
// destructor the point where gRPC stops: it returns once gRPC has shut down,
// so that no gRPC thread is still freeing a channel's or a server's TLS
// state while the process exits. Without it, the last channel may be freed
// on one of gRPC's own threads, which then shuts gRPC down on a detached
// thread of its own, racing the process's exit (and a leak check at exit).
//
// Declare one at the top of main(), before any gRPC object, so that every
// channel, stub and server is destroyed before it. Not copyable.
class GrpcRuntime {
 public:
  // `wait_at_most` bounds the wait in the destructor for gRPC objects that
  // outlive main()'s own: a channel's clean-up on gRPC's threads (a few
  // milliseconds), or a channel that failed to connect, which holds gRPC
  // until its reconnect timer fires (1 s after the failure).
  explicit GrpcRuntime(absl::Duration wait_at_most = absl::Seconds(5));
  ~GrpcRuntime();
  GrpcRuntime(const GrpcRuntime&) = delete;
  GrpcRuntime& operator=(const GrpcRuntime&) = delete;

  // Whether gRPC is initialised, by this object or anything else.
  static bool Running();

 private:
  absl::Duration wait_at_most_;
};

}  // namespace csx

#endif  // CSX_COMMON_GRPC_GRPC_RUNTIME_H_
