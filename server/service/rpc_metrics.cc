#include "server/service/rpc_metrics.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace csx {
namespace {

using grpc::experimental::InterceptionHookPoints;

absl::string_view CodeName(grpc::StatusCode code) {
  static constexpr absl::string_view kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  const auto i = static_cast<size_t>(code);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "UNKNOWN";
}

// "/csx.v1.FeedService/Pull" -> "FeedService/Pull".
std::string ShortMethod(absl::string_view full) {
  if (!full.empty() && full.front() == '/') full.remove_prefix(1);
  const size_t slash = full.find('/');
  absl::string_view service = full.substr(0, slash);
  const size_t dot = service.rfind('.');
  if (dot != absl::string_view::npos) full.remove_prefix(dot + 1);
  return std::string(full);
}

class RpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(std::string method, Metrics* metrics)
      : method_(std::move(method)), metrics_(metrics), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      // RESOURCE_EXHAUSTED is a size limit unless it is a rate limit
      // (counted where it is decided, as "rate_limit") or the node's own
      // disk ("store: disk full"), which is an error, not a refusal.
      const bool size_limit =
          status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          !absl::StartsWith(status.error_message(), "rate limit:") &&
          !absl::StartsWith(status.error_message(), "store:");
      metrics_->ObserveRpc(method_, CodeName(status.error_code()),
                           absl::Now() - start_, size_limit);
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  Metrics* const metrics_;
  const absl::Time start_;
};

class RpcMetricsFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsFactory(Metrics* metrics) : metrics_(metrics) {}

  // gRPC takes ownership of the returned interceptor.
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(ShortMethod(info->method()), metrics_);
  }

 private:
  Metrics* const metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcMetricsInterceptorFactory(Metrics* metrics) {
  return std::make_unique<RpcMetricsFactory>(metrics);
}

}  // namespace csx
