// Time from a submission at the origin to its arrival at a direct partner
// and at a partner two hops away, seen by live subscriptions, idle and under
// a background ingest load at the origin.
//
//   cl.csirt  --AMBER-->  us.cisa  --GREEN-->  uk.ncsc
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/bench/generator.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Org {
  std::string name;
  std::string dir;
  std::unique_ptr<NodeProcess> node;
};

std::string NodeYaml(const std::string& org, const std::string& bundle,
                     const std::string& extra) {
  return absl::StrCat("node: { org: ", org,
                      ", listen: \"127.0.0.1:0\" }\n"
                      "tls: { cert: node.crt, key: node.key, client_ca: ",
                      bundle,
                      " }\n"
                      "store: { sqlite: csx.db }\n"
                      "limits: { submit_rate: { per_second: 0 }, "
                      "query_rate: { per_second: 0 } }\n"
                      "principals:\n"
                      "  - { match: { san_uri: \"csx://",
                      org, "/analyst/*\" }, role: analyst }\n",
                      "  - { match: { san_uri: \"csx://", org,
                      "/reader/*\" }, role: reader }\n", extra);
}

// Arrival times of probe values on one node's live feed.
class Observer {
 public:
  Observer(std::shared_ptr<grpc::Channel> channel) {
    thread_ = std::thread([this, channel] {
      auto stub = v1::FeedService::NewStub(channel);
      v1::SubscribeRequest req;
      auto reader = stub->Subscribe(&call_, req);
      v1::PullResponse batch;
      while (reader->Read(&batch)) {
        const auto now = Clock::now();
        absl::MutexLock lock(&mu_);
        for (const auto& e : batch.entries()) {
          const std::string& v = e.indicator().value();
          if (absl::StartsWith(v, "probe-")) arrivals_.try_emplace(v, now);
        }
      }
      reader->Finish();
    });
  }
  ~Observer() {
    call_.TryCancel();
    thread_.join();
  }
  bool Arrived(const std::string& value, Clock::time_point* at) {
    absl::MutexLock lock(&mu_);
    auto it = arrivals_.find(value);
    if (it == arrivals_.end()) return false;
    *at = it->second;
    return true;
  }

 private:
  grpc::ClientContext call_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Clock::time_point> arrivals_;
  std::thread thread_;
};

}  // namespace

