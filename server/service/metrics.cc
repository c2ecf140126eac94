#include "server/service/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/service/counts_cache.h"

namespace csx {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Latency buckets for gRPC calls, in seconds: 0.5 ms to 10 s.
const prometheus::Histogram::BucketBoundaries& RpcBuckets() {
  static const auto* const buckets =
      new prometheus::Histogram::BucketBoundaries{
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

ClientMetric Value(double v, std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  m.counter.value = v;
  return m;
}

// Reads the store's counts at scrape time, so that they cost nothing
// between scrapes; on a large store, at most every so often (CountsCache).
class StoreCollector : public prometheus::Collectable {
 public:
  explicit StoreCollector(Metrics::CountsSource counts)
      : counts_(std::move(counts), [] { return absl::Now(); }) {}

  std::vector<MetricFamily> Collect() const override {
    auto c = counts_.Get();
    if (!c.ok()) return {};
    const uint64_t inactive = c->indicators - c->active;
    const uint64_t expired = inactive - std::min(inactive, c->revoked);
    MetricFamily stored{"csx_indicators_stored",
                        "Indicators held by this node, by state.",
                        MetricType::Gauge,
                        {}};
    stored.metric.push_back(
        Value(static_cast<double>(c->active), {{"state", "active"}}));
    stored.metric.push_back(
        Value(static_cast<double>(c->revoked), {{"state", "revoked"}}));
    stored.metric.push_back(
        Value(static_cast<double>(expired), {{"state", "expired"}}));
    MetricFamily audit{"csx_audit_records_total",
                       "Records in the hash-chained audit log.",
                       MetricType::Counter,
                       {Value(static_cast<double>(c->audit_records), {})}};
    MetricFamily head{"csx_feed_head_seq",
                      "Sequence number of the newest change-log entry.",
                      MetricType::Gauge,
                      {Value(static_cast<double>(c->feed_head), {})}};
    return {std::move(stored), std::move(audit), std::move(head)};
  }

 private:
  mutable CountsCache counts_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Create(
    const std::string& listen, const std::string& version,
    CountsSource counts) {
  std::unique_ptr<Metrics> m(new Metrics());
  m->registry_ = std::make_shared<prometheus::Registry>();
  auto& r = *m->registry_;
  m->submissions_ = &prometheus::BuildCounter()
                         .Name("csx_submissions_total")
                         .Help("Submitted indicators, by outcome.")
                         .Register(r);
  m->served_ = &prometheus::BuildCounter()
                    .Name("csx_feed_entries_served_total")
                    .Help("Feed entries handed out, by the org of the reader.")
                    .Register(r);
  m->peer_connected_ =
      &prometheus::BuildGauge()
           .Name("csx_peer_connected")
           .Help("1 while the subscription to a partner's feed is open.")
           .Register(r);
  m->peer_lag_ = &prometheus::BuildGauge()
                      .Name("csx_peer_lag_seconds")
                      .Help(
                          "Age of the newest entry applied from a partner's "
                          "feed; 0 when caught up.")
                      .Register(r);
  m->peer_applied_ = &prometheus::BuildCounter()
                          .Name("csx_peer_entries_applied_total")
                          .Help(
                              "Entries received from partners, stored or "
                              "refused by the agreement.")
                          .Register(r);
  m->refusals_ = &prometheus::BuildCounter()
                      .Name("csx_refusals_total")
                      .Help("Refused calls and items, by reason.")
                      .Register(r);
  m->rpc_requests_ = &prometheus::BuildCounter()
                          .Name("csx_grpc_requests_total")
                          .Help("Finished gRPC calls, by method and code.")
                          .Register(r);
  m->rpc_duration_ = &prometheus::BuildHistogram()
                          .Name("csx_grpc_request_duration_seconds")
                          .Help("Duration of gRPC calls, by method.")
                          .Register(r);
  m->taxii_requests_ = &prometheus::BuildCounter()
                            .Name("csx_taxii_requests_total")
                            .Help("TAXII requests, by route and HTTP status.")
                            .Register(r);
  prometheus::BuildGauge()
      .Name("csx_build_info")
      .Help("Version of csxd.")
      .Register(r)
      .Add({{"version", version}})
      .Set(1);
  if (counts) {
    m->store_collector_ = std::make_shared<StoreCollector>(std::move(counts));
  }
  if (!listen.empty()) {
    try {
      m->exposer_ = std::make_unique<prometheus::Exposer>(listen, 2);
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat(
          "node.metrics_listen: cannot listen on ", listen, ": ", e.what()));
    }
    m->exposer_->RegisterCollectable(m->registry_);
    if (m->store_collector_) {
      m->exposer_->RegisterCollectable(m->store_collector_);
    }
    const auto ports = m->exposer_->GetListeningPorts();
    if (!ports.empty()) m->port_ = ports.front();
  }
  return m;
}

Metrics::~Metrics() = default;

std::string Metrics::Render() const {
  std::vector<MetricFamily> families = registry_->Collect();
  if (store_collector_) {
    for (auto& f : store_collector_->Collect()) families.push_back(f);
  }
  return prometheus::TextSerializer().Serialize(families);
}

void Metrics::Submitted(uint64_t created, uint64_t merged, uint64_t invalid,
                        uint64_t warninglisted) {
  submissions_->Add({{"outcome", "created"}}).Increment(created);
  submissions_->Add({{"outcome", "merged"}}).Increment(merged);
  submissions_->Add({{"outcome", "rejected"}})
      .Increment(invalid + warninglisted);
  if (invalid > 0) Refused("invalid", invalid);
  if (warninglisted > 0) Refused("warninglist", warninglisted);
}

void Metrics::Served(const std::string& org, uint64_t entries) {
  served_->Add({{"partner", org}}).Increment(entries);
}

void Metrics::AppliedFromPeer(const std::string& peer, uint64_t applied,
                              uint64_t refused) {
  peer_applied_->Add({{"peer", peer}, {"result", "applied"}})
      .Increment(applied);
  peer_applied_->Add({{"peer", peer}, {"result", "refused"}})
      .Increment(refused);
}

void Metrics::Refused(absl::string_view reason, uint64_t count) {
  refusals_->Add({{"reason", std::string(reason)}}).Increment(count);
}

void Metrics::RateLimited(const std::string& principal,
                          absl::string_view what) {
  spdlog::warn(
      "rate limit: refusing {} calls of {} (limits.{}_rate); "
      "further refusals of it are counted, not logged, for a while",
      std::string(what), principal, std::string(what));
}

void Metrics::PeerConnected(const std::string& peer, bool connected) {
  peer_connected_->Add({{"peer", peer}}).Set(connected ? 1 : 0);
}

void Metrics::PeerLag(const std::string& peer, absl::Duration lag) {
  peer_lag_->Add({{"peer", peer}})
      .Set(std::max(0.0, absl::ToDoubleSeconds(lag)));
}

void Metrics::ObserveRpc(const std::string& method, absl::string_view code,
                         absl::Duration elapsed, bool size_limit) {
  rpc_requests_->Add({{"method", method}, {"code", std::string(code)}})
      .Increment();
  rpc_duration_->Add({{"method", method}}, RpcBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
  if (size_limit) Refused("resource", 1);
}

void Metrics::CountTaxii(absl::string_view route, int status) {
  taxii_requests_
      ->Add({{"route", std::string(route)}, {"status", absl::StrCat(status)}})
      .Increment();
}

}  // namespace csx
