// The TAXII 2.1 endpoint over real HTTPS with client certificates, used the
// way off-the-shelf TAXII clients use it: discovery, API root, collections,
// objects paged by `next` until `more` is false, resumption by
// `added_after`, filters, manifest; and with curl. A partner sees exactly
// what its gRPC feed shows.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kTaxii[] = "application/taxii+json;version=2.1";

struct HttpReply {
  int status = 0;  // 0: no HTTP answer (TLS refused)
  Json body;
  httplib::Headers headers;
};

class TaxiiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    taxii_port_ = FreePort();
    const std::string config = absl::StrCat(
        absl::StrReplaceAll(
            f_.ConfigYaml(),
            {{"listen: \"127.0.0.1:0\" }",
              absl::StrCat("listen: \"127.0.0.1:0\", taxii_listen: "
                           "\"127.0.0.1:",
                           taxii_port_, "\" }")}}),
        R"(agreements:
  - id: cl-us-2018
    partner: us.cisa
    effective_from: 2018-08-16T00:00:00Z
    share: { max_tlp: GREEN, types: [ipv4, domain, cve] }
    accept: { max_tlp: GREEN }
)");
    f_.node = std::make_unique<NodeProcess>(f_.tmp.path(), config);
    ASSERT_TRUE(f_.node->Start());
  }

  // A GET as `identity` ("" = no client certificate).
  HttpReply Get(const std::string& identity, const std::string& path,
                const std::string& accept = kTaxii) {
    std::unique_ptr<httplib::SSLClient> client;
    if (identity.empty()) {
      client = std::make_unique<httplib::SSLClient>("127.0.0.1", taxii_port_);
    } else {
      client = std::make_unique<httplib::SSLClient>(
          "127.0.0.1", taxii_port_, identity + ".crt", identity + ".key");
    }
    client->set_ca_cert_path(f_.ca.cert().c_str());
    client->enable_server_certificate_verification(true);
    httplib::Headers headers;
    if (!accept.empty()) headers.emplace("Accept", accept);
    auto res = client->Get(path.c_str(), headers);
    HttpReply r;
    if (!res) return r;
    r.status = res->status;
    r.headers = res->headers;
    if (!res->body.empty()) r.body = Json::parse(res->body, nullptr, false);
    return r;
  }

  std::string CollectionPath(const std::string& identity) {
    HttpReply r = Get(identity, "/api/collections/");
    EXPECT_EQ(r.status, 200);
    return absl::StrCat("/api/collections/",
                        r.body["collections"][0]["id"].get<std::string>(), "/");
  }

  // What a TAXII client does: objects pages by `next` until `more` is false.
  // Returns the objects; `last_added` gets the last X-TAXII-Date-Added-Last.
  std::vector<Json> PullAll(const std::string& identity,
                            const std::string& query, int* pages,
                            std::string* last_added) {
    const std::string base = CollectionPath(identity) + "objects/";
    std::vector<Json> objects;
    std::string next;
    *pages = 0;
    while (true) {
      std::string path = base + "?" + query;
      if (!next.empty()) path += "&next=" + next;
      HttpReply r = Get(identity, path);
      EXPECT_EQ(r.status, 200) << r.body.dump();
      if (r.status != 200) break;
      ++*pages;
      for (const Json& o : r.body.value("objects", Json::array())) {
        objects.push_back(o);
      }
      auto it = r.headers.find("X-TAXII-Date-Added-Last");
      if (it != r.headers.end()) *last_added = it->second;
      if (!r.body.value("more", false)) break;
      next = r.body["next"].get<std::string>();
      if (*pages > 1000) break;
    }
    return objects;
  }

  void Submit(const std::string& csv_body) {
    const std::string csv = f_.tmp.File("in.csv");
    WriteFile(csv, "type,value,tlp\n" + csv_body);
    auto r = f_.Csx(f_.analyst, {"submit", "--file", csv});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  // 20 GREEN ipv4, 10 AMBER domains, 5 GREEN sha256, 5 CLEAR cves, 5 RED
  // ipv4.
  void SubmitMix() {
    std::string csv;
    for (int i = 0; i < 20; ++i)
      absl::StrAppend(&csv, "ipv4,198.51.100.", i, ",GREEN\n");
    for (int i = 0; i < 10; ++i)
      absl::StrAppend(&csv, "domain,d", i, ".example,AMBER\n");
    for (int i = 0; i < 5; ++i)
      absl::StrAppend(&csv, "sha256,", std::string(63, 'a'), i, ",GREEN\n");
    for (int i = 0; i < 5; ++i)
      absl::StrAppend(&csv, "cve,CVE-2024-100", i, ",CLEAR\n");
    for (int i = 0; i < 5; ++i)
      absl::StrAppend(&csv, "ipv4,203.0.113.", i, ",RED\n");
    Submit(csv);
  }

  static std::set<std::string> Ids(const std::vector<Json>& objects) {
    std::set<std::string> ids;
    for (const Json& o : objects) ids.insert(o["id"].get<std::string>());
    return ids;
  }

  NodeFixture f_;
  int taxii_port_ = 0;
};

