// Submit -> get -> query -> pull through the real csx and csxd; merge of a
// resubmission; revocation in the feed; output formats and exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

// Request `b` of a stream: `n` ipv4 items 10.b.x.y, item `bad` (when not -1)
// an invalid one.
v1::SubmitRequest Ipv4Request(int b, int n, int bad = -1) {
  v1::SubmitRequest req;
  for (int i = 0; i < n; ++i) {
    auto* item = req.add_items();
    item->set_type("ipv4");
    item->set_value(i == bad
                        ? "not-an-ip"
                        : absl::StrCat("10.", b, ".", i / 250, ".", i % 250));
  }
  return req;
}

class RoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.node->Start()); }

  json JsonOut(const CommandResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  std::vector<json> Lines(const std::string& out) {
    std::vector<json> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(json::parse(line, nullptr, false));
    }
    return lines;
  }

  NodeFixture f;
};

TEST_F(RoundTripTest, SubmitGetQueryPull) {
  auto sub =
      f.Csx(f.analyst, {"submit", "--type", "ipv4", "--value", " 198.51.100.7 ",
                        "--tlp", "tlp:green", "--confidence", "80", "--tag",
                        "c2", "--sector", "Finance", "--output", "json"});
  json created = JsonOut(sub);
  ASSERT_EQ(created["outcome"], "created") << sub.out;
  const std::string id = created["id"];

  json got = JsonOut(f.Csx(f.analyst, {"get", id, "--output", "json"}));
  ASSERT_TRUE(got.is_array()) << got.dump();
  EXPECT_EQ(got[0]["value"], "198.51.100.7");
  EXPECT_EQ(got[0]["type"], "ipv4");
  EXPECT_EQ(got[0]["tlp"], "GREEN");
  EXPECT_EQ(got[0]["confidence"], 80);
  EXPECT_EQ(got[0]["origin"], "cl.csirt");
  EXPECT_EQ(got[0]["sectors"], json::array({"finance"}));
  EXPECT_EQ(got[0]["version"], 1);
  // A documentation address: stored, with the warninglist that flags it.
  ASSERT_EQ(got[0]["warnings"].size(), 1u) << got.dump();
  EXPECT_EQ(got[0]["warnings"][0]["list"], "rfc5737-documentation");
  EXPECT_EQ(created["warnings"][0]["list"], "rfc5737-documentation");

  json net = JsonOut(f.Csx(f.analyst, {"submit", "--type", "cidr", "--value",
                                       "198.51.100.99/24", "-o", "json"}));
  ASSERT_EQ(net["outcome"], "created");
  JsonOut(f.Csx(f.analyst, {"submit", "--type", "ipv4", "--value",
                            "198.51.101.1", "-o", "json"}));
  // Indicators that contain the address: the address itself and its /24.
  auto q = f.Csx(f.reader, {"query", "--contains", "198.51.100.7"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto rows = Lines(q.out);  // not a terminal: jsonl
  ASSERT_EQ(rows.size(), 2u) << q.out;
  EXPECT_EQ(rows[0]["id"], id);
  EXPECT_EQ(rows[1]["value"], "198.51.100.0/24");

  auto p = f.Csx(f.reader, {"pull"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto entries = Lines(p.out);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0]["op"], "upsert");
  EXPECT_EQ(entries[0]["indicator"]["id"], id);
  EXPECT_THAT(p.err, HasSubstr("cursor: "));
}

TEST_F(RoundTripTest, ResubmissionMergesAndRevocationReachesTheFeed) {
  json a = JsonOut(f.Csx(
      f.analyst, {"submit", "--type", "domain", "--value", "Evil.Example.",
                  "--tag", "phishing", "--confidence", "40", "-o", "json"}));
  json b = JsonOut(
      f.Csx(f.analyst, {"submit", "--type", "domain", "--value", "evil.example",
                        "--tag", "kit", "--confidence", "90", "-o", "json"}));
  EXPECT_EQ(b["outcome"], "merged");
  EXPECT_EQ(a["id"], b["id"]);
  const std::string id = a["id"];
  json got = JsonOut(f.Csx(f.analyst, {"get", id, "-o", "json"}))[0];
  EXPECT_EQ(got["version"], 2);
  EXPECT_EQ(got["confidence"], 90);
  EXPECT_EQ(got["tags"], json::array({"phishing", "kit"}));

  auto r =
      f.Csx(f.analyst, {"revoke", id, "--reason", "sinkholed", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto p = f.Csx(f.reader, {"pull"});
  auto entries = Lines(p.out);
  ASSERT_EQ(entries.size(), 3u) << p.out;
  EXPECT_EQ(entries[2]["op"], "revoke");
  EXPECT_EQ(entries[2]["indicator"]["revoked"], true);
  EXPECT_EQ(entries[2]["indicator"]["revoked_reason"], "sinkholed");
  EXPECT_LT(entries[0]["seq"].get<int>(), entries[2]["seq"].get<int>());

  // A revoked indicator is hidden from queries unless asked for.
  EXPECT_EQ(
      Lines(f.Csx(f.reader, {"query", "--value", "EVIL.example"}).out).size(),
      0u);
  EXPECT_EQ(Lines(f.Csx(f.reader, {"query", "--value", "EVIL.example",
                                   "--include-revoked"})
                      .out)
                .size(),
            1u);

  auto s = f.Csx(f.analyst, {"sight", id, "--count", "3", "-o", "json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(json::parse(s.out)[0]["sightings"]["count"], 3);
}

TEST_F(RoundTripTest, ExitCodesAndErrors) {
  auto bad =
      f.Csx(f.analyst, {"submit", "--type", "ipv4", "--value", "300.1.1.1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("value"));
  EXPECT_TRUE(bad.out.empty());

  auto unknown =
      f.Csx(f.analyst, {"get", "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no indicator"));

  auto usage = f.Csx(f.analyst, {"frobnicate"});
  EXPECT_EQ(usage.exit_code, 1);

  auto no_server =
      RunCommand({BinDir() + "/client/csx", "--server", "127.0.0.1:1", "--cert",
                  f.analyst + ".crt", "--key", f.analyst + ".key", "--ca",
                  f.ca.cert(), "status"});
  EXPECT_EQ(no_server.exit_code, 2);
  EXPECT_FALSE(no_server.err.empty());
}

TEST_F(RoundTripTest, GlobalFlagsAfterTheCommandAndEnvironment) {
  ASSERT_EQ(f.Csx(f.analyst, {"submit", "--type", "sha256", "--value",
                              std::string(64, 'A')})
                .exit_code,
            0);
  auto q = f.Csx(f.analyst, {"query", "--type", "sha256", "--output", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, HasSubstr(std::string(64, 'a')));
  EXPECT_EQ(q.out.rfind("id,type,value", 0), 0u) << q.out;

  setenv("CSX_SERVER", f.node->address().c_str(), 1);
  setenv("CSX_CERT", (f.admin + ".crt").c_str(), 1);
  setenv("CSX_KEY", (f.admin + ".key").c_str(), 1);
  setenv("CSX_CA", f.ca.cert().c_str(), 1);
  auto st =
      RunCommand({BinDir() + "/client/csx", "status", "--output", "json"});
  unsetenv("CSX_SERVER");
  unsetenv("CSX_CERT");
  unsetenv("CSX_KEY");
  unsetenv("CSX_CA");
  ASSERT_EQ(st.exit_code, 0) << st.err;
  json status = json::parse(st.out);
  EXPECT_EQ(status["org"], "cl.csirt");
  EXPECT_EQ(status["indicators"], 1);
  EXPECT_EQ(status["principal"], "cl.csirt/admin/ops");
}

TEST_F(RoundTripTest, ClientConfigFile) {
  // Relative file names in the client config are relative to the file.
  WriteFile(f.tmp.File("client.yaml"),
            "server: \"" + f.node->address() +
                "\"\ncert: admin.crt\nkey: admin.key\nca: ca.crt\n"
                "output: json\n");
  auto st = RunCommand({BinDir() + "/client/csx", "--config",
                        f.tmp.File("client.yaml"), "status"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_EQ(json::parse(st.out)["principal"], "cl.csirt/admin/ops");
  // Flags win over the file.
  auto q = RunCommand({BinDir() + "/client/csx", "query", "--config",
                       f.tmp.File("client.yaml"), "--cert", f.reader + ".crt",
                       "--key", f.reader + ".key"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(json::parse(q.out), json::array());
  WriteFile(f.tmp.File("bad.yaml"), "sever: x\n");
  auto bad = RunCommand(
      {BinDir() + "/client/csx", "--config", f.tmp.File("bad.yaml"), "status"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("sever: unknown key"));
}

TEST_F(RoundTripTest, ClientStreamingBulkSubmission) {
  auto stub = f.Stub<v1::IndicatorService>(f.analyst);
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  auto writer = stub->SubmitStream(&ctx, &resp);
  // The fourth item of every request is invalid.
  for (int b = 0; b < 5; ++b)
    ASSERT_TRUE(writer->Write(Ipv4Request(b, 100, 3)));
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.created(), 495u);
  EXPECT_EQ(resp.rejected(), 5u);
  ASSERT_EQ(resp.results_size(), 5);
  EXPECT_EQ(resp.results(0).index(), 3u);
  EXPECT_EQ(resp.results(4).index(), 403u);
  EXPECT_THAT(resp.results(4).error(), HasSubstr("value: invalid ipv4"));
}

// 25 000 items: several transactions, each request validated while the
// transaction before it commits. Counts and the indexes of rejected items
// span the transactions.
TEST_F(RoundTripTest, ClientStreamingAcrossSeveralGroups) {
  auto stub = f.Stub<v1::IndicatorService>(f.analyst);
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  auto writer = stub->SubmitStream(&ctx, &resp);
  constexpr int kBatches = 25;
  for (int b = 0; b < kBatches; ++b) {
    ASSERT_TRUE(writer->Write(Ipv4Request(b, 1000, 7)));
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.created(), 24975u);
  EXPECT_EQ(resp.rejected(), 25u);
  ASSERT_EQ(resp.results_size(), kBatches);
  for (int b = 0; b < kBatches; ++b) {
    EXPECT_EQ(resp.results(b).index(), static_cast<uint32_t>(b * 1000 + 7));
  }
  auto admin = f.Stub<v1::AdminService>(f.admin);
  grpc::ClientContext status_ctx;
  v1::StatusResponse status;
  ASSERT_TRUE(admin->Status(&status_ctx, v1::StatusRequest(), &status).ok());
  EXPECT_EQ(status.indicators(), 24975u);
  // Every item of the stream is one change-log entry, in submission order.
  EXPECT_EQ(status.feed_head(), 24975u);
  auto last =
      f.Csx(f.reader, {"query", "--value", "10.24.3.249", "--output", "json"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(json::parse(last.out).size(), 1u);
}

// A bad request late in a stream fails it. What the node stored of the
// stream is the requests before it, each whole, in order: a prefix of the
// stream; nothing of the bad request or after it.
TEST_F(RoundTripTest, ClientStreamingStopsAtABadRequestLateInTheStream) {
  auto stub = f.Stub<v1::IndicatorService>(f.analyst);
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  auto writer = stub->SubmitStream(&ctx, &resp);
  for (int b = 0; b < 25; ++b) {
    // Request 22 is empty.
    if (!writer->Write(Ipv4Request(b, b == 22 ? 0 : 1000))) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("items: the batch is empty"));
  auto admin = f.Stub<v1::AdminService>(f.admin);
  grpc::ClientContext status_ctx;
  v1::StatusResponse status;
  ASSERT_TRUE(admin->Status(&status_ctx, v1::StatusRequest(), &status).ok());
  const uint64_t stored = status.indicators();
  EXPECT_LE(stored, 22000u);
  EXPECT_EQ(stored % 1000, 0u) << "a request was stored in part";
  // The log is the stream's prefix: entry k is item k.
  if (stored > 0) {
    auto last = SqlColumn(
        f.node->db_path(),
        absl::StrCat("SELECT value FROM indicators WHERE rid = ", stored));
    ASSERT_EQ(last.size(), 1u);
    const uint64_t b = (stored - 1) / 1000, i = (stored - 1) % 1000;
    EXPECT_EQ(last[0], absl::StrCat("10.", b, ".", i / 250, ".", i % 250));
  }
  auto after = f.Csx(f.reader, {"query", "--value", "10.23.0.0"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_TRUE(after.out.empty()) << "a request after the bad one was stored";
  auto audit = f.Csx(f.admin, {"audit", "verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
}

TEST_F(RoundTripTest, OversizedRequestIsRefused) {
  auto stub = f.Stub<v1::IndicatorService>(f.analyst);
  v1::SubmitRequest req;
  for (int i = 0; i < 2100; ++i) {
    auto* item = req.add_items();
    item->set_type("ipv4");
    item->set_value("192.0.2.1");
    item->set_description(std::string(8000, 'x'));
  }
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  grpc::Status s = stub->SubmitBatch(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
  // The node is unharmed and stored nothing.
  auto q = f.Csx(f.reader, {"query"});
  EXPECT_EQ(q.exit_code, 0);
  EXPECT_TRUE(q.out.empty());
}

TEST_F(RoundTripTest, FieldLevelErrorsOverGrpc) {
  auto stub = f.Stub<v1::IndicatorService>(f.analyst);
  v1::SubmitRequest req;
  auto* a = req.add_items();
  a->set_type("domain");
  a->set_value("ok.example");
  a->set_confidence(101);
  auto* b = req.add_items();
  b->set_type("domain");
  b->set_value("ok.example");
  b->set_severity("apocalyptic");
  grpc::ClientContext ctx;
  v1::SubmitResponse resp;
  ASSERT_TRUE(stub->SubmitBatch(&ctx, req, &resp).ok());
  EXPECT_THAT(resp.results(0).error(), HasSubstr("confidence:"));
  EXPECT_THAT(resp.results(1).error(), HasSubstr("severity:"));
  grpc::ClientContext ctx2;
  v1::QueryRequest q;
  q.set_contains_ip("nonsense");
  v1::QueryResponse qr;
  grpc::Status s = stub->Query(&ctx2, q, &qr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("contains_ip"));
}

}  // namespace
}  // namespace csx::testing
