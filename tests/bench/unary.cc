// Single-indicator submissions from 8 concurrent clients: latency at a fixed
// offered rate (measured from the scheduled send time, so that a stall
// counts against every request it delays), then the saturation rate.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "tests/bench/generator.h"
#include "tests/bench/pause_watch.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

constexpr int kClients = 8;
using Clock = std::chrono::steady_clock;

}  // namespace

absl::Status RunUnary(Context& ctx, SingleNode& node) {
  const double seconds = ctx.options.unary_seconds;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < kClients; ++c) {
    channels.push_back(MakeChannel(node.node->address(), node.dir + "/ca.crt",
                                   node.dir + "/analyst"));
  }
  std::atomic<uint64_t> next{0};
  std::atomic<int> errors{0};
  // Connect every client first (TCP, TLS, HTTP/2) and send one submission
  // each: the scenario measures steady-state latency, and a handshake inside
  // the open loop would count against every request scheduled behind it.
  for (auto& channel : channels) {
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(10))) {
      return absl::UnavailableError("unary: a client could not connect");
    }
    auto stub = v1::IndicatorService::NewStub(channel);
    v1::SubmitRequest req;
    *req.add_items() = MakeIndicator(next++, 11);
    v1::SubmitResponse resp;
    grpc::ClientContext call;
    if (!stub->SubmitBatch(&call, req, &resp).ok()) ++errors;
  }

  // Open loop at the offered rate.
  absl::Mutex mu;
  std::vector<std::pair<double, double>> trace;  // (due, latency) ms
  const auto interval =
      std::chrono::duration<double>(kClients / ctx.options.unary_rate);
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const int per_client =
      static_cast<int>(ctx.options.unary_rate * seconds / kClients);
  PauseWatch watch(start);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::IndicatorService::NewStub(channels[c]);
      std::vector<std::pair<double, double>> mine;
      for (int k = 0; k < per_client; ++k) {
        const auto due =
            start + std::chrono::duration_cast<Clock::duration>(
                        interval * (k + static_cast<double>(c) / kClients));
        std::this_thread::sleep_until(due);
        v1::SubmitRequest req;
        *req.add_items() = MakeIndicator(next++, 11);
        v1::SubmitResponse resp;
        grpc::ClientContext call;
        if (!stub->SubmitBatch(&call, req, &resp).ok()) ++errors;
        mine.emplace_back(
            std::chrono::duration<double, std::milli>(due - start).count(),
            std::chrono::duration<double, std::milli>(Clock::now() - due)
                .count());
      }
      absl::MutexLock lock(&mu);
      trace.insert(trace.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  threads.clear();
  const PauseWatch::Result machine = watch.Stop();
  std::vector<double> latencies;
  latencies.reserve(trace.size());
  for (const auto& sample : trace) latencies.push_back(sample.second);
  const std::string at = absl::StrCat(" at ", ctx.options.unary_rate, "/s");
  ctx.report->AddInfo("unary", "p50 ms" + at, Percentile(latencies, 50));
  ctx.report->AddMax("unary", "p99 ms" + at, Percentile(latencies, 99), 5);
  ctx.report->AddInfo("unary", "p99.9 ms" + at, Percentile(latencies, 99.9));
  ReportPauses(*ctx.report, "unary", machine);
  if (!ctx.options.unary_trace.empty()) {
    std::sort(trace.begin(), trace.end());
    // The phase's start on CLOCK_MONOTONIC, as `perf record -k mono` and
    // `perf trace` print their times.
    std::string text = absl::StrFormat(
        "# start %.6f s CLOCK_MONOTONIC\n",
        std::chrono::duration<double>(start.time_since_epoch()).count());
    for (const auto& [due, latency] : trace) {
      absl::StrAppend(&text, absl::StrFormat("%.3f\t%.3f\n", due, latency));
    }
    absl::StrAppend(&text, PauseLines(machine));
    if (absl::Status s = WriteText(ctx.options.unary_trace, text); !s.ok()) {
      return s;
    }
  }

  // Closed loop: as fast as 8 clients go.
  std::atomic<uint64_t> done{0};
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  const auto closed_start = Clock::now();
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::IndicatorService::NewStub(channels[c]);
      while (Clock::now() < end) {
        v1::SubmitRequest req;
        *req.add_items() = MakeIndicator(next++, 11);
        v1::SubmitResponse resp;
        grpc::ClientContext call;
        if (stub->SubmitBatch(&call, req, &resp).ok()) {
          ++done;
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - closed_start).count();
  ctx.report->AddRate("unary", "saturation submissions/s",
                      static_cast<double>(done.load()) / elapsed,
                      ctx.baseline_rate, 0);
  if (errors.load() > 0) {
    return absl::InternalError(
        absl::StrCat(errors.load(), " unary submissions failed"));
  }
  return absl::OkStatus();
}

}  // namespace csx::bench