TEST_F(TaxiiTest, DiscoveryApiRootAndCollections) {
  HttpReply d = Get(f_.analyst, "/taxii2/");
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.headers.find("Content-Type")->second, kTaxii);
  ASSERT_EQ(d.body["api_roots"].size(), 1u);
  EXPECT_THAT(d.body["api_roots"][0].get<std::string>(),
              StartsWith("https://127.0.0.1:"));
  EXPECT_THAT(d.body["default"].get<std::string>(), HasSubstr("/api/"));

  HttpReply root = Get(f_.analyst, "/api/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.body["versions"], Json::array({kTaxii}));

  HttpReply mine = Get(f_.analyst, "/api/collections/");
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.body["collections"].size(), 1u);
  const Json& c = mine.body["collections"][0];
  EXPECT_TRUE(c["can_read"].get<bool>());
  EXPECT_FALSE(c["can_write"].get<bool>());
  EXPECT_EQ(c["media_types"][0], "application/stix+json;version=2.1");

  HttpReply theirs = Get(f_.partner_peer, "/api/collections/");
  ASSERT_EQ(theirs.status, 200);
  EXPECT_NE(theirs.body["collections"][0]["id"], c["id"]);
  EXPECT_THAT(theirs.body["collections"][0]["title"].get<std::string>(),
              HasSubstr("us.cisa"));
  // The partner cannot open the node's own collection.
  HttpReply other = Get(f_.partner_peer,
                        absl::StrCat("/api/collections/",
                                     c["id"].get<std::string>(), "/objects/"));
  EXPECT_EQ(other.status, 404);
  HttpReply one = Get(f_.analyst, CollectionPath(f_.analyst));
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body["id"], c["id"]);
}

TEST_F(TaxiiTest, PagesByNextUntilMoreIsFalseThenResumesByAddedAfter) {
  SubmitMix();
  int pages = 0;
  std::string last;
  auto all = PullAll(f_.analyst, "limit=7", &pages, &last);
  EXPECT_EQ(all.size(), 45u);
  EXPECT_EQ(Ids(all).size(), 45u) << "an object came twice";
  EXPECT_EQ(pages, 7);
  ASSERT_FALSE(last.empty());
  for (const Json& o : all) {
    EXPECT_EQ(o["spec_version"], "2.1");
    EXPECT_TRUE(o.contains("created") && o.contains("modified")) << o.dump();
    if (o["type"] == "indicator") {
      EXPECT_EQ(o["pattern_type"], "stix");
      EXPECT_THAT(o["pattern"].get<std::string>(), StartsWith("["));
    } else {
      EXPECT_EQ(o["type"], "vulnerability");
    }
  }

  // Nothing new: the resumption is empty.
  std::string last2;
  auto none = PullAll(f_.analyst, "added_after=" + last, &pages, &last2);
  EXPECT_TRUE(none.empty());

  // New and changed objects after `last` come, and only they.
  Submit("ipv4,192.0.2.77,GREEN\nipv4,198.51.100.3,GREEN\n");
  auto fresh = PullAll(f_.analyst, "added_after=" + last, &pages, &last2);
  ASSERT_EQ(fresh.size(), 2u);
  std::set<std::string> values;
  for (const Json& o : fresh) values.insert(o["name"].get<std::string>());
  EXPECT_THAT(values,
              ::testing::ElementsAre("ipv4 192.0.2.77", "ipv4 198.51.100.3"));
  EXPECT_GT(last2, last);

  // A revocation reaches TAXII clients as the object with revoked: true.
  auto id =
      f_.Csx(f_.analyst, {"-o", "json", "query", "--value", "192.0.2.77"});
  const std::string uuid = Json::parse(id.out)[0]["id"];
  ASSERT_EQ(f_.Csx(f_.analyst, {"revoke", uuid}).exit_code, 0);
  std::string last3;
  auto revoked = PullAll(f_.analyst, "added_after=" + last2, &pages, &last3);
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0]["id"], "indicator--" + uuid);
  EXPECT_TRUE(revoked[0]["revoked"].get<bool>());
}

