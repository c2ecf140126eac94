// csxd as operators run it: --check-config names the bad key, SIGTERM exits
// cleanly, SIGHUP with a bad config keeps the old one, a corrupt database
// file is refused at start.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/str_replace.h"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;

TEST(LifecycleTest, CheckConfig) {
  NodeFixture f;
  auto ok = RunCommand({BinDir() + "/server/csxd", "--config",
                        f.node->config_path(), "--check-config"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  WriteFile(f.tmp.File("bad.yaml"),
            ReadFile(f.node->config_path()) + "colour: red\n");
  auto bad = RunCommand({BinDir() + "/server/csxd", "--config",
                         f.tmp.File("bad.yaml"), "--check-config"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("colour: unknown key"));
}

// --check-config opens what the daemon would open: a key that is not the
// certificate's, a file that is not a CRL, an expired node certificate and a
// damaged store are each named; several trusted CAs without pinned rules are
// a warning.
TEST(LifecycleTest, CheckConfigReadsTheFilesAndTheStore) {
  NodeFixture f;
  const std::string good = ReadFile(f.node->config_path());
  auto check = [&](const std::string& yaml) {
    WriteFile(f.tmp.File("check.yaml"), yaml);
    return RunCommand({BinDir() + "/server/csxd", "--config",
                       f.tmp.File("check.yaml"), "--check-config"});
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string yaml = good;
    const size_t at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) yaml.replace(at, from.size(), to);
    return yaml;
  };
  auto ok = check(good);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.err, "");

  auto key = check(replace("key: node.key", "key: analyst.key"));
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_THAT(key.err, HasSubstr("tls.key: does not match"));

  auto crl =
      check(replace("client_ca: ca.crt", "client_ca: ca.crt, crl: ca.crt"));
  EXPECT_EQ(crl.exit_code, 1);
  EXPECT_THAT(crl.err, HasSubstr("tls.crl:"));
  EXPECT_THAT(crl.err, HasSubstr("is not a PEM CRL"));

  f.ca.IssueDated("old-node", "node.cl.csirt", "DNS:localhost",
                  "20200101000000Z", "20210101000000Z");
  auto expired = check(replace("cert: node.crt, key: node.key",
                               "cert: old-node.crt, key: old-node.key"));
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_THAT(expired.err, HasSubstr("tls.cert: expired"));

  TestCa other(f.tmp.path(), "other-ca");
  WriteFile(f.tmp.File("two-cas.crt"),
            ReadFile(f.ca.cert()) + ReadFile(other.cert()));
  auto unpinned = check(replace("client_ca: ca.crt", "client_ca: two-cas.crt"));
  EXPECT_EQ(unpinned.exit_code, 0) << unpinned.err;
  EXPECT_THAT(unpinned.err, HasSubstr("warning: principals[0]: any of the 2 "
                                      "CAs in tls.client_ca"));

  WriteFile(f.tmp.File("csx.db"), std::string(8192, 'x'));
  auto store = check(good);
  EXPECT_EQ(store.exit_code, 1);
  EXPECT_THAT(store.err, HasSubstr("store:"));
  EXPECT_EQ(ReadFile(f.tmp.File("csx.db")), std::string(8192, 'x'))
      << "the check never writes to the store";
}

TEST(LifecycleTest, SigtermExitsCleanlyAndDataStays) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  ASSERT_EQ(f.Csx(f.analyst, {"submit", "--type", "asn", "--value", "AS64500"})
                .exit_code,
            0);
  EXPECT_EQ(f.node->Terminate(), 0);
  EXPECT_THAT(f.node->log(), HasSubstr("stopped"));
  ASSERT_TRUE(f.node->Start());
  auto q = f.Csx(f.reader, {"query", "--type", "asn"});
  EXPECT_THAT(q.out, HasSubstr("\"64500\""));
}

