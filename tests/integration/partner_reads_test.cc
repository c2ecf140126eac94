// Every read path over gRPC with partner principals (a us.cisa reader and
// its node's peer certificate): get, query, pull, subscribe, sight, and the
// admin calls. None of them shows an indicator the agreement hides, nor
// tells a hidden indicator from one that does not exist.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUnknownId[] = "01234567-89ab-7def-8123-456789abcdef";

class PartnerReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    partner_reader_ =
        f.ca.Issue("partner-reader", "bot", "URI:csx://us.cisa/reader/bot");
    const std::string config = absl::StrCat(
        absl::StrReplaceAll(
            f.ConfigYaml(),
            {{"principals:\n",
              "principals:\n  - { match: { san_uri: "
              "\"csx://us.cisa/reader/*\" }, org: us.cisa, role: reader }\n"}}),
        R"(agreements:
  - id: cl-us-2018
    partner: us.cisa
    effective_from: 2018-08-16T00:00:00Z
    share: { max_tlp: GREEN, types: [domain, ipv4, cidr], min_confidence: 50 }
)");
    node_ = std::make_unique<NodeProcess>(f.tmp.path(), config);
    ASSERT_TRUE(node_->Start());
    visible_ = Submit("domain", "seen.example", "GREEN", 80);
    hidden_ = {Submit("domain", "amber.example", "AMBER", 80),
               Submit("domain", "red.example", "RED", 80),
               Submit("domain", "weak.example", "GREEN", 10),
               Submit("sha256", std::string(64, 'a'), "GREEN", 80),
               Submit("cidr", "10.0.0.0/8", "AMBER", 80)};
  }

  std::string Submit(const std::string& type, const std::string& value,
                     const std::string& tlp, uint32_t confidence) {
    auto stub = v1::IndicatorService::NewStub(Channel(f.analyst));
    v1::SubmitRequest req;
    auto* item = req.add_items();
    item->set_type(type);
    item->set_value(value);
    item->set_tlp(tlp);
    item->set_confidence(confidence);
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    EXPECT_TRUE(stub->SubmitBatch(&ctx, req, &resp).ok());
    return resp.results(0).id();
  }
  std::shared_ptr<grpc::Channel> Channel(const std::string& identity) {
    return MakeChannel(node_->address(), f.ca.cert(), identity);
  }
  // The status as text with `id` replaced, to compare refusals of
  // different ids.
  static std::string Shape(const grpc::Status& s, const std::string& id) {
    return absl::StrCat(s.error_code(), " ",
                        absl::StrReplaceAll(s.error_message(), {{id, "ID"}}));
  }

  NodeFixture f;
  std::unique_ptr<NodeProcess> node_;
  std::string partner_reader_;
  std::string visible_;
  std::vector<std::string> hidden_;
};

TEST_F(PartnerReadsTest, GetAndSightCannotTellHiddenFromUnknown) {
  auto reads = v1::IndicatorService::NewStub(Channel(partner_reader_));
  auto peer = v1::IndicatorService::NewStub(Channel(f.partner_peer));
  auto get = [&](const std::string& id) {
    grpc::ClientContext ctx;
    v1::GetRequest req;
    req.set_id(id);
    v1::Indicator ind;
    return Shape(reads->Get(&ctx, req, &ind), id);
  };
  auto sight = [&](const std::string& id) {
    grpc::ClientContext ctx;
    v1::SightRequest req;
    req.set_id(id);
    v1::ChangeResponse resp;
    return Shape(peer->Sight(&ctx, req, &resp), id);
  };
  EXPECT_EQ(get(visible_), "0 ");
  const std::string unknown_get = get(kUnknownId);
  const std::string unknown_sight = sight(kUnknownId);
  EXPECT_THAT(unknown_get, ::testing::StartsWith("5 "));  // NOT_FOUND
  EXPECT_THAT(unknown_sight, ::testing::StartsWith("5 "));
  for (const auto& id : hidden_) {
    EXPECT_EQ(get(id), unknown_get) << id;
    EXPECT_EQ(sight(id), unknown_sight) << id;
  }
  EXPECT_EQ(sight(visible_), "0 ");  // a partner reports sightings back
}

TEST_F(PartnerReadsTest, QueryShowsOnlyWhatTheAgreementAdmits) {
  auto stub = v1::IndicatorService::NewStub(Channel(partner_reader_));
  auto query = [&](v1::QueryRequest req) {
    grpc::ClientContext ctx;
    v1::QueryResponse resp;
    EXPECT_TRUE(stub->Query(&ctx, req, &resp).ok());
    std::set<std::string> ids;
    for (const auto& i : resp.indicators()) {
      ids.insert(i.id());
      EXPECT_EQ(i.reporter(), "");  // never leaves the origin node
    }
    EXPECT_EQ(resp.next_page_token(), "");
    return ids;
  };
  EXPECT_EQ(query(v1::QueryRequest()), std::set<std::string>{visible_});
  for (const char* value : {"amber.example", "red.example", "weak.example"}) {
    v1::QueryRequest req;
    req.set_value(value);
    EXPECT_TRUE(query(req).empty()) << value;
  }
  v1::QueryRequest contains;
  contains.set_contains_ip("10.1.2.3");
  EXPECT_TRUE(query(contains).empty());
  v1::QueryRequest by_type;
  by_type.set_type("sha256");
  EXPECT_TRUE(query(by_type).empty());
}

