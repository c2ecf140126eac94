// Four real nodes on loopback with agreements modelled on Chile's 2018-2020
// cooperation agreements: Chile-US (up to AMBER), Chile-UK (up to GREEN,
// later start), Chile-Colombia (AMBER), and none between the US and
// Colombia or the UK, so that onward sharing through Chile is exercised.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Org {
  std::string id;
  int port = 0;
  std::string dir;
  std::unique_ptr<NodeProcess> node;
  std::string analyst, reader;
};

std::string Agreement(const std::string& id, const std::string& partner,
                      const std::string& max_tlp, bool forward_third_party,
                      bool redistribute,
                      const std::string& from = "2018-08-16") {
  return absl::StrCat(
      "  - id: ", id, "\n    partner: ", partner,
      "\n    effective_from: ", from,
      "T00:00:00Z\n    share: { max_tlp: ", max_tlp,
      ", forward_third_party: ", forward_third_party ? "true" : "false",
      " }\n    accept: { max_tlp: ", max_tlp,
      ", redistribute: ", redistribute ? "true" : "false",
      ", report_sightings: true }\n");
}

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string id :
         {"us.cisa", "cl.csirt", "co.colcert", "uk.ncsc"}) {
      Org o;
      o.id = id;
      o.port = FreePort();
      o.dir = tmp.File(id);
      std::filesystem::create_directories(o.dir);
      ca.Issue(id + "/node", "node." + id,
               "DNS:localhost,IP:127.0.0.1,URI:csx://" + id + "/peer/node");
      o.analyst = ca.Issue(id + "/analyst", "analyst." + id,
                           "URI:csx://" + id + "/analyst/analyst");
      o.reader = ca.Issue(id + "/reader", "reader." + id,
                          "URI:csx://" + id + "/reader/reader");
      orgs[id] = std::move(o);
    }
    auto peer = [&](const std::string& org) {
      return absl::StrCat("  - { org: ", org,
                          ", address: \"127.0.0.1:", orgs[org].port,
                          "\", server_name: localhost }\n");
    };
    auto rules = [](const std::string& self,
                    std::vector<std::string> partners) {
      std::string r = absl::StrCat(
          "principals:\n  - { match: { san_uri: \"csx://", self,
          "/analyst/*\" }, role: analyst }\n  - { match: { san_uri: \"csx://",
          self, "/reader/*\" }, role: reader }\n");
      for (const auto& p : partners) {
        r += absl::StrCat("  - { match: { san_uri: \"csx://", p,
                          "/peer/*\" }, org: ", p, ", role: peer }\n");
      }
      return r;
    };
    std::map<std::string, std::string> extra = {
        {"us.cisa", rules("us.cisa", {"cl.csirt"}) + "peers:\n" +
                        peer("cl.csirt") + "agreements:\n" +
                        Agreement("us-cl", "cl.csirt", "AMBER", false, true)},
        {"cl.csirt",
         rules("cl.csirt", {"us.cisa", "co.colcert", "uk.ncsc"}) + "peers:\n" +
             peer("us.cisa") + peer("co.colcert") + peer("uk.ncsc") +
             "agreements:\n" +
             Agreement("cl-us-2018", "us.cisa", "AMBER", true, true) +
             Agreement("cl-co-2019", "co.colcert", "AMBER", true, true) +
             Agreement("cl-uk-2020", "uk.ncsc", "GREEN", true, true,
                       "2020-01-20")},
        {"co.colcert",
         rules("co.colcert", {"cl.csirt"}) + "peers:\n" + peer("cl.csirt") +
             "agreements:\n" +
             Agreement("co-cl", "cl.csirt", "AMBER", false, true)},
        {"uk.ncsc", rules("uk.ncsc", {"cl.csirt"}) + "peers:\n" +
                        peer("cl.csirt") + "agreements:\n" +
                        Agreement("uk-cl", "cl.csirt", "GREEN", false, true,
                                  "2020-01-20")},
    };
    for (auto& [id, o] : orgs) {
      const std::string config = absl::StrCat(
          "node: { org: ", id, ", listen: \"127.0.0.1:", o.port, "\" }\n",
          "tls: { cert: node.crt, key: node.key, client_ca: ../ca.crt }\n",
          "store: { sqlite: csx.db }\n", extra[id]);
      o.node = std::make_unique<NodeProcess>(o.dir, config);
    }
    for (auto& [id, o] : orgs) ASSERT_TRUE(o.node->Start()) << id;
  }

  CommandResult Csx(const std::string& org, const std::string& identity,
                    std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "jsonl"});
    return RunCommand(CsxCommand(orgs[org].node->address(), ca.cert(), identity,
                                 std::move(args)));
  }
  std::string Submit(const std::string& org, const std::string& value,
                     const std::string& tlp) {
    auto r =
        Csx(org, orgs[org].analyst,
            {"submit", "--type", "domain", "--value", value, "--tlp", tlp});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out)["id"];
  }
  // The indicator `id` as `org` holds it, or null when the node answers that
  // it holds no such indicator. A call that could not reach the node (exit
  // code 2: four nodes and the test share two cores) is tried again, with
  // its error in the output; any other failure fails the test, since it says
  // nothing about what the node holds.
  json Held(const std::string& org, const std::string& id) {
    auto r = Csx(org, orgs[org].reader, {"get", id});
    for (int retry = 0; retry < 3 && r.exit_code == 2; ++retry) {
      std::printf("get %s at %s: %s", id.c_str(), org.c_str(), r.err.c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      r = Csx(org, orgs[org].reader, {"get", id});
    }
    if (r.exit_code == 0) return json::parse(r.out);
    EXPECT_EQ(r.exit_code, 1) << org << ": " << r.err;
    EXPECT_THAT(r.err, ::testing::HasSubstr("no indicator")) << org;
    return nullptr;
  }
  // Waits until `pred` holds for the indicator at `org`; returns the time.
  double WaitFor(const std::string& org, const std::string& id,
                 const std::function<bool(const json&)>& pred,
                 Clock::time_point since) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      json j = Held(org, id);
      if (!j.is_null() && pred(j)) {
        return std::chrono::duration<double, std::milli>(Clock::now() - since)
            .count();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << id << " never reached the expected state at " << org;
    return -1;
  }

  TempDir tmp;
  TestCa ca{tmp.path(), "ca"};
  std::map<std::string, Org> orgs;
};

