// Randomised no-leak and completeness test: random agreements over a random
// tree of four real nodes, a few thousand random indicators submitted at
// random nodes. After convergence every node must hold exactly the
// indicators that an independent model of SPEC sections 1 and 3 lets reach
// it, each with the path it travelled. The seed is printed; set
// CSX_TEST_SEED to replay one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

const std::vector<std::string> kTlps = {"CLEAR", "GREEN", "AMBER",
                                        "AMBER+STRICT", "RED"};
const std::vector<std::string> kTypes = {"ipv4", "domain", "sha256", "cve",
                                         "url"};
const std::vector<std::string> kSectors = {"finance", "energy", "health",
                                           "government"};

int Rank(const std::string& tlp) {
  return static_cast<int>(std::find(kTlps.begin(), kTlps.end(), tlp) -
                          kTlps.begin());
}

// One direction of an agreement: what `self` shares with / accepts from a
// partner.
struct Terms {
  int share_max = 0, accept_max = 0;
  std::set<std::string> share_types, accept_types, sectors;
  int min_confidence = 0;
  bool forward_third_party = false, redistribute = false;
};

struct Item {
  std::string type, value, tlp;
  std::vector<std::string> sectors;
  int confidence = 0;
  int origin = 0;
};

struct Model {
  int n = 4;
  std::vector<std::string> orgs;
  std::map<std::pair<int, int>, Terms> terms;  // (self, partner)
  std::vector<std::vector<int>> neighbours;

  bool Shares(const Item& it, const std::vector<int>& path, int x,
              int y) const {
    const Terms& t = terms.at({x, y});
    if (it.tlp == "RED" || Rank(it.tlp) > t.share_max) return false;
    if (!t.share_types.empty() && !t.share_types.count(it.type)) return false;
    if (!t.sectors.empty()) {
      bool any = false;
      for (const auto& s : it.sectors) any = any || t.sectors.count(s);
      if (!any) return false;
    }
    if (it.confidence < t.min_confidence) return false;
    if (std::find(path.begin(), path.end(), y) != path.end()) return false;
    if (it.origin != x) {
      if (it.tlp != "GREEN" && it.tlp != "CLEAR") return false;
      const int source = path[path.size() - 2];
      if (!terms.at({x, source}).redistribute || !t.forward_third_party)
        return false;
    }
    return true;
  }
  bool Accepts(const Item& it, int y, int x) const {
    const Terms& t = terms.at({y, x});
    if (it.tlp == "RED" || Rank(it.tlp) > t.accept_max) return false;
    return t.accept_types.empty() || t.accept_types.count(it.type);
  }
  // Node -> path for every node the item may reach (a tree: one path each).
  std::map<int, std::vector<int>> Reach(const Item& it) const {
    std::map<int, std::vector<int>> held = {{it.origin, {it.origin}}};
    std::vector<int> queue = {it.origin};
    while (!queue.empty()) {
      const int x = queue.back();
      queue.pop_back();
      for (int y : neighbours[x]) {
        if (held.count(y)) continue;
        if (Shares(it, held[x], x, y) && Accepts(it, y, x)) {
          held[y] = held[x];
          held[y].push_back(y);
          queue.push_back(y);
        }
      }
    }
    return held;
  }
};

std::set<std::string> RandomSubset(const std::vector<std::string>& all,
                                   std::mt19937& rng, double keep) {
  std::set<std::string> out;
  for (const auto& s : all) {
    if (std::uniform_real_distribution<>(0, 1)(rng) < keep) out.insert(s);
  }
  return out;
}