TEST_F(PartnerReadsTest, PullAndSubscribeCarryOnlyWhatTheAgreementAdmits) {
  for (const std::string& identity : {partner_reader_, f.partner_peer}) {
    SCOPED_TRACE(identity);
    auto feed = v1::FeedService::NewStub(Channel(identity));
    grpc::ClientContext pull_ctx;
    v1::PullRequest pull;
    v1::PullResponse pulled;
    ASSERT_TRUE(feed->Pull(&pull_ctx, pull, &pulled).ok());
    std::set<std::string> ids;
    for (const auto& e : pulled.entries()) ids.insert(e.indicator().id());
    EXPECT_EQ(ids, std::set<std::string>{visible_});

    // A subscription: the first heartbeat marks the end of the catch-up.
    grpc::ClientContext sub_ctx;
    sub_ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    v1::SubscribeRequest sub;
    sub.set_heartbeat_seconds(1);
    auto reader = feed->Subscribe(&sub_ctx, sub);
    std::set<std::string> streamed;
    v1::PullResponse batch;
    while (reader->Read(&batch) && !batch.entries().empty()) {
      for (const auto& e : batch.entries()) {
        streamed.insert(e.indicator().id());
      }
    }
    EXPECT_EQ(streamed, std::set<std::string>{visible_});
    EXPECT_EQ(batch.cursor(), pulled.cursor());
    sub_ctx.TryCancel();
    reader->Finish();
  }
}

TEST_F(PartnerReadsTest, TheOwnOrgPullsAndSubscribesToEveryEntryAsStored) {
  auto feed = v1::FeedService::NewStub(Channel(f.reader));
  auto indicators = v1::IndicatorService::NewStub(Channel(f.reader));
  grpc::ClientContext pull_ctx;
  v1::PullResponse pulled;
  ASSERT_TRUE(feed->Pull(&pull_ctx, v1::PullRequest(), &pulled).ok());
  ASSERT_EQ(pulled.entries_size(), 6);
  for (const auto& e : pulled.entries()) {
    // Each entry is the stored indicator in full, reporter included.
    grpc::ClientContext get_ctx;
    v1::GetRequest get;
    get.set_id(e.indicator().id());
    v1::Indicator stored;
    ASSERT_TRUE(indicators->Get(&get_ctx, get, &stored).ok());
    EXPECT_EQ(e.indicator().SerializeAsString(), stored.SerializeAsString());
    EXPECT_FALSE(e.indicator().reporter().empty());
    EXPECT_EQ(e.op(), v1::OP_UPSERT);
    EXPECT_GT(e.time().seconds(), 0);
  }
  // The subscription's catch-up carries the same entries, then a beat.
  grpc::ClientContext sub_ctx;
  sub_ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  v1::SubscribeRequest sub;
  sub.set_heartbeat_seconds(1);
  sub.set_max_batch(4);
  auto reader = feed->Subscribe(&sub_ctx, sub);
  std::vector<std::string> streamed;
  v1::PullResponse batch;
  while (reader->Read(&batch) && !batch.entries().empty()) {
    for (const auto& e : batch.entries()) {
      streamed.push_back(e.SerializeAsString());
    }
  }
  ASSERT_EQ(streamed.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(streamed[static_cast<size_t>(i)],
              pulled.entries(i).SerializeAsString());
  }
  EXPECT_EQ(batch.cursor(), pulled.cursor());
  sub_ctx.TryCancel();
  reader->Finish();
}

TEST_F(PartnerReadsTest, AdminCallsAndChangesAreRefusedToPartners) {
  for (const std::string& identity : {partner_reader_, f.partner_peer}) {
    SCOPED_TRACE(identity);
    auto admin = v1::AdminService::NewStub(Channel(identity));
    {
      grpc::ClientContext ctx;
      v1::ExplainRequest req;
      req.set_indicator_id(hidden_[0]);
      req.set_partner("us.cisa");
      v1::ExplainResponse resp;
      grpc::Status s = admin->Explain(&ctx, req, &resp);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
      EXPECT_THAT(s.error_message(), Not(HasSubstr("amber")));
    }
    {
      grpc::ClientContext ctx;
      v1::StatusResponse resp;
      EXPECT_EQ(admin->Status(&ctx, v1::StatusRequest(), &resp).error_code(),
                grpc::StatusCode::PERMISSION_DENIED);
      EXPECT_EQ(resp.indicators(), 0u);  // no counter leaks
    }
    {
      grpc::ClientContext ctx;
      v1::AgreementsResponse resp;
      EXPECT_EQ(
          admin->Agreements(&ctx, v1::AgreementsRequest(), &resp).error_code(),
          grpc::StatusCode::PERMISSION_DENIED);
    }
    {
      grpc::ClientContext ctx;
      v1::AuditVerifyResponse resp;
      EXPECT_EQ(admin->AuditVerify(&ctx, v1::AuditVerifyRequest(), &resp)
                    .error_code(),
                grpc::StatusCode::PERMISSION_DENIED);
    }
    auto changes = v1::IndicatorService::NewStub(Channel(identity));
    {
      grpc::ClientContext ctx;
      v1::RevokeRequest req;
      req.set_id(visible_);
      v1::ChangeResponse resp;
      EXPECT_EQ(changes->Revoke(&ctx, req, &resp).error_code(),
                grpc::StatusCode::PERMISSION_DENIED);
    }
    {
      grpc::ClientContext ctx;
      v1::SubmitRequest req;
      req.add_items()->set_type("domain");
      req.mutable_items(0)->set_value("from-partner.example");
      v1::SubmitResponse resp;
      EXPECT_EQ(changes->SubmitBatch(&ctx, req, &resp).error_code(),
                grpc::StatusCode::PERMISSION_DENIED);
    }
  }
}

}  // namespace
}  // namespace csx::testing
