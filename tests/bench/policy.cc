// Agreement decisions per second with 50 agreements, measured with Google
// Benchmark on one thread.
#include <benchmark/benchmark.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/time_util.h"
#include "server/policy/sharing_policy.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

constexpr int kAgreements = 50;

std::shared_ptr<const SharingPolicy> MakePolicy() {
  google::protobuf::RepeatedPtrField<v1::Agreement> list;
  const char* tlps[] = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT"};
  for (int i = 0; i < kAgreements; ++i) {
    v1::Agreement* a = list.Add();
    a->set_id(absl::StrCat("agreement-", i));
    a->set_partner(absl::StrCat("partner", i, ".example"));
    a->set_effective_from("2018-01-01T00:00:00Z");
    a->mutable_share()->set_max_tlp(tlps[i % 4]);
    if (i % 3 == 0) {
      a->mutable_share()->add_types("ipv4");
      a->mutable_share()->add_types("domain");
    }
    if (i % 5 == 0) a->mutable_share()->add_sectors("finance");
    a->mutable_share()->set_min_confidence(static_cast<uint32_t>(i % 60));
    a->mutable_share()->set_forward_third_party(i % 2 == 0);
    a->mutable_accept()->set_max_tlp("AMBER");
    a->mutable_accept()->set_redistribute(i % 2 == 1);
  }
  auto set = AgreementSet::Create(list);
  if (!set.ok()) std::abort();
  return std::make_shared<const SharingPolicy>(
      "cl.csirt", std::make_shared<const AgreementSet>(*std::move(set)));
}

std::vector<v1::Indicator> MakeIndicators() {
  std::vector<v1::Indicator> out;
  std::mt19937 rng(5);
  const v1::IndicatorType types[] = {v1::IPV4, v1::DOMAIN, v1::SHA256, v1::URL};
  for (int i = 0; i < 1024; ++i) {
    v1::Indicator ind;
    ind.set_id(absl::StrCat("id-", i));
    ind.set_type(types[rng() % 4]);
    ind.set_value(absl::StrCat("v", i));
    ind.set_tlp(static_cast<v1::Tlp>(1 + rng() % 5));
    ind.set_confidence(rng() % 101);
    ind.add_sectors(rng() % 2 ? "finance" : "energy");
    // A third of them arrived from a partner (onward rule applies).
    if (i % 3 == 0) {
      ind.set_origin(absl::StrCat("partner", rng() % kAgreements, ".example"));
      ind.add_path(ind.origin());
      ind.add_path("cl.csirt");
    } else {
      ind.set_origin("cl.csirt");
      ind.add_path("cl.csirt");
    }
    *ind.mutable_modified() = ToProto(absl::Now());
    out.push_back(std::move(ind));
  }
  return out;
}

void BM_ShareDecision(benchmark::State& state) {
  static const auto policy = MakePolicy();
  static const auto indicators = MakeIndicators();
  std::vector<std::string> partners;
  for (int i = 0; i < kAgreements; ++i) {
    partners.push_back(absl::StrCat("partner", i, ".example"));
  }
  const absl::Time now = absl::Now();
  size_t i = 0;
  for (auto _ : state) {
    const Decision d = policy->Share(indicators[i % indicators.size()],
                                     partners[i % partners.size()], now);
    benchmark::DoNotOptimize(d);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ShareDecision);

// Keeps items_per_second of the run.
class CaptureReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate = it->second;
    }
  }
  double rate = 0;
};

}  // namespace

absl::Status RunPolicy(Context& ctx) {
  int argc = 1;
  char arg0[] = "csx-bench";
  char* argv[] = {arg0, nullptr};
  benchmark::Initialize(&argc, argv);
  CaptureReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  ctx.report->AddRate("policy", "decisions/s (1 core, 50 agreements)",
                      reporter.rate, 0, 1000000);
  return absl::OkStatus();
}

}  // namespace csx::bench