// SIGTERM: a client stream in flight is drained (its later requests are
// still taken and acknowledged), a live subscription ends at once with
// UNAVAILABLE, and a call that outlives limits.drain_seconds is cut so that
// the process exits in bounded time.
TEST(LifecycleTest, SigtermDrainsCallsInFlightWithinTheDeadline) {
  NodeFixture f;
  f.node = std::make_unique<NodeProcess>(
      f.tmp.path(),
      absl::StrReplaceAll(f.ConfigYaml(),
                          {{"limits: { expiry_interval_seconds: 1 }",
                            "limits: { expiry_interval_seconds: 1, "
                            "drain_seconds: 3 }"}}));
  ASSERT_TRUE(f.node->Start());
  auto item = [](const std::string& value) {
    v1::SubmitRequest req;
    req.add_items()->set_type("domain");
    req.mutable_items(0)->set_value(value);
    return req;
  };
  auto submit = f.Stub<v1::IndicatorService>(f.analyst);
  grpc::ClientContext drained_ctx;
  v1::SubmitResponse drained;
  auto stream = submit->SubmitStream(&drained_ctx, &drained);
  ASSERT_TRUE(stream->Write(item("before-term.example")));
  auto feed = f.Stub<v1::FeedService>(f.reader);
  grpc::ClientContext sub_ctx;
  auto sub = feed->Subscribe(&sub_ctx, v1::SubscribeRequest());
  v1::PullResponse batch;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  const auto term = std::chrono::steady_clock::now();
  f.node->Signal(SIGTERM);
  ASSERT_TRUE(f.node->WaitForLog("draining"));
  // The subscription ends at once.
  while (sub->Read(&batch)) {
  }
  EXPECT_EQ(sub->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(std::chrono::steady_clock::now() - term, std::chrono::seconds(2));
  // The stream in flight still goes through.
  EXPECT_TRUE(stream->Write(item("during-drain.example")));
  stream->WritesDone();
  grpc::Status done = stream->Finish();
  EXPECT_TRUE(done.ok()) << done.error_message();
  EXPECT_EQ(drained.created(), 2u);

  EXPECT_EQ(f.node->Terminate(), 0);
  ASSERT_TRUE(f.node->Start());
  auto q = f.Csx(f.reader, {"query", "--type", "domain", "-o", "jsonl"});
  EXPECT_THAT(q.out, HasSubstr("before-term.example"));
  EXPECT_THAT(q.out, HasSubstr("during-drain.example"));

  // A stream that never ends is cut at the drain deadline.
  grpc::ClientContext stuck_ctx;
  v1::SubmitResponse stuck;
  auto open = submit->SubmitStream(&stuck_ctx, &stuck);
  auto fresh = f.Stub<v1::IndicatorService>(f.analyst);
  grpc::ClientContext open_ctx;
  v1::SubmitResponse open_resp;
  auto held = fresh->SubmitStream(&open_ctx, &open_resp);
  ASSERT_TRUE(held->Write(item("held-open.example")));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto second = std::chrono::steady_clock::now();
  EXPECT_EQ(f.node->Terminate(), 0);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - second)
          .count();
  std::printf("exit %.1f s after SIGTERM with a stream held open\n", took);
  EXPECT_GE(took, 2.5);  // the drain waited for it...
  EXPECT_LT(took, 8.0);  // ...but no longer than drain_seconds
  held->WritesDone();
  EXPECT_FALSE(held->Finish().ok());
  open->WritesDone();
  open->Finish().IgnoreError();
}

