#include "common/grpc/grpc_runtime.h"

#include <grpc/grpc.h>

#include "absl/time/clock.h"

namespace csx {

GrpcRuntime::GrpcRuntime(absl::Duration wait_at_most)
    : wait_at_most_(wait_at_most) {
  grpc_init();
}

GrpcRuntime::~GrpcRuntime() {
  // When this holds the last reference, gRPC shuts down here, on this
  // thread. When a channel freed on gRPC's own threads still holds one, the
  // shut-down happens there once it is done; gRPC counts as initialised
  // until that shut-down has finished.
  grpc_shutdown_blocking();
  const absl::Time deadline = absl::Now() + wait_at_most_;
  while (Running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
}

bool GrpcRuntime::Running() { return grpc_is_initialized() != 0; }

}  // namespace csx