TEST_F(TaxiiTest, PartnerSeesExactlyItsGrpcFeed) {
  SubmitMix();
  int pages = 0;
  std::string last;
  auto objects = PullAll(f_.partner_peer, "limit=4", &pages, &last);
  // The gRPC feed of the same partner certificate.
  auto stub = f_.Stub<v1::FeedService>(f_.partner_peer);
  std::set<std::string> grpc_ids;
  std::string cursor;
  while (true) {
    grpc::ClientContext ctx;
    v1::PullRequest req;
    req.set_cursor(cursor);
    v1::PullResponse resp;
    ASSERT_TRUE(stub->Pull(&ctx, req, &resp).ok());
    for (const auto& e : resp.entries()) {
      const auto& ind = e.indicator();
      grpc_ids.insert(absl::StrCat(
          ind.type() == v1::CVE ? "vulnerability--" : "indicator--", ind.id()));
    }
    cursor = resp.cursor();
    if (!resp.more()) break;
  }
  // GREEN ipv4 (20) and CLEAR cves (5): not AMBER domains, not sha256
  // (type not shared), not RED.
  EXPECT_EQ(grpc_ids.size(), 25u);
  EXPECT_EQ(Ids(objects), grpc_ids);
  for (const Json& o : objects) {
    EXPECT_THAT(o.dump(), ::testing::Not(HasSubstr("203.0.113.")));
    EXPECT_THAT(o.dump(), ::testing::Not(HasSubstr("alice")));  // reporter
  }
  // A RED object is not found by id either.
  auto red =
      f_.Csx(f_.analyst, {"-o", "json", "query", "--value", "203.0.113.1"});
  const std::string red_id = Json::parse(red.out)[0]["id"];
  EXPECT_EQ(Get(f_.partner_peer, CollectionPath(f_.partner_peer) +
                                     "objects/indicator--" + red_id + "/")
                .status,
            404);
  EXPECT_EQ(Get(f_.analyst, CollectionPath(f_.analyst) + "objects/indicator--" +
                                red_id + "/")
                .status,
            200);
  // An object of its own collection, by id, is served to the partner.
  const std::string shared = *grpc_ids.begin();
  HttpReply one = Get(f_.partner_peer, CollectionPath(f_.partner_peer) +
                                           "objects/" + shared + "/");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["objects"][0]["id"], shared);
  // ...and recorded as a delivery to that partner, like the listing.
  const std::string uuid = shared.substr(shared.find("--") + 2);
  EXPECT_EQ(SqlColumn(f_.node->db_path(),
                      "SELECT indicator_id FROM deliveries WHERE partner = "
                      "'us.cisa' AND indicator_id = '" +
                          uuid + "'"),
            std::vector<std::string>{uuid});
  auto objects_audit = SqlColumn(f_.node->db_path(),
                                 "SELECT detail FROM audit WHERE kind = "
                                 "'delivery' AND detail LIKE '% object %'");
  ASSERT_EQ(objects_audit.size(), 1u);
  EXPECT_THAT(objects_audit[0], HasSubstr("agreement=cl-us-2018"));
  EXPECT_THAT(objects_audit[0], HasSubstr(uuid));
}