TEST(LifecycleTest, SighupReloadsPrincipalsAndRefusesABadConfig) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  const std::string good = ReadFile(f.node->config_path());
  ASSERT_EQ(f.Csx(f.reader, {"query"}).exit_code, 0);

  WriteFile(f.node->config_path(), good + "colour: red\n");
  f.node->Signal(SIGHUP);
  ASSERT_TRUE(f.node->WaitForLog("reload refused"));
  EXPECT_THAT(f.node->log(), HasSubstr("colour: unknown key"));
  EXPECT_EQ(f.Csx(f.reader, {"query"}).exit_code, 0);  // old config in force

  // Without the reader rule, the reader is refused after the reload.
  std::string narrowed = good;
  const std::string rule =
      "  - { match: { san_uri: \"csx://cl.csirt/reader/*\" }, role: reader }\n";
  narrowed.erase(narrowed.find(rule), rule.size());
  WriteFile(f.node->config_path(), narrowed);
  f.node->Signal(SIGHUP);
  ASSERT_TRUE(f.node->WaitForLog("configuration reloaded"));
  EXPECT_EQ(f.Csx(f.reader, {"query"}).exit_code, 2);
  EXPECT_EQ(f.Csx(f.analyst, {"query"}).exit_code, 0);

  // Both attempts are in the audit log, with the file and its digest.
  auto reloads = SqlColumn(f.node->db_path(),
                           "SELECT detail FROM audit WHERE kind = 'reload' "
                           "ORDER BY seq");
  ASSERT_EQ(reloads.size(), 2u);
  EXPECT_THAT(reloads[0], HasSubstr("config=" + f.node->config_path()));
  EXPECT_THAT(reloads[0], HasSubstr("refused: "));
  EXPECT_THAT(reloads[0], HasSubstr("colour: unknown key"));
  EXPECT_THAT(reloads[1],
              ::testing::MatchesRegex(".* sha256=[0-9a-f]{64} applied"));
  auto verify = f.Csx(f.admin, {"audit", "verify", "-o", "jsonl"});
  EXPECT_THAT(verify.out, HasSubstr("\"ok\":true"));
}

TEST(LifecycleTest, NarrowedAgreementTakesEffectOnTheNextEntryServed) {
  NodeFixture f;
  const std::string base = ReadFile(f.node->config_path());
  auto with_max = [&](const std::string& tlp) {
    return base +
           "agreements:\n  - { id: cl-us-2018, partner: us.cisa, "
           "effective_from: "
           "2018-08-16T00:00:00Z, share: { max_tlp: " +
           tlp + " } }\n";
  };
  WriteFile(f.node->config_path(), with_max("AMBER"));
  ASSERT_TRUE(f.node->Start());
  ASSERT_EQ(f.Csx(f.analyst, {"submit", "--type", "domain", "--value",
                              "a.example", "--tlp", "amber"})
                .exit_code,
            0);
  const std::string cursor = f.tmp.File("peer.cursor");
  auto first = f.Csx(f.partner_peer, {"pull", "--cursor-file", cursor});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("a.example"));

  WriteFile(f.node->config_path(), with_max("GREEN"));
  f.node->Signal(SIGHUP);
  ASSERT_TRUE(f.node->WaitForLog("configuration reloaded"));
  auto sub = f.Csx(f.analyst, {"submit", "--type", "domain", "--value",
                               "b.example", "--tlp", "amber", "-o", "jsonl"});
  ASSERT_EQ(sub.exit_code, 0);
  auto second = f.Csx(f.partner_peer, {"pull", "--cursor-file", cursor});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(second.out.empty()) << second.out;
  const std::string id = sub.out.substr(sub.out.find("\"id\":\"") + 6, 36);
  auto why = f.Csx(f.admin, {"agreements", "explain", "--indicator", id,
                             "--partner", "us.cisa", "-o", "jsonl"});
  ASSERT_EQ(why.exit_code, 0) << why.err;
  EXPECT_THAT(why.out, HasSubstr("\"rule\":\"tlp_above_max\""));
  EXPECT_THAT(why.out,
              HasSubstr("above max_tlp GREEN of agreement cl-us-2018"));
}

