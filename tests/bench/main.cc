// csx-bench: measures a csirt-exchange node against baselines taken in the
// same run, with real csxd processes, mutual TLS and SQLite on disk.
//
//   csx-bench [--scenarios
//              ingest,pull,unary,propagation,query,scale,policy,import]
//             [--ingest N] [--query-n N] [--scale-points 0,1000000,...]
//             [--samples N] [--json FILE] [--keep DIR]
// Prints a table; --json also writes the figures for machines.
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/grpc/grpc_runtime.h"
#include "common/time_util.h"
#include "tests/bench/scenarios.h"

namespace {

std::string MachineLine() {
  utsname u{};
  uname(&u);
  std::string cpu;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::string out =
      absl::StrCat(u.sysname, " ", u.release, ", ",
                   std::thread::hardware_concurrency(), " cores, ", cpu);
  // A running DAMON monitor samples the machine's memory every few hundred
  // ms, stalling it for milliseconds, and may page out what was not read
  // lately: latency tails and lookups of a large store depend on it.
  std::error_code ec;
  const std::filesystem::path damon = "/sys/kernel/mm/damon/admin/kdamonds";
  for (const auto& k : std::filesystem::directory_iterator(damon, ec)) {
    std::ifstream state(k.path() / "state");
    std::string on;
    if (state >> on && on == "on") {
      absl::StrAppend(&out, ", DAMON monitor on");
      break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"csx-bench: csirt-exchange benchmark"};
  csx::bench::Options opt;
  std::string scenarios =
      "ingest,pull,unary,propagation,query,scale,policy,import";
  std::string json_file, keep, scale_points;
  app.add_option("--scenarios", scenarios, "comma-separated scenarios")
      ->capture_default_str();
  app.add_option("--ingest", opt.ingest_n, "indicators for ingest and pull")
      ->capture_default_str();
  app.add_option("--batch", opt.batch, "items per streamed request")
      ->capture_default_str();
  app.add_option("--unary-rate", opt.unary_rate, "offered unary rate /s")
      ->capture_default_str();
  app.add_option("--unary-seconds", opt.unary_seconds, "unary phase length")
      ->capture_default_str();
  app.add_option("--unary-trace", opt.unary_trace,
                 "write each open-loop submission's send time and latency "
                 "(ms from the phase's start, tab-separated) to this file");
  app.add_option("--query-trace", opt.query_trace,
                 "write each exact query's start (ms from the phase's start) "
                 "and the latencies (ms) of the node, the transport baseline "
                 "and the storage baseline, tab-separated, to this file");
  app.add_option("--samples", opt.propagation_samples,
                 "propagation probes per phase")
      ->capture_default_str();
  app.add_option("--background-rate", opt.background_rate,
                 "background ingest /s during loaded propagation")
      ->capture_default_str();
  app.add_option("--query-n", opt.query_n, "indicators stored for query")
      ->capture_default_str();
  app.add_option("--query-samples", opt.query_samples, "lookups of each kind")
      ->capture_default_str();
  app.add_option("--scale-points", scale_points,
                 "stored sizes of the scale curve (default 0,1M,5M,10M)");
  app.add_option("--scale-n", opt.scale_n,
                 "indicators ingested per point (default: --ingest)");
  app.add_option("--import-bytes", opt.import_bytes,
                 "size of the STIX bundle the import scenario reads")
      ->capture_default_str();
  app.add_option("--json", json_file, "also write the figures as JSON here");
  app.add_option("--keep", keep,
                 "work in this directory and keep it; a later run over it "
                 "reuses a query store filled to the same --query-n");
  CLI11_PARSE(app, argc, argv);
  if (opt.scale_n == 0) opt.scale_n = opt.ingest_n;
  if (!scale_points.empty()) {
    opt.scale_points.clear();
    for (absl::string_view p : absl::StrSplit(scale_points, ',')) {
      opt.scale_points.push_back(std::stoull(std::string(p)));
    }
  }

  // Before every channel and server, so that it outlives them.
  csx::GrpcRuntime grpc_runtime;
  csx::bench::Report report;
  csx::bench::Context ctx;
  ctx.options = opt;
  ctx.report = &report;
  ctx.paths.source_dir = CSX_SOURCE_DIR;
  ctx.paths.bin_dir = CSX_BINARY_DIR;
  ctx.paths.work_dir = keep.empty() ? (std::filesystem::temp_directory_path() /
                                       absl::StrCat("csx-bench-", getpid()))
                                          .string()
                                    : keep;
  std::filesystem::create_directories(ctx.paths.work_dir);
  const std::vector<std::string> wanted = absl::StrSplit(scenarios, ',');
  auto want = [&](const std::string& s) {
    return std::find(wanted.begin(), wanted.end(), s) != wanted.end();
  };
  auto fail = [&](const std::string& what, const absl::Status& s) {
    std::cerr << "csx-bench: " << what << ": " << s.message() << "\n";
    if (keep.empty()) std::filesystem::remove_all(ctx.paths.work_dir);
    return 1;
  };
  const std::string& w = ctx.paths.work_dir;
  std::cerr << "csx-bench: " << MachineLine() << "\n";

  // Baselines on the ingest requests, then the scenarios.
  std::filesystem::create_directories(w + "/baseline");
  if (auto s = csx::bench::MakeCerts(ctx.paths, w + "/baseline", "cl.csirt");
      !s.ok()) {
    return fail("certificates", s);
  }
  const auto requests =
      csx::bench::MakeRequests(0, opt.ingest_n, opt.batch, /*salt=*/0);
  auto transport =
      csx::bench::TransportBaseline(ctx, w + "/baseline", requests);
  if (!transport.ok()) return fail("transport baseline", transport.status());
  auto storage = csx::bench::StorageBaseline(ctx, w + "/baseline", requests);
  if (!storage.ok()) return fail("storage baseline", storage.status());
  ctx.baseline_rate = std::min(*transport, *storage);
  csx::bench::Settle();
  report.AddInfo("baseline", "transport indicators/s", *transport);
  report.AddInfo("baseline", "storage indicators/s", *storage);

  if (want("ingest") || want("pull") || want("unary")) {
    auto node = csx::bench::StartSingleNode(ctx, w + "/single");
    if (!node.ok()) return fail("node", node.status());
    if (want("ingest") || want("pull")) {
      if (auto s = csx::bench::RunIngest(ctx, *node, requests); !s.ok()) {
        return fail("ingest", s);
      }
    }
    if (want("pull")) {
      csx::bench::Settle();
      if (auto s = csx::bench::RunPull(ctx, *node); !s.ok()) {
        return fail("pull", s);
      }
    }
    if (want("unary")) {
      if (auto s = node->node->SettleStore(); !s.ok()) return fail("unary", s);
      auto disk = csx::bench::FsyncBaseline(w + "/single", 500);
      if (!disk.ok()) return fail("fsync baseline", disk.status());
      report.AddInfo("unary", "disk: 4 KB fdatasync p50 ms", disk->p50);
      report.AddInfo("unary", "disk: 4 KB fdatasync p99 ms", disk->p99);
      if (auto s = csx::bench::RunUnary(ctx, *node); !s.ok()) {
        return fail("unary", s);
      }
    }
  }
  if (want("propagation")) {
    csx::bench::Settle();
    if (auto s = csx::bench::RunPropagation(ctx, w + "/propagation"); !s.ok()) {
      return fail("propagation", s);
    }
  }
  if (want("query")) {
    csx::bench::Settle();
    if (auto s = csx::bench::RunQuery(ctx, w + "/query"); !s.ok()) {
      return fail("query", s);
    }
  }
  if (want("scale")) {
    csx::bench::Settle();
    if (auto s = csx::bench::RunScale(ctx, w + "/scale"); !s.ok()) {
      return fail("scale", s);
    }
  }
  if (want("policy")) {
    if (auto s = csx::bench::RunPolicy(ctx); !s.ok()) return fail("policy", s);
  }
  if (want("import")) {
    if (auto s = csx::bench::RunImport(ctx); !s.ok()) return fail("import", s);
  }

  report.PrintTable(std::cout);
  if (!json_file.empty()) {
    nlohmann::json j = {{"machine", MachineLine()},
                        {"time", csx::FormatTime(absl::Now())},
                        {"figures", report.ToJson()}};
    std::ofstream(json_file) << j.dump(2) << "\n";
  }
  if (keep.empty()) std::filesystem::remove_all(ctx.paths.work_dir);
  return 0;
}