TEST_F(TaxiiTest, FiltersManifestObjectAndVersions) {
  SubmitMix();
  const std::string base = CollectionPath(f_.analyst);
  HttpReply vulns =
      Get(f_.analyst, base + "objects/?match[type]=vulnerability");
  ASSERT_EQ(vulns.status, 200);
  ASSERT_EQ(vulns.body["objects"].size(), 5u);
  for (const Json& o : vulns.body["objects"]) {
    EXPECT_EQ(o["type"], "vulnerability");
    EXPECT_EQ(o["external_references"][0]["source_name"], "cve");
  }
  const std::string id = vulns.body["objects"][2]["id"];
  HttpReply by_id = Get(f_.analyst, base + "objects/?match[id]=" + id);
  ASSERT_EQ(by_id.body["objects"].size(), 1u);
  EXPECT_EQ(by_id.body["objects"][0]["id"], id);

  HttpReply manifest = Get(f_.analyst, base + "manifest/?limit=100");
  ASSERT_EQ(manifest.status, 200);
  ASSERT_EQ(manifest.body["objects"].size(), 45u);
  HttpReply objects = Get(f_.analyst, base + "objects/?limit=100");
  for (size_t i = 0; i < 45; ++i) {
    const Json& m = manifest.body["objects"][i];
    const Json& o = objects.body["objects"][i];
    EXPECT_EQ(m["id"], o["id"]);
    EXPECT_EQ(m["version"], o["modified"]);
    EXPECT_EQ(m["media_type"], "application/stix+json;version=2.1");
    EXPECT_FALSE(m["date_added"].get<std::string>().empty());
  }

  HttpReply one = Get(f_.analyst, base + "objects/" + id + "/");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["objects"][0]["id"], id);
  HttpReply versions = Get(f_.analyst, base + "objects/" + id + "/versions/");
  ASSERT_EQ(versions.status, 200);
  EXPECT_EQ(versions.body["versions"][0], one.body["objects"][0]["modified"]);
  EXPECT_EQ(Get(f_.analyst, base + "objects/indicator--"
                                   "00000000-0000-4000-8000-000000000000/")
                .status,
            404);
}

TEST_F(TaxiiTest, EachObjectOnceAtItsNewestVersionAcrossPages) {
  Submit("ipv4,198.51.100.7,GREEN\n");
  Submit("ipv4,198.51.100.8,GREEN\nipv4,198.51.100.9,GREEN\n");
  Submit("ipv4,198.51.100.7,GREEN\n");  // a merge: version 2
  int pages = 0;
  std::string last;
  auto newest = PullAll(f_.analyst, "limit=1", &pages, &last);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(Ids(newest).size(), 3u) << "an object came twice";
  for (const Json& o : newest) {
    if (o["name"] == "ipv4 198.51.100.7") {
      EXPECT_EQ(o["x_csx_version"], 2);
    }
  }
  auto all = PullAll(f_.analyst, "limit=1&match[version]=all", &pages, &last);
  EXPECT_EQ(all.size(), 4u);
}

TEST_F(TaxiiTest, PartnerLearnsOfAWithdrawalAsARevokedObject) {
  Submit("domain,withdrawn.example,GREEN\n");
  int pages = 0;
  std::string last;
  auto before = PullAll(f_.partner_peer, "", &pages, &last);
  ASSERT_EQ(before.size(), 1u);
  const std::string stix_id = before[0]["id"];
  // The TLP is raised above the agreement's GREEN, then the indicator is
  // revoked: the partner may no longer see it, but must learn it is gone.
  Submit("domain,withdrawn.example,AMBER\n");
  auto q = f_.Csx(f_.analyst,
                  {"query", "--value", "withdrawn.example", "-o", "json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const std::string id = Json::parse(q.out)[0]["id"];
  ASSERT_EQ(f_.Csx(f_.analyst, {"revoke", id, "--reason", "false positive"})
                .exit_code,
            0);
  auto after = PullAll(f_.partner_peer, "added_after=" + last, &pages, &last);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["id"], stix_id);
  EXPECT_EQ(after[0]["revoked"], true);
  EXPECT_EQ(after[0]["x_csx_withdrawn"], true);
  EXPECT_EQ(after[0].dump().find("withdrawn.example"), std::string::npos)
      << "a withdrawal shows nothing of the new version";
  EXPECT_EQ(after[0].dump().find("AMBER"), std::string::npos);
}

TEST_F(TaxiiTest, RefusesWhatItMust) {
  // No client certificate: the TLS handshake fails, nothing is served.
  EXPECT_EQ(Get("", "/taxii2/").status, 0);
  HttpReply unmapped = Get(f_.unmapped, "/taxii2/");
  EXPECT_EQ(unmapped.status, 403);
  EXPECT_EQ(unmapped.body["http_status"], "403");
  EXPECT_EQ(Get(f_.analyst, "/taxii2/", "application/json").status, 406);
  EXPECT_EQ(
      Get(f_.analyst, "/taxii2/", "application/taxii+json;version=2.0").status,
      406);
  EXPECT_EQ(Get(f_.analyst, "/taxii2/", "*/*").status, 200);
  const std::string base = CollectionPath(f_.analyst);
  HttpReply bad_limit = Get(f_.analyst, base + "objects/?limit=many");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_THAT(bad_limit.body["description"].get<std::string>(),
              HasSubstr("limit"));
  EXPECT_EQ(Get(f_.analyst, base + "objects/?next=garbage").status, 400);
  EXPECT_EQ(Get(f_.analyst, base + "objects/?added_after=yesterday").status,
            400);
  EXPECT_EQ(Get(f_.analyst, "/api/collections/nope/objects/").status, 404);
  EXPECT_EQ(Get(f_.analyst, "/elsewhere").status, 404);

  httplib::SSLClient client("127.0.0.1", taxii_port_, f_.analyst + ".crt",
                            f_.analyst + ".key");
  client.set_ca_cert_path(f_.ca.cert().c_str());
  client.enable_server_certificate_verification(true);
  auto post = client.Post((base + "objects/").c_str(), "{}",
                          "application/taxii+json;version=2.1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

// Sends one request over mutual TLS and closes the socket without reading
// the answer, as a client that crashes or is killed mid-download does.
void HangUpAfterRequest(int port, const std::string& identity,
                        const std::string& ca, const std::string& request) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  ASSERT_TRUE(ctx);
  ASSERT_EQ(SSL_CTX_use_certificate_file(ctx.get(), (identity + ".crt").c_str(),
                                         SSL_FILETYPE_PEM),
            1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx.get(), (identity + ".key").c_str(),
                                        SSL_FILETYPE_PEM),
            1);
  ASSERT_EQ(SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr), 1);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  ASSERT_EQ(SSL_connect(ssl.get()), 1);
  ASSERT_EQ(
      SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())),
      static_cast<int>(request.size()));
  // No SSL_shutdown and nothing read: the kernel answers the server's next
  // write with a reset.
  close(fd);
}