TEST_F(FederationTest, WhoEndsUpHoldingWhat) {
  auto any = [](const json&) { return true; };
  const std::string red = Submit("us.cisa", "red.us.example", "RED");
  const std::string amber = Submit("us.cisa", "amber.us.example", "AMBER");
  const auto t0 = Clock::now();
  const std::string green = Submit("us.cisa", "green.us.example", "GREEN");
  const double direct_ms = WaitFor("cl.csirt", green, any, t0);
  const double two_hops_ms = WaitFor("co.colcert", green, any, t0);
  std::printf(
      "propagation of one indicator: direct partner %.1f ms, two hops %.1f "
      "ms\n",
      direct_ms, two_hops_ms);

  // AMBER reached the direct partner; RED stayed home.
  EXPECT_FALSE(Held("cl.csirt", amber).is_null());
  EXPECT_TRUE(Held("cl.csirt", red).is_null());
  // Colombia got GREEN through Chile (after AMBER in Chile's log) but never
  // the AMBER indicator, and never RED.
  EXPECT_TRUE(Held("co.colcert", amber).is_null());
  EXPECT_TRUE(Held("co.colcert", red).is_null());
  json at_co = Held("co.colcert", green);
  EXPECT_EQ(at_co["origin"], "us.cisa");
  EXPECT_EQ(at_co["path"], json::array({"us.cisa", "cl.csirt", "co.colcert"}));
  EXPECT_EQ(at_co.value("reporter", ""), "");

  // The UK (up to GREEN) gets the US GREEN through Chile, nothing AMBER.
  WaitFor("uk.ncsc", green, any, t0);
  EXPECT_TRUE(Held("uk.ncsc", amber).is_null());

  // A sighting in Colombia comes back to the origin through Chile.
  ASSERT_EQ(Csx("co.colcert", orgs["co.colcert"].analyst,
                {"sight", green, "--count", "2"})
                .exit_code,
            0);
  auto sighted = [](const json& j) { return j["sightings"]["count"] == 2; };
  const double sighting_ms = WaitFor("us.cisa", green, sighted, Clock::now());
  std::printf("sighting from two hops away back at the origin: %.1f ms\n",
              sighting_ms);

  // Chile's own AMBER goes to both AMBER partners directly, not to the UK.
  const std::string cl_amber = Submit("cl.csirt", "amber.cl.example", "AMBER");
  WaitFor("us.cisa", cl_amber, any, Clock::now());
  WaitFor("co.colcert", cl_amber, any, Clock::now());
  EXPECT_TRUE(Held("uk.ncsc", cl_amber).is_null());

  // A revocation at the origin reaches every holder.
  ASSERT_EQ(Csx("us.cisa", orgs["us.cisa"].analyst,
                {"revoke", green, "--reason", "fp"})
                .exit_code,
            0);
  auto revoked = [](const json& j) { return j["revoked"] == true; };
  WaitFor("cl.csirt", green, revoked, Clock::now());
  WaitFor("co.colcert", green, revoked, Clock::now());
  WaitFor("uk.ncsc", green, revoked, Clock::now());

  // Nothing came back to its origin: the US holds only its own three.
  auto q = Csx("us.cisa", orgs["us.cisa"].reader,
               {"query", "--origin", "us.cisa", "--include-revoked"});
  EXPECT_EQ(std::count(q.out.begin(), q.out.end(), '\n'), 3) << q.out;
}

