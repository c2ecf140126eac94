// The scenarios of csx-bench and the baselines their rates are compared to.
#ifndef CSX_TESTS_BENCH_SCENARIOS_H_
#define CSX_TESTS_BENCH_SCENARIOS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "csx/v1/service.grpc.pb.h"
#include "tests/bench/bench_env.h"
#include "tests/bench/report.h"

namespace csx::bench {

struct Options {
  uint64_t ingest_n = 1000000;
  int batch = 1000;
  double unary_rate = 1000;  // offered submissions/s
  double unary_seconds = 5;
  std::string unary_trace;  // file for each open-loop request's latency
  int propagation_samples = 1000;
  double background_rate = 10000;  // indicators/s during propagation
  uint64_t query_n = 10000000;
  int query_samples = 2000;
  std::string query_trace;  // file for each exact query's latencies
  std::vector<uint64_t> scale_points = {0, 1000000, 5000000, 10000000};
  // Indicators ingested at each point; 0: as many as the ingest scenario
  // (ingest_n), so that "ingest on an empty store" is that scenario's load.
  uint64_t scale_n = 0;
  size_t import_bytes = 10 << 20;  // size of the STIX bundle csx reads
};

struct Context {
  Paths paths;
  Options options;
  Report* report = nullptr;
  double baseline_rate = 0;  // min(transport, storage), indicators/s
};

// One node of org cl.csirt with its certificates under `dir`.
struct SingleNode {
  std::string dir;
  std::unique_ptr<NodeProcess> node;
  std::shared_ptr<grpc::Channel> analyst, reader;
  // A reader of the partner us.cisa, whose agreement shares every
  // generated indicator: its feed holds the same entries as `reader`'s, each
  // decided by the agreement and recorded as delivered.
  std::shared_ptr<grpc::Channel> partner;
};
absl::StatusOr<SingleNode> StartSingleNode(const Context& ctx,
                                           const std::string& dir);

// `n` generated indicators as SubmitRequests of `batch` items.
std::vector<v1::SubmitRequest> MakeRequests(uint64_t first, uint64_t n,
                                            int batch, uint32_t salt);

// Streams `requests` over one SubmitStream call; returns the seconds taken.
absl::StatusOr<double> StreamAll(
    v1::IndicatorService::Stub& stub,
    const std::vector<v1::SubmitRequest>& requests);

// Baseline (a): the same requests over the same mutual TLS to a service that
// parses and discards them. Indicators/s.
absl::StatusOr<double> TransportBaseline(
    const Context& ctx, const std::string& certs,
    const std::vector<v1::SubmitRequest>& requests);
// Baseline (b): the same rows inserted straight into SQLite with the
// store's schema, indexes and pragmas, one transaction per batch.
// Indicators/s.
absl::StatusOr<double> StorageBaseline(
    const Context& ctx, const std::string& dir,
    const std::vector<v1::SubmitRequest>& requests);
// Baselines of the query scenario, one sample beside each of the node's:
// (a) the same QueryRequest over the same mutual TLS to a service that
// answers every query with `answer` (a real answer of the node), and (b)
// the lookup of another stored value (one the node has not just read)
// straight into SQLite on the node's file, in this process, with the node's
// reader settings. They are the floors under a lookup's latency: the round
// trip alone, and the store alone.
class QueryBaselines {
 public:
  static absl::StatusOr<std::unique_ptr<QueryBaselines>> Start(
      const std::string& certs, const std::string& db_path,
      v1::QueryResponse answer);
  ~QueryBaselines();

  // Milliseconds of one round trip of `req`.
  absl::StatusOr<double> TransportMs(const v1::QueryRequest& req);
  // Milliseconds of looking the stored `value` up as the node's exact
  // query does: its row and current version, decoded.
  absl::StatusOr<double> StorageMs(v1::IndicatorType type,
                                   const std::string& value);

 private:
  struct State;
  explicit QueryBaselines(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Baseline (c), the disk: latencies (ms) of 4 KB written in place and
// fdatasync'ed, `samples` times, in `dir`. What a durable unary submission
// waits for at least once; reported with the unary figures.
struct FsyncLatency {
  double p50 = 0, p99 = 0;
};
absl::StatusOr<FsyncLatency> FsyncBaseline(const std::string& dir, int samples);

absl::Status RunIngest(Context& ctx, SingleNode& node,
                       const std::vector<v1::SubmitRequest>& requests);
absl::Status RunPull(Context& ctx, SingleNode& node);
absl::Status RunUnary(Context& ctx, SingleNode& node);
absl::Status RunQuery(Context& ctx, const std::string& dir);
absl::Status RunScale(Context& ctx, const std::string& dir);
absl::Status RunPropagation(Context& ctx, const std::string& dir);
absl::Status RunPolicy(Context& ctx);
absl::Status RunImport(Context& ctx);

}  // namespace csx::bench

#endif  // CSX_TESTS_BENCH_SCENARIOS_H_
