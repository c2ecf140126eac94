// Metrics: the node's Prometheus metrics, served in the text format on
// `node.metrics_listen` when set.
//
//   csx_indicators_stored{state="active|revoked|expired"}   read at scrape
//   csx_audit_records_total                                  read at scrape
//   csx_submissions_total{outcome="created|merged|rejected"}
//   csx_feed_entries_served_total{partner}   (own-org clients: own org id)
//   csx_peer_connected{peer}, csx_peer_lag_seconds{peer},
//   csx_peer_entries_applied_total{peer,result="applied|refused"}
//   csx_refusals_total{reason="unmapped|permission|agreement|warninglist|
//                              invalid|resource"}
//   csx_grpc_requests_total{method,code},
//   csx_grpc_request_duration_seconds{method}   (histogram)
//   csx_taxii_requests_total{route,status}
//   csx_build_info{version}
//
// Thread-safety: every method may be called concurrently.
#ifndef CSX_SERVER_SERVICE_METRICS_H_
#define CSX_SERVER_SERVICE_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/core/node_events.h"
#include "server/store/store.h"

namespace csx {

class Metrics : public NodeEvents {
 public:
  // Reads the stored-indicator and audit counts at each scrape.
  using CountsSource = std::function<absl::StatusOr<StoreCounts>()>;

  // Builds the registry; serves it on `listen` ("host:port") unless empty.
  // Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Metrics>> Create(
      const std::string& listen, const std::string& version,
      CountsSource counts);
  ~Metrics() override;

  // The port bound for `listen` (0 when not serving).
  int port() const { return port_; }

  // The current metrics in the Prometheus text format.
  std::string Render() const;

  // NodeEvents.
  void Submitted(uint64_t created, uint64_t merged, uint64_t invalid,
                 uint64_t warninglisted) override;
  void Served(const std::string& org, uint64_t entries) override;
  void AppliedFromPeer(const std::string& peer, uint64_t applied,
                       uint64_t refused) override;
  void Refused(absl::string_view reason, uint64_t count) override;
  void RateLimited(const std::string& principal,
                   absl::string_view what) override;

  void PeerConnected(const std::string& peer, bool connected);
  void PeerLag(const std::string& peer, absl::Duration lag);
  // One finished gRPC call: "Service/Method", status code name, duration,
  // and whether a size limit refused it (counted as a "resource" refusal).
  void ObserveRpc(const std::string& method, absl::string_view code,
                  absl::Duration elapsed, bool size_limit);
  void CountTaxii(absl::string_view route, int status);

 private:
  Metrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> store_collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  prometheus::Family<prometheus::Counter>* submissions_ = nullptr;
  prometheus::Family<prometheus::Counter>* served_ = nullptr;
  prometheus::Family<prometheus::Gauge>* peer_connected_ = nullptr;
  prometheus::Family<prometheus::Gauge>* peer_lag_ = nullptr;
  prometheus::Family<prometheus::Counter>* peer_applied_ = nullptr;
  prometheus::Family<prometheus::Counter>* refusals_ = nullptr;
  prometheus::Family<prometheus::Counter>* rpc_requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* rpc_duration_ = nullptr;
  prometheus::Family<prometheus::Counter>* taxii_requests_ = nullptr;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_METRICS_H_