TEST_F(FederationTest, RaisingTheTlpWithdrawsItFromPartnersItNoLongerReaches) {
  auto any = [](const json&) { return true; };
  const std::string id = Submit("us.cisa", "raised.us.example", "GREEN");
  for (const char* org : {"cl.csirt", "co.colcert", "uk.ncsc"}) {
    WaitFor(org, id, any, Clock::now());
  }
  // The US raises it to AMBER. Chile (its AMBER partner) gets the new
  // version; Colombia and the UK, which Chile may pass only the US's GREEN,
  // have their copies withdrawn by Chile and are never shown the AMBER one.
  EXPECT_EQ(Submit("us.cisa", "raised.us.example", "AMBER"), id);
  auto amber = [](const json& j) { return j["tlp"] == "AMBER"; };
  WaitFor("cl.csirt", id, amber, Clock::now());
  auto withdrawn = [](const json& j) { return j["revoked"] == true; };
  for (const char* org : {"co.colcert", "uk.ncsc"}) {
    WaitFor(org, id, withdrawn, Clock::now());
    EXPECT_EQ(Held(org, id)["tlp"], "GREEN") << org;
  }
  EXPECT_NE(Held("cl.csirt", id)["revoked"], true);
}

TEST_F(FederationTest, AWithdrawnCopyNeverLeavesTheHub) {
  auto any = [](const json&) { return true; };
  const std::string id = Submit("us.cisa", "withdrawn.us.example", "GREEN");
  for (const char* org : {"cl.csirt", "co.colcert", "uk.ncsc"}) {
    WaitFor(org, id, any, Clock::now());
  }
  // The US raises it to RED: Chile's copy is withdrawn (kept, revoked, never
  // passed on), and Chile withdraws it from Colombia and the UK.
  EXPECT_EQ(Submit("us.cisa", "withdrawn.us.example", "RED"), id);
  auto withdrawn = [](const json& j) {
    return j["revoked"] == true && j.value("withdrawn", false);
  };
  WaitFor("cl.csirt", id, withdrawn, Clock::now());
  const json at_cl = Held("cl.csirt", id);
  EXPECT_EQ(at_cl["tlp"], "GREEN");  // the version it held, never the RED one
  EXPECT_THAT(at_cl.value("revoked_reason", ""),
              ::testing::HasSubstr("withdrawn by us.cisa"));
  for (const char* org : {"co.colcert", "uk.ncsc"}) {
    WaitFor(org, id, withdrawn, Clock::now());
  }
  // Colombia's node reading Chile's feed from the start, as one that lost
  // its copy would: no entry of the indicator carries its value.
  auto pulled = RunCommand(CsxCommand(
      orgs["cl.csirt"].node->address(), ca.cert(), tmp.File("co.colcert/node"),
      {"-o", "jsonl", "pull", "--limit", "1000"}));
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  int entries_of_id = 0;
  std::istringstream lines(pulled.out);
  for (std::string line; std::getline(lines, line);) {
    const json e = json::parse(line)["indicator"];
    if (e.value("id", "") != id) continue;
    ++entries_of_id;
    EXPECT_EQ(e.value("value", ""), "") << line;
  }
  EXPECT_GT(entries_of_id, 0);
}

