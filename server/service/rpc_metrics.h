// A gRPC server interceptor that reports every finished call (method, status
// code, duration) to Metrics.
#ifndef CSX_SERVER_SERVICE_RPC_METRICS_H_
#define CSX_SERVER_SERVICE_RPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "server/service/metrics.h"

namespace csx {

// `metrics` is borrowed and must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcMetricsInterceptorFactory(Metrics* metrics);

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_RPC_METRICS_H_