absl::Status RunPropagation(Context& ctx, const std::string& dir) {
  std::vector<Org> orgs(3);
  orgs[0].name = "cl.csirt";
  orgs[1].name = "us.cisa";
  orgs[2].name = "uk.ncsc";
  for (Org& o : orgs) o.dir = dir + "/" + o.name.substr(0, 2);
  std::string bundle_text;
  for (Org& o : orgs) {
    std::filesystem::create_directories(o.dir);
    if (absl::Status s = MakeCerts(ctx.paths, o.dir, o.name); !s.ok()) return s;
    bundle_text += ReadText(o.dir + "/ca.crt");
  }
  const std::string bundle = dir + "/federation-ca.pem";
  if (absl::Status s = WriteText(bundle, bundle_text); !s.ok()) return s;
  const std::string from = "effective_from: 2018-01-01T00:00:00Z";

  auto cl = NodeProcess::Start(
      ctx.paths, orgs[0].dir,
      NodeYaml("cl.csirt", bundle,
               absl::StrCat("  - { match: { san_uri: "
                            "\"csx://us.cisa/peer/node\" }, org: us.cisa, "
                            "role: peer }\nagreements:\n  - { id: cl-us, "
                            "partner: us.cisa, ",
                            from,
                            ", share: { max_tlp: AMBER }, accept: { max_tlp: "
                            "AMBER } }\n")));
  if (!cl.ok()) return cl.status();
  orgs[0].node = *std::move(cl);
  auto us = NodeProcess::Start(
      ctx.paths, orgs[1].dir,
      NodeYaml("us.cisa", bundle,
               absl::StrCat(
                   "  - { match: { san_uri: \"csx://uk.ncsc/peer/node\" }, "
                   "org: uk.ncsc, role: peer }\npeers:\n  - { org: cl.csirt, "
                   "address: \"",
                   orgs[0].node->address(),
                   "\", server_name: localhost }\nagreements:\n"
                   "  - { id: us-cl, partner: cl.csirt, ",
                   from,
                   ", share: { max_tlp: AMBER }, accept: { max_tlp: AMBER, "
                   "redistribute: true } }\n  - { id: us-uk, partner: "
                   "uk.ncsc, ",
                   from,
                   ", share: { max_tlp: GREEN, forward_third_party: true }, "
                   "accept: { max_tlp: GREEN } }\n")));
  if (!us.ok()) return us.status();
  orgs[1].node = *std::move(us);
  auto uk = NodeProcess::Start(
      ctx.paths, orgs[2].dir,
      NodeYaml("uk.ncsc", bundle,
               absl::StrCat("peers:\n  - { org: us.cisa, address: \"",
                            orgs[1].node->address(),
                            "\", server_name: localhost }\nagreements:\n"
                            "  - { id: uk-us, partner: us.cisa, ",
                            from,
                            ", share: { max_tlp: GREEN }, accept: { max_tlp: "
                            "GREEN } }\n")));
  if (!uk.ok()) return uk.status();
  orgs[2].node = *std::move(uk);

  Observer direct(
      MakeChannel(orgs[1].node->address(), bundle, orgs[1].dir + "/reader"));
  Observer two_hops(
      MakeChannel(orgs[2].node->address(), bundle, orgs[2].dir + "/reader"));
  auto submit = v1::IndicatorService::NewStub(
      MakeChannel(orgs[0].node->address(), bundle, orgs[0].dir + "/analyst"));

  for (const bool loaded : {false, true}) {
    std::atomic<bool> stop{false};
    std::thread background;
    if (loaded) {
      background = std::thread([&] {
        auto stub = v1::IndicatorService::NewStub(MakeChannel(
            orgs[0].node->address(), bundle, orgs[0].dir + "/analyst"));
        const int batch = 500;
        const auto pace =
            std::chrono::duration<double>(batch / ctx.options.background_rate);
        uint64_t next = 0;
        auto due = Clock::now();
        while (!stop.load()) {
          auto requests = MakeRequests(next, batch, batch, 31);
          next += batch;
          grpc::ClientContext call;
          v1::SubmitResponse resp;
          stub->SubmitBatch(&call, requests[0], &resp);
          due += std::chrono::duration_cast<Clock::duration>(pace);
          std::this_thread::sleep_until(due);
        }
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    std::vector<std::pair<std::string, Clock::time_point>> sent;
    for (int k = 0; k < ctx.options.propagation_samples; ++k) {
      v1::SubmitRequest req;
      v1::IndicatorInput* in = req.add_items();
      in->set_type("domain");
      in->set_value(
          absl::StrCat("probe-", loaded ? "l" : "i", k, ".bench.example"));
      in->set_tlp("GREEN");
      v1::SubmitResponse resp;
      grpc::ClientContext call;
      const auto t = Clock::now();
      if (!submit->SubmitBatch(&call, req, &resp).ok()) {
        return absl::InternalError("probe submission failed");
      }
      sent.emplace_back(in->value(), t);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Wait for the last probes to arrive.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::vector<double> one, two;
    for (const auto& [value, t] : sent) {
      Clock::time_point at;
      while (!direct.Arrived(value, &at) && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (direct.Arrived(value, &at)) {
        one.push_back(
            std::chrono::duration<double, std::milli>(at - t).count());
      }
      while (!two_hops.Arrived(value, &at) && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (two_hops.Arrived(value, &at)) {
        two.push_back(
            std::chrono::duration<double, std::milli>(at - t).count());
      }
    }
    stop = true;
    if (background.joinable()) background.join();
    if (one.size() != sent.size() || two.size() != sent.size()) {
      return absl::InternalError(absl::StrCat(
          "propagation: ", sent.size() - one.size(), " probes missing at the ",
          "direct partner, ", sent.size() - two.size(), " two hops away"));
    }
    const std::string when = loaded ? " loaded" : " idle";
    ctx.report->AddInfo("propagation", "direct p50 ms" + when,
                        Percentile(one, 50));
    ctx.report->AddMax("propagation", "direct p99 ms" + when,
                       Percentile(one, 99), 100);
    ctx.report->AddInfo("propagation", "two hops p50 ms" + when,
                        Percentile(two, 50));
    ctx.report->AddMax("propagation", "two hops p99 ms" + when,
                       Percentile(two, 99), 200);
  }
  return absl::OkStatus();
}

}  // namespace csx::bench