TEST_F(FederationTest, Kill9OfTheHubWhilePartnersSubmitConverges) {
  // The US keeps submitting GREEN indicators while Chile, the hub every
  // onward path goes through, is killed with kill -9 and restarted, three
  // times.
  constexpr int kBatches = 100, kPerBatch = 10;
  std::vector<std::string> ids;
  std::thread submitter([&] {
    auto stub = v1::IndicatorService::NewStub(MakeChannel(
        orgs["us.cisa"].node->address(), ca.cert(), orgs["us.cisa"].analyst));
    for (int b = 0; b < kBatches; ++b) {
      v1::SubmitRequest req;
      for (int i = 0; i < kPerBatch; ++i) {
        auto* item = req.add_items();
        item->set_type("domain");
        item->set_value(absl::StrCat("fault-", b, "-", i, ".example"));
        item->set_tlp("GREEN");
      }
      grpc::ClientContext ctx;
      v1::SubmitResponse resp;
      ASSERT_TRUE(stub->SubmitBatch(&ctx, req, &resp).ok());
      for (const auto& r : resp.results()) ids.push_back(r.id());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  // Three kills at random moments while the US submits; after each, the
  // hub's file passes SQLite's full integrity check before it restarts.
  std::mt19937 rng(std::random_device{}());
  auto restarted = Clock::now();
  for (int kill = 0; kill < 3; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    orgs["cl.csirt"].node->Kill9();
    EXPECT_EQ(
        SqlColumn(orgs["cl.csirt"].node->db_path(), "PRAGMA integrity_check"),
        std::vector<std::string>{"ok"});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    restarted = Clock::now();
    ASSERT_TRUE(orgs["cl.csirt"].node->Start());
  }
  submitter.join();
  ASSERT_EQ(ids.size(), static_cast<size_t>(kBatches * kPerBatch));

  // Colombia must end up with every one of them exactly once.
  auto feed = v1::FeedService::NewStub(
      MakeChannel(orgs["co.colcert"].node->address(), ca.cert(),
                  orgs["co.colcert"].reader));
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::map<std::string, int> seen;
  std::string cursor;
  while (seen.size() < ids.size() && Clock::now() < deadline) {
    v1::PullRequest req;
    req.set_cursor(cursor);
    v1::PullResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(feed->Pull(&ctx, req, &resp).ok());
    for (const auto& e : resp.entries()) ++seen[e.indicator().id()];
    cursor = resp.cursor();
    if (resp.entries().empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - restarted)
          .count();
  std::printf("converged %.0f ms after the hub restarted (%zu indicators)\n",
              ms, seen.size());
  for (const auto& id : ids) {
    EXPECT_EQ(seen[id], 1) << id << " lost or duplicated";
  }
  EXPECT_EQ(seen.size(), ids.size());
}

}  // namespace
}  // namespace csx::testing
