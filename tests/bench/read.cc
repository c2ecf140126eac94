// Scenarios that read: the full feed from cursor zero, and exact and
// CIDR-containment queries on a large store.
#include <google/protobuf/arena.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/canonical.h"
#include "tests/bench/generator.h"
#include "tests/bench/pause_watch.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Pulled {
  uint64_t entries = 0;
  double seconds = 0;
};

// The whole feed from cursor zero, in pages of 10 000.
absl::StatusOr<Pulled> PullAll(v1::FeedService::Stub& stub) {
  Pulled p;
  std::string cursor;
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    grpc::ClientContext call;
    v1::PullRequest req;
    req.set_cursor(cursor);
    req.set_limit(10000);
    // As a partner's client would: each page parsed into one arena.
    google::protobuf::Arena arena;
    auto* resp =
        google::protobuf::Arena::CreateMessage<v1::PullResponse>(&arena);
    grpc::Status s = stub.Pull(&call, req, resp);
    if (!s.ok()) return absl::InternalError("Pull: " + s.error_message());
    p.entries += static_cast<uint64_t>(resp->entries_size());
    cursor = resp->cursor();
    if (!resp->more()) break;
  }
  p.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return p;
}

}  // namespace

absl::Status RunPull(Context& ctx, SingleNode& node) {
  auto own = v1::FeedService::NewStub(node.reader);
  auto pulled = PullAll(*own);
  if (!pulled.ok()) return pulled.status();
  ctx.report->AddRate("pull", "entries/s",
                      static_cast<double>(pulled->entries) / pulled->seconds,
                      ctx.baseline_rate, 300000);
  ctx.report->AddInfo("pull", "entries", static_cast<double>(pulled->entries));
  // The same feed as a partner's reader: every entry decided by the
  // agreement, and each indicator recorded as delivered to the partner (the
  // holders a revocation must reach), in the node's store.
  if (absl::Status s = node.node->SettleStore(); !s.ok()) return s;
  auto partner = v1::FeedService::NewStub(node.partner);
  auto as_partner = PullAll(*partner);
  if (!as_partner.ok()) return as_partner.status();
  ctx.report->AddRate(
      "pull", "entries/s as a partner",
      static_cast<double>(as_partner->entries) / as_partner->seconds,
      ctx.baseline_rate, 0);
  if (as_partner->entries != pulled->entries) {
    return absl::InternalError(absl::StrCat("pull: the partner was served ",
                                            as_partner->entries, " entries of ",
                                            pulled->entries));
  }
  return absl::OkStatus();
}