TEST(LifecycleTest, CertificatesAndTrustedCasReloadWithoutRestart) {
  NodeFixture f;
  std::string cfg = ReadFile(f.node->config_path());
  cfg.replace(cfg.find("client_ca: ca.crt }"), 19,
              "client_ca: ca.crt, reload_interval_seconds: 1 }");
  WriteFile(f.node->config_path(), cfg);
  ASSERT_TRUE(f.node->Start());
  auto served_cn = [&]() -> std::string {
    auto stub = f.Stub<v1::AdminService>(f.admin);
    grpc::ClientContext ctx;
    v1::StatusResponse resp;
    if (!stub->Status(&ctx, v1::StatusRequest(), &resp).ok()) return "";
    auto cn = ctx.auth_context()->FindPropertyValues("x509_common_name");
    return cn.empty() ? "" : std::string(cn[0].data(), cn[0].size());
  };
  EXPECT_EQ(served_cn(), "node.cl.csirt");

  // Rotate the node certificate and trust a second CA, in place.
  f.ca.IssueServer("node-next", "node2.cl.csirt");
  std::filesystem::copy_file(f.tmp.File("node-next.key"),
                             f.tmp.File("node.key"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(f.tmp.File("node-next.crt"),
                             f.tmp.File("node.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  TestCa second(f.tmp.path(), "second-ca");
  const std::string newcomer =
      second.Issue("newcomer", "carol", "URI:csx://cl.csirt/analyst/carol");
  EXPECT_EQ(f.Csx(newcomer, {"query"}).exit_code, 2);  // not trusted yet
  WriteFile(f.tmp.File("ca.crt"),
            ReadFile(f.ca.cert()) + ReadFile(second.cert()));

  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  // The certificate and the CA bundle are separate files, so one refresh
  // of the watcher can pick up the first before the second is written: wait
  // for both.
  std::string cn;
  int newcomer_exit = -1;
  while (std::chrono::steady_clock::now() < deadline &&
         (cn != "node2.cl.csirt" || newcomer_exit != 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cn = served_cn();
    newcomer_exit = f.Csx(newcomer, {"query"}).exit_code;
  }
  EXPECT_EQ(cn, "node2.cl.csirt");
  EXPECT_EQ(newcomer_exit, 0);
}

TEST(LifecycleTest, CorruptDatabaseIsRefused) {
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  ASSERT_EQ(
      f.Csx(f.analyst, {"submit", "--type", "ipv4", "--value", "192.0.2.1"})
          .exit_code,
      0);
  ASSERT_EQ(f.node->Terminate(), 0);
  std::string db = ReadFile(f.node->db_path());
  ASSERT_GT(db.size(), 4096u);
  for (size_t i = 100; i < db.size(); i += 97)
    db[i] = static_cast<char>(db[i] ^ 0x5a);
  WriteFile(f.node->db_path(), db);
  auto r = RunCommand(
      {BinDir() + "/server/csxd", "--config", f.node->config_path()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr("store"));
}

// The full integrity check reads the whole file (minutes for a large
// store): it runs at every start except after a clean stop by csxd.
TEST(LifecycleTest, OnlyAStoreNotClosedCleanlyIsCheckedAtStart) {
  auto count = [](const std::string& log, const std::string& text) {
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos;
         at = log.find(text, at + 1)) {
      ++n;
    }
    return n;
  };
  const std::string checked = "integrity check of";
  const std::string skipped = "integrity check skipped";
  const std::string announced = "was not closed cleanly by csxd";
  NodeFixture f;
  ASSERT_TRUE(f.node->Start());
  EXPECT_EQ(count(f.node->log(), checked), 1u);  // a new store
  EXPECT_EQ(count(f.node->log(), announced), 0u);
  auto submit = [&](const std::string& value) {
    return f.Csx(f.analyst, {"submit", "--type", "ipv4", "--value", value})
        .exit_code;
  };
  ASSERT_EQ(submit("192.0.2.1"), 0);
  ASSERT_EQ(f.node->Terminate(), 0);
  EXPECT_TRUE(std::filesystem::exists(f.node->db_path() + ".clean"));

  ASSERT_TRUE(f.node->Start());
  EXPECT_EQ(count(f.node->log(), checked), 1u);
  EXPECT_EQ(count(f.node->log(), skipped), 1u);
  EXPECT_FALSE(std::filesystem::exists(f.node->db_path() + ".clean"));
  ASSERT_EQ(submit("192.0.2.2"), 0);
  f.node->Kill9();

  ASSERT_TRUE(f.node->Start());
  EXPECT_EQ(count(f.node->log(), checked), 2u);
  EXPECT_EQ(count(f.node->log(), skipped), 1u);
  // Said before the check starts, only for the store that needs it.
  EXPECT_EQ(count(f.node->log(), announced), 1u);
  EXPECT_LT(f.node->log().find(announced),
            f.node->log().rfind("integrity check of"));
  auto q = f.Csx(f.reader, {"-o", "jsonl", "query"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(std::count(q.out.begin(), q.out.end(), '\n'), 2) << q.out;
}

}  // namespace
}  // namespace csx::testing