std::string Yaml(const std::set<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

void RunScenario(unsigned seed, int indicators) {
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  TempDir tmp;
  TestCa ca(tmp.path(), "ca");
  Model m;
  m.orgs = {"a.csirt", "b.csirt", "c.csirt", "d.csirt"};
  m.neighbours.resize(m.n);
  for (int i = 1; i < m.n; ++i) {  // a random tree
    // Chains are likelier than stars, so that onward sharing is exercised.
    const int j = rng() % 5 < 3 ? i - 1 : static_cast<int>(rng() % i);
    m.neighbours[i].push_back(j);
    m.neighbours[j].push_back(i);
  }
  for (int x = 0; x < m.n; ++x) {
    for (int y : m.neighbours[x]) {
      Terms t;
      // Generous on average, so that most rules decide some entries.
      t.share_max = 1 + static_cast<int>(rng() % 3);  // GREEN .. AMBER+STRICT
      t.accept_max = 1 + static_cast<int>(rng() % 3);
      if (rng() % 3 == 0) t.share_types = RandomSubset(kTypes, rng, 0.7);
      if (rng() % 4 == 0) t.accept_types = RandomSubset(kTypes, rng, 0.8);
      if (rng() % 4 == 0) t.sectors = RandomSubset(kSectors, rng, 0.6);
      t.min_confidence = static_cast<int>(rng() % 4) * 20;
      t.forward_third_party = rng() % 4 != 0;
      t.redistribute = rng() % 4 != 0;
      m.terms[{x, y}] = t;
    }
  }
  std::vector<int> ports;
  std::vector<std::unique_ptr<NodeProcess>> nodes;
  std::vector<std::string> readers, analysts;
  for (int x = 0; x < m.n; ++x) ports.push_back(FreePort());
  for (int x = 0; x < m.n; ++x) {
    const std::string& org = m.orgs[x];
    const std::string dir = tmp.File(org);
    std::filesystem::create_directories(dir);
    ca.Issue(org + "/node", "node." + org,
             "DNS:localhost,IP:127.0.0.1,URI:csx://" + org + "/peer/node");
    analysts.push_back(
        ca.Issue(org + "/analyst", "a", "URI:csx://" + org + "/analyst/a"));
    readers.push_back(
        ca.Issue(org + "/reader", "r", "URI:csx://" + org + "/reader/r"));
    std::string cfg = absl::StrCat(
        "node: { org: ", org, ", listen: \"127.0.0.1:", ports[x], "\" }\n",
        "tls: { cert: node.crt, key: node.key, client_ca: ../ca.crt }\n",
        "store: { sqlite: csx.db }\nprincipals:\n",
        "  - { match: { san_uri: \"csx://", org,
        "/analyst/*\" }, role: analyst }\n", "  - { match: { san_uri: \"csx://",
        org, "/reader/*\" }, role: reader }\n");
    std::string peers = "peers:\n", agreements = "agreements:\n";
    for (int y : m.neighbours[x]) {
      const std::string& p = m.orgs[y];
      const Terms& t = m.terms[{x, y}];
      cfg += absl::StrCat("  - { match: { san_uri: \"csx://", p,
                          "/peer/node\" }, org: ", p, ", role: peer }\n");
      peers +=
          absl::StrCat("  - { org: ", p, ", address: \"127.0.0.1:", ports[y],
                       "\", server_name: localhost }\n");
      agreements += absl::StrCat(
          "  - id: ", org, "-", p, "\n    partner: ", p,
          "\n    effective_from: 2020-01-01T00:00:00Z\n    share: { max_tlp: "
          "\"",
          kTlps[t.share_max], "\", types: ", Yaml(t.share_types),
          ", sectors: ", Yaml(t.sectors),
          ", min_confidence: ", t.min_confidence,
          ", forward_third_party: ", t.forward_third_party ? "true" : "false",
          " }\n    accept: { max_tlp: \"", kTlps[t.accept_max],
          "\", types: ", Yaml(t.accept_types),
          ", redistribute: ", t.redistribute ? "true" : "false", " }\n");
    }
    nodes.push_back(
        std::make_unique<NodeProcess>(dir, cfg + peers + agreements));
  }
  for (auto& n : nodes) ASSERT_TRUE(n->Start());

  // Submit at random nodes.
  std::map<std::string, Item> by_id;
  std::vector<std::vector<Item>> pending(m.n);
  for (int i = 0; i < indicators; ++i) {
    Item it;
    it.type = kTypes[rng() % kTypes.size()];
    const std::string n = std::to_string(i);
    if (it.type == "ipv4") {
      it.value =
          absl::StrCat("10.", i / 65536, ".", i / 256 % 256, ".", i % 256);
    } else if (it.type == "domain") {
      it.value = "d" + n + ".example";
    } else if (it.type == "sha256") {
      it.value = std::string(64 - n.size(), 'a') + n;
    } else if (it.type == "cve") {
      it.value = absl::StrCat("CVE-2024-", 10000 + i);
    } else {
      it.value = "http://u" + n + ".example/x";
    }
    it.tlp = kTlps[rng() % kTlps.size()];
    for (const auto& s : kSectors) {
      if (rng() % 3 == 0) it.sectors.push_back(s);
    }
    it.confidence = static_cast<int>(rng() % 101);
    it.origin = static_cast<int>(rng() % m.n);
    pending[it.origin].push_back(it);
  }
  for (int x = 0; x < m.n; ++x) {
    auto stub = v1::IndicatorService::NewStub(
        MakeChannel(nodes[x]->address(), ca.cert(), analysts[x]));
    for (size_t start = 0; start < pending[x].size(); start += 500) {
      v1::SubmitRequest req;
      const size_t end = std::min(pending[x].size(), start + 500);
      for (size_t i = start; i < end; ++i) {
        const Item& it = pending[x][i];
        auto* in = req.add_items();
        in->set_type(it.type);
        in->set_value(it.value);
        in->set_tlp(it.tlp);
        in->set_confidence(it.confidence);
        for (const auto& s : it.sectors) in->add_sectors(s);
      }
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      ASSERT_TRUE(stub->SubmitBatch(&ctx, req, &resp).ok());
      for (size_t i = start; i < end; ++i) {
        ASSERT_EQ(resp.results(i - start).outcome(), v1::OUTCOME_CREATED);
        by_id[resp.results(i - start).id()] = pending[x][i];
      }
    }
  }

  // What the model says each node must hold, with the path it travelled.
  std::vector<std::map<std::string, std::vector<std::string>>> expected(m.n);
  int onward = 0;
  for (const auto& [id, it] : by_id) {
    for (const auto& [node, path] : m.Reach(it)) {
      onward += path.size() >= 3;
      std::vector<std::string> names;
      for (int p : path) names.push_back(m.orgs[p]);
      expected[node][id] = names;
    }
  }

  // Wait for convergence, then compare exactly.
  auto held = [&](int x) {
    std::map<std::string, std::vector<std::string>> out;
    auto stub = v1::FeedService::NewStub(
        MakeChannel(nodes[x]->address(), ca.cert(), readers[x]));
    std::string cursor;
    while (true) {
      v1::PullRequest req;
      req.set_cursor(cursor);
      req.set_limit(10000);
      v1::PullResponse resp;
      grpc::ClientContext ctx;
      if (!stub->Pull(&ctx, req, &resp).ok()) break;
      for (const auto& e : resp.entries()) {
        out[e.indicator().id()] = {e.indicator().path().begin(),
                                   e.indicator().path().end()};
      }
      cursor = resp.cursor();
      if (!resp.more()) break;
    }
    return out;
  };
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(60);
  std::vector<std::map<std::string, std::vector<std::string>>> got(m.n);
  bool converged = false;
  while (!converged && std::chrono::steady_clock::now() < deadline) {
    converged = true;
    for (int x = 0; x < m.n; ++x) {
      got[x] = held(x);
      converged = converged && got[x].size() >= expected[x].size();
    }
    if (!converged) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Let anything that should not arrive have the chance to.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  size_t total = 0;
  for (int x = 0; x < m.n; ++x) {
    got[x] = held(x);
    total += expected[x].size();
    for (const auto& [id, path] : got[x]) {
      auto want = expected[x].find(id);
      if (want == expected[x].end()) {
        const Item& it = by_id[id];
        ADD_FAILURE() << "LEAK: " << m.orgs[x] << " holds " << it.type << " "
                      << it.value << " TLP:" << it.tlp << " via "
                      << absl::StrJoin(path, ">");
      } else {
        EXPECT_EQ(path, want->second) << id;
      }
    }
    for (const auto& [id, path] : expected[x]) {
      if (!got[x].count(id)) {
        ADD_FAILURE() << "MISSING: " << m.orgs[x] << " lacks "
                      << by_id[id].value << " via " << absl::StrJoin(path, ">");
      }
    }
  }
  std::printf(
      "seed %u: %d indicators, %zu holdings expected (%d onward), converged in "
      "%.0f ms\n",
      seed, indicators, total, onward,
      std::chrono::duration<double, std::milli>(
          std::chrono::steady_clock::now() - start)
          .count());
}

TEST(NoLeakTest, RandomAgreementsSeveralSeeds) {
  if (const char* s = std::getenv("CSX_TEST_SEED")) {
    RunScenario(static_cast<unsigned>(std::stoul(s)), 2000);
    return;
  }
  std::random_device rd;
  for (int run = 0; run < 4; ++run) {
    RunScenario(rd(), 2000);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace csx::testing