absl::Status RunQuery(Context& ctx, const std::string& dir) {
  const uint64_t n = ctx.options.query_n;
  // With --keep, a later run of the same size reuses the filled store.
  const std::string filled = dir + "/filled";
  const bool reuse = ReadText(filled) == absl::StrCat(n);
  if (!reuse) {
    for (const char* f : {"/csx.db", "/csx.db-wal", "/csx.db-shm", "/filled"}) {
      std::filesystem::remove(dir + f);
    }
  }
  auto node = StartSingleNode(ctx, dir);
  if (!node.ok()) return node.status();
  auto submit = v1::IndicatorService::NewStub(node->analyst);
  for (uint64_t done = 0; !reuse && done < n;) {
    const uint64_t slice = std::min<uint64_t>(n - done, 500000);
    auto s = StreamAll(*submit, MakeRequests(done, slice, 5000, 3));
    if (!s.ok()) return s.status();
    done += slice;
  }
  if (absl::Status s = WriteText(filled, absl::StrCat(n)); !s.ok()) return s;
  // The samples start once the fill's log is checkpointed.
  if (absl::Status s = node->node->SettleStore(); !s.ok()) return s;
  auto stub = v1::IndicatorService::NewStub(node->reader);
  std::unique_ptr<QueryBaselines> baselines;
  std::mt19937_64 rng(42), baseline_rng(43);
  std::vector<double> exact, cidr, exact_transport, exact_storage;
  std::vector<double> exact_start;  // ms from the phase's start
  const auto phase_start = std::chrono::steady_clock::now();
  PauseWatch watch(phase_start);
  for (int i = 0; i < ctx.options.query_samples; ++i) {
    const uint64_t k = rng() % n;
    {
      exact_start.push_back(Ms(std::chrono::steady_clock::now() - phase_start));
      const v1::IndicatorInput in = MakeIndicator(k, 3);
      v1::QueryRequest req;
      req.set_value(in.value());
      v1::QueryResponse resp;
      grpc::ClientContext call;
      const auto t = std::chrono::steady_clock::now();
      grpc::Status s = stub->Query(&call, req, &resp);
      exact.push_back(Ms(std::chrono::steady_clock::now() - t));
      if (!s.ok() || resp.indicators_size() == 0) {
        return absl::InternalError(
            absl::StrCat("exact query found nothing for ", req.value()));
      }
      // The baselines answer with the node's first answer.
      if (!baselines) {
        auto b = QueryBaselines::Start(dir, dir + "/csx.db", resp);
        if (!b.ok()) return b.status();
        baselines = *std::move(b);
      }
      auto transport = baselines->TransportMs(req);
      if (!transport.ok()) return transport.status();
      exact_transport.push_back(*transport);
      // Another stored value than the node's: a lookup just made would
      // find its pages in the page cache.
      const v1::IndicatorInput other = MakeIndicator(baseline_rng() % n, 3);
      auto type = ParseIndicatorType(other.type());
      if (!type.ok()) return type.status();
      auto value = Canonicalize(*type, other.value());
      if (!value.ok()) return value.status();
      auto storage = baselines->StorageMs(*type, *value);
      if (!storage.ok()) return storage.status();
      exact_storage.push_back(*storage);
    }
    {
      // An address inside a stored /24 (cidr indicators are i % 10 == 5).
      const uint64_t c = (k / 10) * 10 + 5;
      if (c >= n) continue;
      std::string net = MakeIndicator(c, 3).value();
      net = net.substr(0, net.rfind('.')) + ".77";
      v1::QueryRequest req;
      req.set_contains_ip(net);
      req.set_limit(10);
      v1::QueryResponse resp;
      grpc::ClientContext call;
      const auto t = std::chrono::steady_clock::now();
      grpc::Status s = stub->Query(&call, req, &resp);
      cidr.push_back(Ms(std::chrono::steady_clock::now() - t));
      if (!s.ok() || resp.indicators_size() == 0) {
        return absl::InternalError(
            absl::StrCat("containment query found nothing for ", net));
      }
    }
  }
  const PauseWatch::Result machine = watch.Stop();
  if (!ctx.options.query_trace.empty()) {
    // Written before the percentiles sort the samples. The phase's start
    // on CLOCK_MONOTONIC, as `perf record -k mono` prints its times.
    std::string text = absl::StrFormat(
        "# start %.6f s CLOCK_MONOTONIC\n# start_ms\tnode_ms\ttransport_ms\t"
        "storage_ms\n",
        std::chrono::duration<double>(phase_start.time_since_epoch()).count());
    for (size_t i = 0; i < exact.size(); ++i) {
      absl::StrAppend(
          &text,
          absl::StrFormat("%.3f\t%.3f\t%.3f\t%.3f\n", exact_start[i], exact[i],
                          exact_transport[i], exact_storage[i]));
    }
    absl::StrAppend(&text, PauseLines(machine));
    if (absl::Status s = WriteText(ctx.options.query_trace, text); !s.ok()) {
      return s;
    }
  }
  const std::string size = absl::StrCat(" (", n, " stored)");
  ctx.report->AddInfo("query", "exact p50 ms" + size, Percentile(exact, 50));
  ctx.report->AddMax("query", "exact p99 ms" + size, Percentile(exact, 99), 1);
  ctx.report->AddInfo("query", "exact p50 ms, transport baseline",
                      Percentile(exact_transport, 50));
  ctx.report->AddInfo("query", "exact p99 ms, transport baseline",
                      Percentile(exact_transport, 99));
  ctx.report->AddInfo("query", "exact p50 ms, storage baseline",
                      Percentile(exact_storage, 50));
  ctx.report->AddInfo("query", "exact p99 ms, storage baseline",
                      Percentile(exact_storage, 99));
  ctx.report->AddInfo("query", "cidr p50 ms" + size, Percentile(cidr, 50));
  ctx.report->AddMax("query", "cidr p99 ms" + size, Percentile(cidr, 99), 10);
  ctx.report->AddInfo("query", "store MB",
                      static_cast<double>(node->node->StoreBytes()) / 1e6);
  ctx.report->AddMax("query", "server RSS MB",
                     static_cast<double>(node->node->RssBytes()) / 1e6, 300);
  ctx.report->AddInfo("query", "of which mapped store pages MB",
                      static_cast<double>(node->node->RssFileBytes()) / 1e6);
  ReportPauses(*ctx.report, "query", machine);
  return absl::OkStatus();
}

}  // namespace csx::bench
