// Scenarios that write: ingest through client streaming, and the ingest
// rate as the store grows (scale curve).
#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "tests/bench/generator.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

std::string SingleNodeYaml() {
  return R"(node: { org: cl.csirt, listen: "127.0.0.1:0" }
tls: { cert: node.crt, key: node.key, client_ca: ca.crt }
store: { sqlite: csx.db }
# The benchmark is its own flood: no per-principal rate limits.
limits: { submit_rate: { per_second: 0 }, query_rate: { per_second: 0 } }
principals:
  - { match: { san_uri: "csx://cl.csirt/analyst/*" }, role: analyst }
  - { match: { san_uri: "csx://cl.csirt/reader/*" }, role: reader }
  - { match: { san_uri: "csx://cl.csirt/admin/*" }, role: admin }
  - { match: { san_uri: "csx://us.cisa/reader/*" }, org: us.cisa, role: reader }
# A partner that is shared everything the generator makes (GREEN and AMBER).
agreements:
  - { id: cl-us, partner: us.cisa, effective_from: 2018-01-01T00:00:00Z,
      share: { max_tlp: AMBER }, accept: { max_tlp: AMBER } }
)";
}

}  // namespace

absl::StatusOr<SingleNode> StartSingleNode(const Context& ctx,
                                           const std::string& dir) {
  std::filesystem::create_directories(dir);
  if (absl::Status s = MakeCerts(ctx.paths, dir, "cl.csirt"); !s.ok()) return s;
  // The partner's reader, certified by the node's own CA.
  const std::string partner = dir + "/us.cisa";
  std::filesystem::create_directories(partner);
  for (const char* f : {"/ca.crt", "/ca.key"}) {
    std::filesystem::copy_file(
        dir + f, partner + f,
        std::filesystem::copy_options::overwrite_existing);
  }
  if (absl::Status s = MakeCerts(ctx.paths, partner, "us.cisa"); !s.ok()) {
    return s;
  }
  SingleNode n;
  n.dir = dir;
  auto node = NodeProcess::Start(ctx.paths, dir, SingleNodeYaml());
  if (!node.ok()) return node.status();
  n.node = *std::move(node);
  n.analyst = MakeChannel(n.node->address(), dir + "/ca.crt", dir + "/analyst");
  n.reader = MakeChannel(n.node->address(), dir + "/ca.crt", dir + "/reader");
  n.partner =
      MakeChannel(n.node->address(), dir + "/ca.crt", partner + "/reader");
  return n;
}

std::vector<v1::SubmitRequest> MakeRequests(uint64_t first, uint64_t n,
                                            int batch, uint32_t salt) {
  std::vector<v1::SubmitRequest> requests;
  requests.reserve(n / static_cast<uint64_t>(batch) + 1);
  for (uint64_t i = 0; i < n; ++i) {
    if (i % static_cast<uint64_t>(batch) == 0) requests.emplace_back();
    *requests.back().add_items() = MakeIndicator(first + i, salt);
  }
  return requests;
}

absl::StatusOr<double> StreamAll(
    v1::IndicatorService::Stub& stub,
    const std::vector<v1::SubmitRequest>& requests) {
  grpc::ClientContext call;
  v1::SubmitResponse resp;
  const auto start = std::chrono::steady_clock::now();
  auto writer = stub.SubmitStream(&call, &resp);
  for (const auto& r : requests) {
    if (!writer->Write(r)) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!s.ok()) {
    return absl::InternalError(
        absl::StrCat("SubmitStream: ", s.error_message()));
  }
  if (resp.rejected() > 0) {
    return absl::InternalError(
        absl::StrCat("SubmitStream rejected ", resp.rejected(), " items"));
  }
  return seconds;
}

absl::Status RunIngest(Context& ctx, SingleNode& node,
                       const std::vector<v1::SubmitRequest>& requests) {
  uint64_t n = 0;
  for (const auto& r : requests) n += static_cast<uint64_t>(r.items_size());
  auto stub = v1::IndicatorService::NewStub(node.analyst);
  const double cpu_before = node.node->CpuSeconds();
  auto seconds = StreamAll(*stub, requests);
  if (!seconds.ok()) return seconds.status();
  const double rate = static_cast<double>(n) / *seconds;
  const double cpu = node.node->CpuSeconds() - cpu_before;
  ctx.report->AddRate("ingest", "indicators/s", rate, ctx.baseline_rate,
                      100000);
  ctx.report->AddInfo("ingest", "server CPU s per million",
                      cpu / static_cast<double>(n) * 1e6);
  ctx.report->AddMax("ingest", "server peak RSS MB",
                     static_cast<double>(node.node->PeakRssBytes()) / 1e6, 0);
  ctx.report->AddInfo("ingest", "indicators", static_cast<double>(n));
  return absl::OkStatus();
}

absl::Status RunScale(Context& ctx, const std::string& dir) {
  auto node = StartSingleNode(ctx, dir);
  if (!node.ok()) return node.status();
  auto stub = v1::IndicatorService::NewStub(node->analyst);
  uint64_t stored = 0;
  double empty_rate = 0;
  const int batch = ctx.options.batch;
  for (uint64_t point : ctx.options.scale_points) {
    // Fill up to the point (not timed), in slices to bound client memory.
    while (stored < point) {
      const uint64_t n = std::min<uint64_t>(point - stored, 500000);
      auto s = StreamAll(*stub, MakeRequests(stored, n, batch, 7));
      if (!s.ok()) return s.status();
      stored += n;
    }
    const auto requests = MakeRequests(stored, ctx.options.scale_n, batch, 7);
    // Each point starts from a checkpointed store, not while the fill's
    // log is still being written back.
    if (absl::Status s = node->node->SettleStore(); !s.ok()) return s;
    const double cpu_before = node->node->CpuSeconds();
    const uint64_t written_before = node->node->WrittenBytes();
    const uint64_t read_before = node->node->ReadBytes();
    auto seconds = StreamAll(*stub, requests);
    if (!seconds.ok()) return seconds.status();
    // What the node wrote meanwhile; its checkpoints of these writes may
    // still be running.
    const auto n = static_cast<double>(ctx.options.scale_n);
    ctx.report->AddInfo("scale",
                        absl::StrCat("server CPU s per million at ", point),
                        (node->node->CpuSeconds() - cpu_before) * 1e6 / n);
    ctx.report->AddInfo(
        "scale", absl::StrCat("server KB written per indicator at ", point),
        static_cast<double>(node->node->WrittenBytes() - written_before) /
            1024 / n);
    ctx.report->AddInfo(
        "scale",
        absl::StrCat("server KB read from storage per indicator at ", point),
        static_cast<double>(node->node->ReadBytes() - read_before) / 1024 / n);
    stored += ctx.options.scale_n;
    const double rate = n / *seconds;
    if (empty_rate == 0) empty_rate = rate;
    ctx.report->AddRate("scale", absl::StrCat("indicators/s at ", point), rate,
                        ctx.baseline_rate, 0);
    if (point > 0) {
      Figure f{"scale",
               absl::StrCat("rate at ", point, " / empty"),
               rate / empty_rate,
               ">= 0.7",
               rate / empty_rate >= 0.7,
               0};
      ctx.report->Add(f);
    }
  }
  ctx.report->AddInfo("scale", "store MB at end",
                      static_cast<double>(node->node->StoreBytes()) / 1e6);
  return absl::OkStatus();
}

}  // namespace csx::bench