TEST_F(TaxiiTest, ClientsThatHangUpMidAnswerCostOnlyTheirConnection) {
  SubmitMix();
  const std::string path = CollectionPath(f_.analyst) + "objects/?limit=1000";
  const std::string request = absl::StrCat(
      "GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ", kTaxii,
      "\r\n\r\n");
  for (int i = 0; i < 30; ++i) {
    HangUpAfterRequest(taxii_port_, f_.analyst, f_.ca.cert(), request);
  }
  // The node still serves TAXII and gRPC after every hang-up.
  EXPECT_EQ(Get(f_.analyst, path).status, 200);
  auto status = f_.Csx(f_.admin, {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
}

TEST_F(TaxiiTest, CurlWithClientCertificates) {
  SubmitMix();
  const std::string curl = absl::StrCat(
      "curl -sS -g --fail --cert ", f_.analyst, ".crt --key ", f_.analyst,
      ".key --cacert ", f_.ca.cert(), " -H 'Accept: ", kTaxii, "' ");
  const std::string out = f_.tmp.File("curl.json");
  ASSERT_TRUE(Shell(curl + "-o " + out + " https://127.0.0.1:" +
                    std::to_string(taxii_port_) + "/api/collections/"));
  Json collections = Json::parse(ReadFile(out));
  const std::string id = collections["collections"][0]["id"];
  ASSERT_TRUE(Shell(curl + "-o " + out + " 'https://127.0.0.1:" +
                    std::to_string(taxii_port_) + "/api/collections/" + id +
                    "/objects/?limit=10&match[type]=indicator'"));
  Json page = Json::parse(ReadFile(out));
  EXPECT_EQ(page["objects"].size(), 10u);
  EXPECT_TRUE(page["more"].get<bool>());
  // TLS 1.1 and older are refused.
  auto old = RunCommand({"/bin/sh", "-c",
                         curl + "--tls-max 1.1 https://127.0.0.1:" +
                             std::to_string(taxii_port_) + "/taxii2/"});
  EXPECT_NE(old.exit_code, 0);
  // Without a client certificate curl gets no answer.
  auto anonymous = RunCommand(
      {"/bin/sh", "-c",
       absl::StrCat("curl -sS --fail --cacert ", f_.ca.cert(),
                    " https://127.0.0.1:", taxii_port_, "/taxii2/")});
  EXPECT_NE(anonymous.exit_code, 0);
}

}  // namespace
}  // namespace csx::testing
