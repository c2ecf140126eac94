// Node driven directly over a real SQLite store in a temp dir, with a fake
// clock: submission, merge, revoke, sight, feed and cursor, roles, expiry,
// audit chain.
#include "server/core/node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/time_util.h"
#include "server/core/ids.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/server/store_with_hook.h"
#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

v1::IndicatorInput Input(const std::string& type, const std::string& value) {
  v1::IndicatorInput in;
  in.set_type(type);
  in.set_value(value);
  return in;
}

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/csx-node-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Open();
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  // Opens the store and a node over it (as csxd does at start).
  void Open() {
    auto store = SqliteStore::Open(dir_ + "/csx.db");
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    auto node = Node::Create(NodeOptions{"cl.csirt"}, store_.get(), &clock_);
    ASSERT_THAT(node, IsOk());
    node_ = std::move(*node);
  }
  void Close() {
    node_.reset();
    store_.reset();
  }
  // Runs `sql` on the closed store's file.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/csx.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  v1::SubmitResponse SubmitOk(std::vector<v1::IndicatorInput> items) {
    v1::SubmitRequest req;
    for (auto& i : items) *req.add_items() = std::move(i);
    auto r = node_->Submit(analyst_, req);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : v1::SubmitResponse();
  }

  std::string dir_;
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Node> node_;
  Principal analyst_{"cl.csirt", Role::kAnalyst, "alice"};
  Principal reader_{"cl.csirt", Role::kReader, "bot"};
  Principal admin_{"cl.csirt", Role::kAdmin, "ops"};
  Principal partner_{"us.cisa", Role::kPeer, "node.us.cisa"};
  Principal partner_reader_{"us.cisa", Role::kReader, "feedbot"};
};

TEST_F(NodeTest, BadItemsAreRejectedAloneWithIndexAndReason) {
  auto r = SubmitOk({Input("ipv4", "10.0.0.1"), Input("ipv4", "10.0.0.300"),
                     Input("nonsense", "x"), Input("domain", "Example.ORG.")});
  ASSERT_EQ(r.results_size(), 4);
  EXPECT_EQ(r.results(0).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(r.results(1).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(r.results(1).index(), 1u);
  EXPECT_THAT(r.results(1).error(), HasSubstr("value"));
  EXPECT_THAT(r.results(2).error(), HasSubstr("type"));
  EXPECT_EQ(r.results(3).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(r.created(), 2u);
  EXPECT_EQ(r.rejected(), 2u);
  auto got = node_->Get(reader_, r.results(3).id());
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->value(), "example.org");
  EXPECT_EQ(got->reporter(), "alice");
  EXPECT_EQ(got->tlp(), v1::TLP_AMBER);  // default
}

TEST_F(NodeTest, WarninglistHitsAreFlaggedOrRefused) {
  v1::WarninglistSection config;
  config.add_refuse("public-dns-resolvers");
  auto lists = Warninglists::Create(config);
  ASSERT_THAT(lists, IsOk());
  node_->SetWarninglists(
      std::make_shared<const Warninglists>(std::move(*lists)));
  auto r = SubmitOk({Input("ipv4", "10.9.9.9"), Input("ipv4", "8.8.8.8"),
                     Input("ipv4", "45.33.32.156")});
  EXPECT_EQ(r.results(0).outcome(), v1::OUTCOME_CREATED);
  ASSERT_EQ(r.results(0).warnings_size(), 1);
  EXPECT_EQ(r.results(0).warnings(0).list(), "rfc1918-private");
  auto got = node_->Get(reader_, r.results(0).id());
  ASSERT_THAT(got, IsOk());
  ASSERT_EQ(got->warnings_size(), 1);  // stored and shown with the indicator
  EXPECT_EQ(r.results(1).outcome(), v1::OUTCOME_REJECTED);
  EXPECT_THAT(r.results(1).error(),
              HasSubstr("warninglist 'public-dns-resolvers'"));
  EXPECT_EQ(r.results(2).outcome(), v1::OUTCOME_CREATED);
  EXPECT_EQ(r.results(2).warnings_size(), 0);
}

TEST_F(NodeTest, EmptyAndOversizedBatchesAreRefused) {
  EXPECT_THAT(node_->Submit(analyst_, v1::SubmitRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("items")));
  v1::SubmitRequest big;
  for (int i = 0; i < 10001; ++i) *big.add_items() = Input("ipv4", "10.0.0.1");
  EXPECT_THAT(
      node_->Submit(analyst_, big),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("items")));
}

TEST_F(NodeTest, ContainsFindsEveryCoveringAddressAndPrefix) {
  SubmitOk({Input("ipv4", "10.1.2.3"), Input("cidr", "10.0.0.0/8"),
            Input("cidr", "10.1.0.0/16"), Input("cidr", "10.1.2.0/24"),
            Input("cidr", "10.1.2.3/32"), Input("cidr", "192.168.0.0/16"),
            Input("ipv4", "10.1.2.4"), Input("ipv6", "2001:db8::1"),
            Input("cidr", "2001:db8::/32"), Input("cidr", "2001:db9::/32")});
  auto values = [&](const std::string& q) {
    v1::QueryRequest req;
    req.set_contains_ip(q);
    auto r = node_->Query(analyst_, req);
    EXPECT_TRUE(r.ok()) << r.status();
    std::set<std::string> got;
    if (r.ok()) {
      for (const auto& i : r->indicators()) got.insert(i.value());
    }
    return got;
  };
  using S = std::set<std::string>;
  EXPECT_EQ(values("10.1.2.3"), (S{"10.1.2.3", "10.0.0.0/8", "10.1.0.0/16",
                                   "10.1.2.0/24", "10.1.2.3/32"}));
  EXPECT_EQ(values("10.1.2.3/32"), values("10.1.2.3"));
  EXPECT_EQ(values("10.1.2.9"),
            (S{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"}));
  EXPECT_EQ(values("10.1.0.0/16"), (S{"10.0.0.0/8", "10.1.0.0/16"}));
  EXPECT_EQ(values("10.1.200.7/16"), (S{"10.0.0.0/8", "10.1.0.0/16"}));
  EXPECT_EQ(values("11.0.0.1"), S{});
  EXPECT_EQ(values("2001:db8::1"), (S{"2001:db8::1", "2001:db8::/32"}));
  EXPECT_EQ(values("2001:0db8:0:0::0001"), values("2001:db8::1"));
  EXPECT_EQ(values("2001:db8:ffff::/48"), (S{"2001:db8::/32"}));
  EXPECT_EQ(values("::ffff:10.1.2.3"), S{}) << "v4-mapped v6 is not v4";
}

TEST_F(NodeTest, ValueWithoutTypeFindsEveryTypeItIsValidFor) {
  auto r = SubmitOk({Input("domain", "example.org"), Input("asn", "AS64500"),
                     Input("ipv4", "10.0.0.1"), Input("cidr", "10.0.0.1/32"),
                     Input("sha256", std::string(64, 'e'))});
  ASSERT_EQ(r.created(), 5u);
  auto found = [&](const std::string& value) {
    v1::QueryRequest req;
    req.set_value(value);
    auto q = node_->Query(reader_, req);
    EXPECT_THAT(q, IsOk());
    std::set<std::string> types;
    for (const auto& i : q->indicators()) {
      types.insert(v1::IndicatorType_Name(i.type()));
    }
    return types;
  };
  // Any spelling its type would canonicalise.
  EXPECT_EQ(found("Example.ORG."), std::set<std::string>{"DOMAIN"});
  EXPECT_EQ(found("AS64500"), std::set<std::string>{"ASN"});
  EXPECT_EQ(found("64500"), std::set<std::string>{"ASN"});
  EXPECT_EQ(found(std::string(64, 'E')), std::set<std::string>{"SHA256"});
  // An address and a prefix are different values (--contains finds both).
  EXPECT_EQ(found("10.0.0.1"), std::set<std::string>{"IPV4"});
  EXPECT_EQ(found("10.0.0.1/32"), std::set<std::string>{"CIDR"});
  // A value of no type matches nothing, and says so without an error.
  EXPECT_TRUE(found("no such thing!").empty());
}

TEST_F(NodeTest, ABatchMixingNewAndKnownValuesStoresEachValueOnce) {
  auto lists = Warninglists::Create(v1::WarninglistSection());
  ASSERT_THAT(lists, IsOk());
  node_->SetWarninglists(
      std::make_shared<const Warninglists>(std::move(*lists)));
  auto first =
      SubmitOk({Input("domain", "a.example"), Input("domain", "b.example")});
  ASSERT_EQ(first.created(), 2u);
  // Known, new, known, new twice, warninglisted new: each outcome and each
  // stored version as if the values had been submitted one by one.
  auto mixed = Input("domain", "b.example");
  mixed.add_tags("again");
  auto second =
      SubmitOk({Input("domain", "a.example"), Input("domain", "c.example"),
                mixed, Input("domain", "d.example"),
                Input("domain", "D.example."), Input("ipv4", "192.0.2.1")});
  EXPECT_EQ(second.created(), 3u);
  EXPECT_EQ(second.merged(), 3u);
  std::vector<v1::SubmitOutcome> outcomes;
  for (const auto& r : second.results()) outcomes.push_back(r.outcome());
  EXPECT_THAT(outcomes,
              ::testing::ElementsAre(v1::OUTCOME_MERGED, v1::OUTCOME_CREATED,
                                     v1::OUTCOME_MERGED, v1::OUTCOME_CREATED,
                                     v1::OUTCOME_MERGED, v1::OUTCOME_CREATED));
  EXPECT_EQ(second.results(0).id(), first.results(0).id());
  EXPECT_EQ(second.results(2).id(), first.results(1).id());
  EXPECT_EQ(second.results(4).id(), second.results(3).id());
  auto b = node_->Get(reader_, first.results(1).id());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->version(), 2u);
  EXPECT_THAT(b->tags(), ::testing::ElementsAre("again"));
  auto d = node_->Get(reader_, second.results(3).id());
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->version(), 2u);
  auto doc = node_->Get(reader_, second.results(5).id());
  ASSERT_THAT(doc, IsOk());
  EXPECT_EQ(doc->version(), 1u);
  EXPECT_EQ(doc->warnings_size(), 1);
  EXPECT_EQ(second.results(5).warnings_size(), 1);
  // Four values, six versions in the feed besides the first two.
  auto feed = node_->Pull(reader_, "", 100);
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->entries_size(), 8);
}

TEST_F(NodeTest, ResubmissionMerges) {
  auto in = Input("url", "HTTP://Evil.Example:80/a?b");
  in.set_confidence(30);
  in.add_tags("phish");
  in.set_tlp("GREEN");
  auto first = SubmitOk({in});
  clock_.Advance(absl::Hours(1));
  auto again = Input("url", "http://evil.example/a?b");
  again.set_confidence(70);
  again.add_tags("kit");
  again.set_tlp("CLEAR");  // never loosens the TLP
  auto second = SubmitOk({again});
  EXPECT_EQ(second.results(0).outcome(), v1::OUTCOME_MERGED);
  EXPECT_EQ(second.results(0).id(), first.results(0).id());
  auto got = node_->Get(reader_, first.results(0).id());
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->version(), 2u);
  EXPECT_EQ(got->confidence(), 70u);
  EXPECT_EQ(got->tlp(), v1::TLP_GREEN);
  EXPECT_THAT(got->tags(), ::testing::ElementsAre("phish", "kit"));
  EXPECT_EQ(FromProto(got->last_seen()), clock_.Now());
  EXPECT_LT(FromProto(got->first_seen()), clock_.Now());
}

TEST_F(NodeTest, RolesAreEnforced) {
  v1::SubmitRequest req;
  *req.add_items() = Input("ipv4", "192.0.2.1");
  EXPECT_THAT(node_->Submit(reader_, req),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(node_->Submit(admin_, req),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(node_->Submit(partner_, req),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(node_->Status(analyst_),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(node_->AuditVerify(reader_),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(node_->Status(admin_), IsOk());
  Principal foreign_admin{"us.cisa", Role::kAdmin, "x"};
  EXPECT_THAT(node_->Status(foreign_admin),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(NodeTest, PartnerWithoutAgreementSeesNothing) {
  auto r = SubmitOk({Input("ipv4", "192.0.2.1")});
  const std::string id = r.results(0).id();
  EXPECT_THAT(node_->Get(partner_reader_, id),
              StatusIs(absl::StatusCode::kNotFound));
  auto q = node_->Query(partner_reader_, v1::QueryRequest());
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->indicators_size(), 0);
  auto p = node_->Pull(partner_, "", 100);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->entries_size(), 0);
  // The cursor still moves past what the partner may not see.
  EXPECT_EQ(*node_->CursorPosition(p->cursor()), 1u);
}

TEST_F(NodeTest, PullResumesExactlyFromCursor) {
  std::vector<v1::IndicatorInput> items;
  for (int i = 0; i < 250; ++i)
    items.push_back(Input("ipv4", "10.1.0." + std::to_string(i)));
  SubmitOk(items);
  std::string cursor;
  std::vector<uint64_t> seqs;
  while (true) {
    auto p = node_->Pull(reader_, cursor, 64);
    ASSERT_THAT(p, IsOk());
    for (const auto& e : p->entries()) seqs.push_back(e.seq());
    cursor = p->cursor();
    if (!p->more()) break;
  }
  ASSERT_EQ(seqs.size(), 250u);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
  EXPECT_THAT(
      node_->Pull(reader_, "garbage", 10),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cursor")));
}

TEST_F(NodeTest, RevokeOnlyOwnOriginAndSightCounts) {
  auto r = SubmitOk({Input("cve", "cve-2024-3094")});
  const std::string id = r.results(0).id();
  auto rev = node_->Revoke(analyst_, id, "false positive");
  ASSERT_THAT(rev, IsOk());
  EXPECT_TRUE(rev->revoked());
  EXPECT_EQ(rev->version(), 2u);
  auto again = node_->Revoke(analyst_, id, "again");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->version(), 2u);  // no-op
  EXPECT_THAT(node_->Revoke(reader_, id, ""),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto s = node_->Sight(analyst_, id, 5);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->sighting_count(), 5u);
  auto p = node_->Pull(reader_, "", 100);
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->entries_size(), 3);
  EXPECT_EQ(p->entries(1).op(), v1::OP_REVOKE);
  EXPECT_EQ(p->entries(2).op(), v1::OP_SIGHTING);
}

TEST_F(NodeTest, ExpiryAppendsAnEntry) {
  auto in = Input("domain", "short-lived.example");
  *in.mutable_valid_until() = ToProto(clock_.Now() + absl::Minutes(5));
  auto r = SubmitOk({in});
  EXPECT_EQ(*node_->ExpireDue(), 0);
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(*node_->ExpireDue(), 1);
  EXPECT_EQ(*node_->ExpireDue(), 0);
  auto p = node_->Pull(reader_, "", 100);
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->entries_size(), 2);
  EXPECT_EQ(p->entries(1).op(), v1::OP_EXPIRE);
  EXPECT_TRUE(p->entries(1).indicator().expired());
}

TEST_F(NodeTest, WaitForChangesWakesOnCommit) {
  const absl::Time start = absl::Now();
  EXPECT_EQ(node_->WaitForChanges(0, absl::Now() + absl::Milliseconds(50)), 0u);
  SubmitOk({Input("ipv4", "192.0.2.9")});
  EXPECT_EQ(node_->WaitForChanges(0, absl::Now() + absl::Seconds(10)), 1u);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(NodeTest, AuditChainVerifiesAndRecordsEveryChange) {
  auto r = SubmitOk({Input("ipv4", "192.0.2.1")});
  ASSERT_THAT(node_->Sight(analyst_, r.results(0).id(), 1), IsOk());
  ASSERT_THAT(node_->Revoke(analyst_, r.results(0).id(), "done"), IsOk());
  ASSERT_THAT(node_->RecordRefusal("cn=mallory", "no rule"), IsOk());
  auto v = node_->AuditVerify(admin_);
  ASSERT_THAT(v, IsOk());
  EXPECT_TRUE(v->ok()) << v->problem();
  EXPECT_EQ(v->records(), 4u);
  auto records = store_->ReadAudit(0, 10);
  ASSERT_THAT(records, IsOk());
  EXPECT_EQ((*records)[0].kind, "submit");
  EXPECT_EQ((*records)[1].kind, "sighting");
  EXPECT_EQ((*records)[2].kind, "revoke");
  EXPECT_EQ((*records)[3].kind, "refused");
  EXPECT_EQ((*records)[0].principal, "cl.csirt/analyst/alice");
}

class NodePartnerTest : public NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    PutAgreementInForce();
  }
  // Agreements (id, partner) sharing up to AMBER at confidence 50 or more.
  void PutAgreementInForce(
      const std::vector<std::pair<std::string, std::string>>& with = {
          {"cl-us-2018", "us.cisa"}}) {
    google::protobuf::RepeatedPtrField<v1::Agreement> agreements;
    for (const auto& [id, partner] : with) {
      v1::Agreement* a = agreements.Add();
      a->set_id(id);
      a->set_partner(partner);
      a->set_effective_from("2018-08-16T00:00:00Z");
      a->mutable_share()->set_max_tlp("AMBER");
      a->mutable_share()->set_min_confidence(50);
    }
    auto set = AgreementSet::Create(agreements);
    ASSERT_THAT(set, IsOk());
    node_->SetAgreements(std::make_shared<const AgreementSet>(std::move(*set)));
  }
  std::string Submit(const std::string& value, const std::string& tlp,
                     uint32_t confidence) {
    auto in = Input("domain", value);
    in.set_tlp(tlp);
    in.set_confidence(confidence);
    return SubmitOk({in}).results(0).id();
  }
};

TEST_F(NodePartnerTest, EveryReadPathAppliesTheAgreement) {
  const std::string shared = Submit("shared.example", "AMBER", 80);
  const std::string red = Submit("red.example", "RED", 80);
  const std::string weak = Submit("weak.example", "GREEN", 10);
  // get
  auto got = node_->Get(partner_reader_, shared);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->reporter(), "");  // never leaves the origin node
  EXPECT_THAT(node_->Get(partner_reader_, red),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(node_->Get(partner_reader_, weak),
              StatusIs(absl::StatusCode::kNotFound));
  // query, also by exact value of a hidden indicator
  auto q = node_->Query(partner_reader_, v1::QueryRequest());
  ASSERT_THAT(q, IsOk());
  ASSERT_EQ(q->indicators_size(), 1);
  EXPECT_EQ(q->indicators(0).id(), shared);
  v1::QueryRequest by_value;
  by_value.set_value("red.example");
  EXPECT_EQ(node_->Query(partner_reader_, by_value)->indicators_size(), 0);
  // pull
  auto p = node_->Pull(partner_, "", 100);
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->entries_size(), 1);
  EXPECT_EQ(p->entries(0).indicator().id(), shared);
  EXPECT_EQ(p->entries(0).indicator().reporter(), "");
  // sight: a partner cannot touch what it cannot see
  EXPECT_THAT(node_->Sight(partner_, red, 1),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(node_->Sight(partner_, shared, 1), IsOk());
  // another partner without agreement: nothing at all
  Principal uk{"uk.ncsc", Role::kPeer, "node.uk.ncsc"};
  EXPECT_EQ(node_->Pull(uk, "", 100)->entries_size(), 0);
}

// A stored version that cannot be read is refused as DATA_LOSS, also by
// the feed that sends versions as stored, without decoding them: one
// version overwritten with bytes of no message, one cut short.
TEST_F(NodePartnerTest, ADamagedStoredVersionIsDataLossInEveryFeedForm) {
  const std::string healthy = Submit("healthy.example", "GREEN", 90);
  for (const char* damage :
       {"X'FFFFFFFF0F'", "substr(data, 1, length(data) - 1)"}) {
    SCOPED_TRACE(damage);
    Submit(absl::StrCat("damaged-", NewUuid(), ".example"), "GREEN", 90);
    ASSERT_THAT(node_->PullEncoded(reader_, "", 100), IsOk());
    Close();
    Sql(absl::StrCat("UPDATE changes SET data = ", damage,
                     " WHERE seq = (SELECT max(seq) FROM changes)"));
    Open();
    auto decoded = node_->Pull(reader_, "", 100);
    EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << decoded.status();
    auto encoded = node_->PullEncoded(reader_, "", 100);
    EXPECT_TRUE(absl::IsDataLoss(encoded.status())) << encoded.status();
    // The entry before the damaged one is still served.
    auto first = node_->PullEncoded(reader_, "", 1);
    ASSERT_THAT(first, IsOk());
    ASSERT_EQ(first->entries_size(), 1);
    v1::Indicator ind;
    ASSERT_TRUE(ind.ParseFromString(first->entries(0).indicator()));
    EXPECT_EQ(ind.id(), healthy);
    Close();
    Sql("DELETE FROM changes WHERE seq = (SELECT max(seq) FROM changes)");
    Open();
  }
}

TEST_F(NodePartnerTest, PullEncodedIsPullByteForByte) {
  const std::string shared = Submit("shared.example", "AMBER", 80);
  Submit("red.example", "RED", 80);
  Submit("weak.example", "GREEN", 10);
  const std::string later = Submit("later.example", "GREEN", 90);
  ASSERT_THAT(node_->Revoke(analyst_, shared, "false positive"), IsOk());
  ASSERT_THAT(node_->Sight(partner_, later, 2), IsOk());
  for (const Principal* who : {&reader_, &partner_}) {
    SCOPED_TRACE(who->org);
    std::string cursor;
    int pages = 0;
    size_t entries = 0;
    while (true) {
      auto decoded = node_->Pull(*who, cursor, 2);
      auto encoded = node_->PullEncoded(*who, cursor, 2);
      ASSERT_THAT(decoded, IsOk());
      ASSERT_THAT(encoded, IsOk());
      // What the Pull RPC sends is what a client decodes as PullResponse.
      EXPECT_EQ(encoded->SerializeAsString(), decoded->SerializeAsString());
      EXPECT_EQ(encoded->entries_size(), decoded->entries_size());
      entries += static_cast<size_t>(decoded->entries_size());
      ++pages;
      cursor = decoded->cursor();
      if (!decoded->more()) break;
    }
    EXPECT_GT(pages, 1);
    // The own org sees all six entries; the partner the shared form of the
    // AMBER one, its withdrawal, the GREEN one and its sighting.
    EXPECT_EQ(entries, who == &reader_ ? 6u : 4u);
  }
  // The own org's entries go out as the store holds them.
  auto records = store_->ReadChangeRecords(0, 100);
  ASSERT_THAT(records, IsOk());
  auto own = node_->PullEncoded(reader_, "", 100);
  ASSERT_THAT(own, IsOk());
  ASSERT_EQ(static_cast<size_t>(own->entries_size()), records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    const auto& e = own->entries(static_cast<int>(i));
    EXPECT_EQ(e.seq(), (*records)[i].seq);
    EXPECT_EQ(e.indicator(), (*records)[i].indicator);
  }
  // The partner's are its shared form: the reporter never leaves the node.
  auto theirs = node_->PullEncoded(partner_, "", 100);
  ASSERT_THAT(theirs, IsOk());
  ASSERT_GT(theirs->entries_size(), 0);
  v1::Indicator first;
  ASSERT_TRUE(first.ParseFromString(theirs->entries(0).indicator()));
  EXPECT_EQ(first.id(), shared);
  EXPECT_EQ(first.reporter(), "");
}

TEST_F(NodePartnerTest, QueryPagesRevealNoHiddenRows) {
  // Visible and hidden rows interleaved, hidden ones last.
  std::set<std::string> visible;
  for (int i = 0; i < 3; ++i) {
    visible.insert(Submit(absl::StrCat("v", i, ".example"), "GREEN", 80));
    Submit(absl::StrCat("h", i, ".example"), "RED", 80);
  }
  for (int i = 0; i < 5; ++i)
    Submit(absl::StrCat("t", i, ".example"), "RED", 80);
  for (uint32_t limit : {1u, 2u, 3u, 50u}) {
    SCOPED_TRACE(limit);
    std::set<std::string> got;
    std::string token;
    int pages = 0;
    do {
      v1::QueryRequest req;
      req.set_limit(limit);
      req.set_page_token(token);
      auto r = node_->Query(partner_reader_, req);
      ASSERT_THAT(r, IsOk());
      ++pages;
      // A page with a token is never short of visible rows.
      if (!r->next_page_token().empty()) {
        EXPECT_EQ(r->indicators_size(), static_cast<int>(limit));
      }
      for (const auto& i : r->indicators()) got.insert(i.id());
      token = r->next_page_token();
    } while (!token.empty() && pages < 10);
    EXPECT_EQ(got, visible);
    EXPECT_EQ(pages, static_cast<int>((visible.size() + limit - 1) / limit));
  }
}

TEST_F(NodePartnerTest, RevocationReachesAPartnerAfterTheTlpWasRaised) {
  const std::string id = Submit("later-amber.example", "GREEN", 80);
  auto first = node_->Pull(partner_, "", 100);
  ASSERT_EQ(first->entries_size(), 1);
  Submit("later-amber.example", "AMBER+STRICT", 80);  // merge raises the TLP
  ASSERT_THAT(node_->Revoke(analyst_, id, "gone"), IsOk());
  auto rest = node_->Pull(partner_, first->cursor(), 100);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->entries_size(), 1);  // the merge is hidden, the revoke is not
  const auto& e = rest->entries(0);
  EXPECT_EQ(e.op(), v1::OP_REVOKE);
  EXPECT_EQ(e.indicator().id(), id);
  EXPECT_TRUE(e.indicator().revoked());
  EXPECT_EQ(e.indicator().value(),
            "");  // a tombstone: no data of the new version
  EXPECT_EQ(e.indicator().tlp(), v1::TLP_UNSPECIFIED);
  EXPECT_EQ(e.indicator().type(), v1::DOMAIN);  // for the STIX id
}

TEST_F(NodePartnerTest, WithdrawalsGoOnlyToPartnersThatHeldTheIndicator) {
  // Never visible to the partner (confidence below its minimum), then
  // revoked: the partner must learn nothing, not even the id.
  const std::string never = Submit("never-shared.example", "GREEN", 10);
  // Visible at first, then hidden by a merge, then revoked: withdrawn.
  const std::string held = Submit("was-shared.example", "GREEN", 80);
  auto first = node_->Pull(partner_, "", 100);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->entries_size(), 1);
  EXPECT_EQ(first->entries(0).indicator().id(), held);
  Submit("was-shared.example", "AMBER+STRICT", 80);
  ASSERT_THAT(node_->Revoke(analyst_, never, "gone"), IsOk());
  ASSERT_THAT(node_->Revoke(analyst_, held, "gone"), IsOk());
  auto rest = node_->Pull(partner_, first->cursor(), 100);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->entries_size(), 1);
  EXPECT_EQ(rest->entries(0).indicator().id(), held);
  EXPECT_EQ(rest->entries(0).indicator().value(), "");
  // The record is per partner org: another org with the same agreement
  // terms never received `held` and gets nothing of it.
  PutAgreementInForce({{"cl-us-2018", "us.cisa"}, {"cl-uk", "uk.ncsc"}});
  Principal uk{"uk.ncsc", Role::kPeer, "node.uk.ncsc"};
  auto uk_feed = node_->Pull(uk, "", 100);
  ASSERT_THAT(uk_feed, IsOk());
  EXPECT_EQ(uk_feed->entries_size(), 0);
}

TEST_F(NodePartnerTest, AChangeThatHidesAnIndicatorWithdrawsItFromItsHolders) {
  const std::string held = Submit("hidden-later.example", "GREEN", 80);
  // Below the partner's minimum confidence from the start, then changed:
  // the partner never held it and learns nothing of it.
  const std::string never = Submit("never-visible.example", "GREEN", 10);
  auto first = node_->Pull(partner_, "", 100);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->entries_size(), 1);
  Submit("never-visible.example", "AMBER+STRICT", 20);

  // The origin raises the TLP above the agreement's: the holder gets the
  // change as a revocation tombstone.
  Submit("hidden-later.example", "AMBER+STRICT", 80);
  auto withdrawn = node_->Pull(partner_, first->cursor(), 100);
  ASSERT_THAT(withdrawn, IsOk());
  ASSERT_EQ(withdrawn->entries_size(), 1);  // nothing of `never`
  const v1::FeedEntry& e = withdrawn->entries(0);
  EXPECT_EQ(e.op(), v1::OP_REVOKE);
  EXPECT_EQ(e.indicator().id(), held);
  EXPECT_TRUE(e.indicator().revoked());
  EXPECT_EQ(e.indicator().value(), "");  // nothing of the new version
  EXPECT_EQ(e.indicator().tlp(), v1::TLP_UNSPECIFIED);
  EXPECT_EQ(e.indicator().type(), v1::DOMAIN);
  // A page lost on its way: the same cursor brings the withdrawal again.
  auto again = node_->Pull(partner_, first->cursor(), 100);
  ASSERT_THAT(again, IsOk());
  ASSERT_EQ(again->entries_size(), 1);
  EXPECT_EQ(again->entries(0).op(), v1::OP_REVOKE);
  EXPECT_EQ(again->entries(0).indicator().id(), held);
  EXPECT_EQ(again->entries(0).indicator().value(), "");

  // So does a change to RED.
  const std::string red = Submit("red-later.example", "GREEN", 80);
  auto shown = node_->Pull(partner_, withdrawn->cursor(), 100);
  ASSERT_THAT(shown, IsOk());
  ASSERT_EQ(shown->entries_size(), 1);
  Submit("red-later.example", "RED", 80);
  auto red_withdrawn = node_->Pull(partner_, shown->cursor(), 100);
  ASSERT_THAT(red_withdrawn, IsOk());
  ASSERT_EQ(red_withdrawn->entries_size(), 1);
  EXPECT_EQ(red_withdrawn->entries(0).op(), v1::OP_REVOKE);
  EXPECT_EQ(red_withdrawn->entries(0).indicator().id(), red);
  EXPECT_EQ(red_withdrawn->entries(0).indicator().value(), "");

  // A later change while it stays hidden, and its revocation, withdraw it
  // again (once in a page), and nothing of the new version goes out;
  // `never` stays unknown to the partner.
  Submit("hidden-later.example", "AMBER+STRICT", 90);
  ASSERT_THAT(node_->Revoke(analyst_, held, "gone"), IsOk());
  ASSERT_THAT(node_->Revoke(analyst_, never, "gone"), IsOk());
  auto after = node_->Pull(partner_, red_withdrawn->cursor(), 100);
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->entries_size(), 1);
  EXPECT_EQ(after->entries(0).indicator().id(), held);
  EXPECT_EQ(after->entries(0).indicator().value(), "");
  EXPECT_EQ(after->entries(0).indicator().confidence(), 0u);
}

TEST_F(NodePartnerTest, AnIndicatorVisibleAgainIsServedInFullAgain) {
  const std::string id = Submit("toggled.example", "GREEN", 80);
  auto feed = node_->Pull(partner_, "", 100);
  ASSERT_THAT(feed, IsOk());
  ASSERT_EQ(feed->entries_size(), 1);
  // Hidden (confidence below the minimum): withdrawn.
  Submit("toggled.example", "GREEN", 10);
  feed = node_->Pull(partner_, feed->cursor(), 100);
  ASSERT_THAT(feed, IsOk());
  ASSERT_EQ(feed->entries_size(), 1);
  EXPECT_EQ(feed->entries(0).op(), v1::OP_REVOKE);
  // Visible again: served in full, held again, and withdrawn again when
  // hidden again.
  Submit("toggled.example", "GREEN", 90);
  feed = node_->Pull(partner_, feed->cursor(), 100);
  ASSERT_THAT(feed, IsOk());
  ASSERT_EQ(feed->entries_size(), 1);
  EXPECT_EQ(feed->entries(0).op(), v1::OP_UPSERT);
  EXPECT_EQ(feed->entries(0).indicator().value(), "toggled.example");
  EXPECT_EQ(feed->entries(0).indicator().confidence(), 90u);
  auto held_again = store_->Delivered("us.cisa", id);
  ASSERT_THAT(held_again, IsOk());
  EXPECT_TRUE(*held_again);
  Submit("toggled.example", "GREEN", 10);
  feed = node_->Pull(partner_, feed->cursor(), 100);
  ASSERT_THAT(feed, IsOk());
  ASSERT_EQ(feed->entries_size(), 1);
  EXPECT_EQ(feed->entries(0).op(), v1::OP_REVOKE);
  EXPECT_EQ(feed->entries(0).indicator().id(), id);
}

// A newer version of a partner's indicator that this node's own accept
// terms refuse (the origin raised its TLP above them): the copy held is
// withdrawn here, kept with the version it was, and no longer served to
// partners; a later version the terms accept again is stored as usual.
TEST_F(NodePartnerTest, ANewerVersionTheAcceptTermsRefuseWithdrawsTheCopy) {
  google::protobuf::RepeatedPtrField<v1::Agreement> agreements;
  v1::Agreement* us = agreements.Add();
  us->set_id("cl-us-2018");
  us->set_partner("us.cisa");
  us->set_effective_from("2018-08-16T00:00:00Z");
  us->mutable_share()->set_max_tlp("GREEN");
  us->mutable_accept()->set_max_tlp("GREEN");
  us->mutable_accept()->set_redistribute(true);
  v1::Agreement* co = agreements.Add();
  co->set_id("cl-co-2019");
  co->set_partner("co.colcert");
  co->set_effective_from("2018-08-16T00:00:00Z");
  co->mutable_share()->set_max_tlp("GREEN");
  co->mutable_share()->set_forward_third_party(true);
  auto set = AgreementSet::Create(agreements);
  ASSERT_THAT(set, IsOk());
  node_->SetAgreements(std::make_shared<const AgreementSet>(std::move(*set)));

  const std::string id = NewUuid();
  auto from_us = [&](const std::string& tlp, uint32_t version) {
    v1::PullResponse batch;
    v1::FeedEntry* e = batch.add_entries();
    e->set_seq(version);
    e->set_op(v1::OP_UPSERT);
    v1::Indicator* ind = e->mutable_indicator();
    ind->set_id(id);
    ind->set_type(v1::DOMAIN);
    ind->set_value("raised.us.example");
    ind->set_origin("us.cisa");
    ind->add_path("us.cisa");
    ind->set_tlp(tlp == "GREEN" ? v1::TLP_GREEN : v1::TLP_AMBER);
    ind->set_confidence(80);
    ind->set_version(version);
    *ind->mutable_modified() = ToProto(clock_.Now());
    return node_->ApplyFromPeer("us.cisa", batch);
  };
  Principal colombia{"co.colcert", Role::kPeer, "node.co.colcert"};
  ASSERT_THAT(from_us("GREEN", 1), IsOk());
  auto shown = node_->Pull(colombia, "", 100);
  ASSERT_THAT(shown, IsOk());
  ASSERT_EQ(shown->entries_size(), 1);
  EXPECT_EQ(shown->entries(0).indicator().value(), "raised.us.example");

  auto applied = from_us("AMBER", 2);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(*applied, 1);
  auto held = node_->Get(reader_, id);
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(held->tlp(), v1::TLP_GREEN);  // the version held, not the AMBER
  EXPECT_TRUE(held->revoked());
  EXPECT_TRUE(held->withdrawn());
  EXPECT_THAT(held->revoked_reason(),
              HasSubstr("refused by this node's accept terms (tlp_above_max)"));
  // Colombia, which holds it, gets the withdrawal; nothing of it otherwise.
  auto withdrawn = node_->Pull(colombia, shown->cursor(), 100);
  ASSERT_THAT(withdrawn, IsOk());
  ASSERT_EQ(withdrawn->entries_size(), 1);
  EXPECT_EQ(withdrawn->entries(0).op(), v1::OP_REVOKE);
  EXPECT_TRUE(withdrawn->entries(0).indicator().withdrawn());
  EXPECT_EQ(withdrawn->entries(0).indicator().value(), "");
  EXPECT_THAT(node_->Get(Principal{"co.colcert", Role::kReader, "bot"}, id),
              StatusIs(absl::StatusCode::kNotFound));
  // The same refused version again changes nothing.
  applied = from_us("AMBER", 2);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(*applied, 0);

  // Lowered to GREEN again by the origin: accepted, and shared again.
  ASSERT_THAT(from_us("GREEN", 3), IsOk());
  held = node_->Get(reader_, id);
  ASSERT_THAT(held, IsOk());
  EXPECT_FALSE(held->revoked());
  EXPECT_FALSE(held->withdrawn());
  EXPECT_EQ(held->version(), 3u);
  auto again = node_->Pull(colombia, withdrawn->cursor(), 100);
  ASSERT_THAT(again, IsOk());
  ASSERT_EQ(again->entries_size(), 1);
  EXPECT_EQ(again->entries(0).op(), v1::OP_UPSERT);
  EXPECT_EQ(again->entries(0).indicator().value(), "raised.us.example");
}

// A node whose store runs a hook before each read of the change log.
class NodeRaceTest : public NodePartnerTest {
 protected:
  void SetUp() override {
    NodePartnerTest::SetUp();
    hook_ = std::make_unique<csx::testing::StoreWithHook>(store_.get());
    auto node = Node::Create(NodeOptions{"cl.csirt"}, hook_.get(), &clock_);
    ASSERT_THAT(node, IsOk());
    node_ = std::move(*node);
    PutAgreementInForce();
  }
  // Destroyed after TearDown has closed the node over it.
  std::unique_ptr<csx::testing::StoreWithHook> hook_;
};

// A partner catching up reads each entry once: an entry that is its
// indicator's current version is not read again as the current version.
// Only an indicator changed since an entry is, and its older version still
// does not go out once the current one is restricted.
TEST_F(NodeRaceTest, APartnerCatchingUpReadsOnlyChangedIndicatorsTwice) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Submit(absl::StrCat("current-", i, ".example"), "GREEN", 80));
  }
  auto page = node_->Pull(partner_, "", 100);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->entries_size(), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(page->entries(i).indicator().id(), ids[i]);
  }
  EXPECT_EQ(hook_->get_many_ids, 0u);

  const std::string raised = Submit("raised.example", "GREEN", 80);
  Submit("raised.example", "RED", 80);  // version 2, never shared
  auto rest = node_->Pull(partner_, page->cursor(), 100);
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(rest->entries_size(), 0) << "an older version of " << raised
                                     << " went out after it was restricted";
  EXPECT_EQ(hook_->get_many_ids, 1u);
}

// A change that hides an indicator, committed while a page of the feed is
// read, between two of its scans: the page showed the indicator before the
// change, and the partner's delivery is recorded only once the page is
// read, so the page itself withdraws it after showing it. Otherwise the
// partner would keep the version shown: the change is behind the cursor.
TEST_F(NodeRaceTest, AHidingChangeBetweenTwoScansOfAPageIsAWithdrawal) {
  const std::string id = Submit("raced.example", "GREEN", 80);
  Submit("red-1.example", "RED", 80);
  Submit("red-2.example", "RED", 80);
  const std::string after = Submit("after.example", "GREEN", 80);
  hook_->before_read_changes = [&](int call) {
    if (call == 1) Submit("raced.example", "AMBER+STRICT", 80);
  };
  // The first scan reads raced, red-1 and red-2 and shows raced alone; the
  // second reads on: after, and the change.
  auto page = node_->Pull(partner_, "", 3);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->entries_size(), 3);
  EXPECT_EQ(page->entries(0).op(), v1::OP_UPSERT);
  EXPECT_EQ(page->entries(0).indicator().id(), id);
  EXPECT_EQ(page->entries(0).indicator().value(), "raced.example");
  EXPECT_EQ(page->entries(1).indicator().id(), after);
  const v1::FeedEntry& w = page->entries(2);
  EXPECT_EQ(w.op(), v1::OP_REVOKE);
  EXPECT_EQ(w.indicator().id(), id);
  EXPECT_TRUE(w.indicator().revoked());
  EXPECT_TRUE(w.indicator().withdrawn());
  EXPECT_EQ(w.indicator().value(), "");
  EXPECT_EQ(w.indicator().tlp(), v1::TLP_UNSPECIFIED);
  hook_->before_read_changes = nullptr;
  auto rest = node_->Pull(partner_, page->cursor(), 100);
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(rest->entries_size(), 0);
}

// Shown, withdrawn, shown again and hidden again within one page: each
// hiding change after a showing withdraws it, so the page ends withdrawn.
TEST_F(NodeRaceTest, ShownAgainInAPageIsWithdrawnAgain) {
  const std::string id = Submit("again.example", "GREEN", 80);
  int reds = 0;
  auto red = [&] {
    Submit(absl::StrCat("red-", ++reds, ".example"), "RED", 80);
  };
  for (int i = 0; i < 3; ++i) red();
  // Each scan of a page of 4 reads as many entries as the page still has
  // room for; RED creations fill the scans without being shown.
  hook_->before_read_changes = [&](int call) {
    if (call == 1) {
      Submit("again.example", "GREEN", 10);  // hidden
      red();
      red();
    } else if (call == 2) {
      Submit("again.example", "GREEN", 90);  // shown again
      red();
    } else if (call == 3) {
      Submit("again.example", "GREEN", 20);  // hidden again
    }
  };
  auto page = node_->Pull(partner_, "", 4);
  ASSERT_THAT(page, IsOk());
  std::vector<std::string> ops;
  for (const auto& e : page->entries()) {
    ASSERT_EQ(e.indicator().id(), id);
    ops.push_back(absl::StrCat(v1::ChangeOp_Name(e.op()), " ",
                               e.indicator().confidence()));
  }
  EXPECT_THAT(ops, ::testing::ElementsAre("OP_UPSERT 80", "OP_REVOKE 0",
                                          "OP_UPSERT 90", "OP_REVOKE 0"));
}

// Two pulls of one partner at once: one page shows an indicator while
// another, from a later cursor, reads the change that hides it before the
// first page's delivery is recorded. The second stream never got the
// indicator and learns nothing; the first reads the change in its next
// page, as a recorded holder, and gets the withdrawal.
TEST_F(NodeRaceTest,
       APullBesideTheOneThatShowedItLeavesTheWithdrawalToThatOne) {
  const std::string id = Submit("concurrent.example", "GREEN", 80);
  auto own = node_->Pull(reader_, "", 10);  // a cursor after it
  ASSERT_THAT(own, IsOk());
  ASSERT_EQ(own->entries_size(), 1);
  bool armed = true;
  absl::StatusOr<v1::PullResponse> other;
  hook_->before_begin = [&] {
    if (!armed) return;
    armed = false;
    // The first page has shown the indicator and is about to record it.
    Submit("concurrent.example", "GREEN", 10);  // hidden
    other = node_->Pull(partner_reader_, own->cursor(), 10);
  };
  auto first = node_->Pull(partner_, "", 10);
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(armed);
  ASSERT_EQ(first->entries_size(), 1);
  EXPECT_EQ(first->entries(0).indicator().value(), "concurrent.example");
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(other->entries_size(), 0);
  auto next = node_->Pull(partner_, first->cursor(), 10);
  ASSERT_THAT(next, IsOk());
  ASSERT_EQ(next->entries_size(), 1);
  EXPECT_EQ(next->entries(0).op(), v1::OP_REVOKE);
  EXPECT_EQ(next->entries(0).indicator().id(), id);
  EXPECT_TRUE(next->entries(0).indicator().withdrawn());
  EXPECT_EQ(next->entries(0).indicator().value(), "");
}

TEST_F(NodePartnerTest, AChangeUndoneBeforeThePullIsNotAWithdrawal) {
  const std::string id = Submit("undone.example", "GREEN", 80);
  auto first = node_->Pull(partner_, "", 100);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->entries_size(), 1);
  // Hidden and visible again before the partner pulls: it gets the visible
  // version, with no withdrawal before it.
  Submit("undone.example", "GREEN", 10);
  Submit("undone.example", "GREEN", 90);
  auto rest = node_->Pull(partner_, first->cursor(), 100);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->entries_size(), 1);
  EXPECT_EQ(rest->entries(0).op(), v1::OP_UPSERT);
  EXPECT_EQ(rest->entries(0).indicator().id(), id);
  EXPECT_EQ(rest->entries(0).indicator().confidence(), 90u);
}

TEST_F(NodePartnerTest, HistoryDoesNotServeAVersionSinceRestricted) {
  // Shared as GREEN, then raised to AMBER+STRICT before the partner pulled:
  // the old GREEN entry of the log must not go out.
  const std::string id = Submit("restricted.example", "GREEN", 80);
  Submit("restricted.example", "AMBER+STRICT", 80);
  // Hidden (confidence below the minimum) and then visible again: the
  // partner gets the entries that are visible, the last of them current.
  const std::string reopened = Submit("reopened.example", "GREEN", 80);
  Submit("reopened.example", "GREEN", 10);
  Submit("reopened.example", "GREEN", 90);
  auto feed = node_->Pull(partner_, "", 100);
  ASSERT_THAT(feed, IsOk());
  std::vector<std::string> ids;
  for (const auto& e : feed->entries()) ids.push_back(e.indicator().id());
  EXPECT_THAT(ids, ::testing::ElementsAre(reopened, reopened));
  EXPECT_EQ(feed->entries(1).indicator().confidence(), 90u);
  auto got = node_->Get(partner_reader_, id);
  EXPECT_THAT(got, StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(NodePartnerTest, DeliveriesAreAuditedAndSurviveARestart) {
  const std::string id = Submit("audited.example", "GREEN", 80);
  Submit("hidden.example", "RED", 80);
  auto first = node_->Pull(partner_, "", 100);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->entries_size(), 1);
  auto audit = store_->ReadAudit(0, 100);
  ASSERT_THAT(audit, IsOk());
  std::vector<AuditRecord> deliveries;
  for (const auto& r : *audit) {
    if (r.kind == "delivery") deliveries.push_back(r);
  }
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].principal, partner_.ToString());
  EXPECT_THAT(deliveries[0].detail, HasSubstr("agreement=cl-us-2018"));
  EXPECT_THAT(deliveries[0].detail, HasSubstr("entries=1"));
  EXPECT_THAT(deliveries[0].detail, HasSubstr(id));
  // Pulls of the node's own principals are not deliveries to a partner.
  ASSERT_THAT(node_->Pull(reader_, "", 100), IsOk());
  auto after = store_->ReadAudit(audit->back().seq, 100);
  ASSERT_THAT(after, IsOk());
  EXPECT_TRUE(after->empty());
  auto verified = node_->AuditVerify(admin_);
  ASSERT_THAT(verified, IsOk());
  EXPECT_TRUE(verified->ok());

  // After a restart the partner is still known to hold it.
  Close();
  Open();
  PutAgreementInForce();
  Submit("audited.example", "AMBER+STRICT", 80);
  ASSERT_THAT(node_->Revoke(analyst_, id, "gone"), IsOk());
  auto rest = node_->Pull(partner_, first->cursor(), 100);
  ASSERT_THAT(rest, IsOk());
  ASSERT_EQ(rest->entries_size(), 1);
  EXPECT_EQ(rest->entries(0).op(), v1::OP_REVOKE);
  EXPECT_EQ(rest->entries(0).indicator().id(), id);
}

TEST_F(NodePartnerTest, AStoreWithoutDeliveryRecordsWithdrawsAsBefore) {
  // A store written before deliveries were recorded: what was served from it
  // is unknown, so indicators created until the upgrade are withdrawn from
  // every partner whose rules now refuse them; newer ones only from holders.
  const std::string old_id = Submit("before-upgrade.example", "GREEN", 80);
  Close();
  Sql("DROP TABLE deliveries; DELETE FROM meta WHERE key = "
      "'deliveries_since'; UPDATE meta SET value = 1 WHERE key = "
      "'schema_version'");
  Open();
  auto since = store_->DeliveriesRecordedSince();
  ASSERT_THAT(since, IsOk());
  EXPECT_GT(*since, absl::InfinitePast());
  // Indicators created from now on are after the upgrade.
  clock_.Advance(absl::Now() + absl::Seconds(1) - clock_.Now());
  PutAgreementInForce();
  const std::string new_id = Submit("after-upgrade.example", "GREEN", 10);
  for (const std::string& id : {old_id, new_id}) {
    Submit(id == old_id ? "before-upgrade.example" : "after-upgrade.example",
           "AMBER+STRICT", 80);
    ASSERT_THAT(node_->Revoke(analyst_, id, "gone"), IsOk());
  }
  auto feed = node_->Pull(partner_, "", 100);
  ASSERT_THAT(feed, IsOk());
  std::vector<std::string> ids;
  for (const auto& e : feed->entries()) ids.push_back(e.indicator().id());
  EXPECT_THAT(ids, ::testing::ElementsAre(old_id));
}

TEST_F(NodePartnerTest, AStoreWithoutDeliveryRecordsSaysNothingOfRedOnes) {
  // RED from the start, and GREEN raised to RED, both before the upgrade
  // and revoked after it: without a record of who holds them, no partner is
  // told their ids.
  const std::string red = Submit("red-before-upgrade.example", "RED", 80);
  const std::string raised =
      Submit("raised-before-upgrade.example", "GREEN", 80);
  Submit("raised-before-upgrade.example", "RED", 80);
  Close();
  Sql("DROP TABLE deliveries; DELETE FROM meta WHERE key = "
      "'deliveries_since'; UPDATE meta SET value = 1 WHERE key = "
      "'schema_version'");
  Open();
  clock_.Advance(absl::Now() + absl::Seconds(1) - clock_.Now());
  PutAgreementInForce();
  ASSERT_THAT(node_->Revoke(analyst_, red, "gone"), IsOk());
  ASSERT_THAT(node_->Revoke(analyst_, raised, "gone"), IsOk());
  auto feed = node_->Pull(partner_, "", 100);
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->entries_size(), 0);
}

TEST_F(NodeTest, AStoreOfANewerSchemaIsRefusedUnchanged) {
  Close();
  const std::string path = dir_ + "/csx.db";
  EXPECT_THAT(SqliteStore::Inspect(path), IsOk());
  Sql("UPDATE meta SET value = 99 WHERE key = 'schema_version'");
  EXPECT_THAT(
      SqliteStore::Open(path),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("newer csxd")));
  EXPECT_THAT(
      SqliteStore::Inspect(path),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("schema 99")));
  EXPECT_THAT(SqliteStore::Inspect(dir_ + "/new.db"), IsOk());
  EXPECT_THAT(SqliteStore::Inspect("/nonexistent-dir/csx.db"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("directory of /nonexistent-dir/csx.db does "
                                 "not exist")));
}

// The store of a large node: its write cache holds fewer pages than a
// transaction of the largest size changes.
TEST_F(NodeTest, TransactionsShrinkToWhatTheWriteCacheHolds) {
  EXPECT_EQ(node_->MaxGroupItems(), Node::kMaxGroupItems);
  // 1 000 values on a store whose 64 MB cache holds all they change: the
  // largest groups stay.
  {
    v1::SubmitRequest req;
    for (int i = 0; i < 1000; ++i) {
      *req.add_items() = Input("domain", absl::StrCat("d", i, ".example"));
    }
    ASSERT_THAT(node_->Submit(analyst_, req), IsOk());
  }
  EXPECT_EQ(node_->MaxGroupItems(), Node::kMaxGroupItems);
  Close();
  SqliteStore::Options small_cache;
  small_cache.writer_cache_kib = 1024;  // 256 pages
  auto store = SqliteStore::Open(dir_ + "/csx.db", small_cache);
  ASSERT_THAT(store, IsOk());
  store_ = std::move(*store);
  auto node = Node::Create(NodeOptions{"cl.csirt"}, store_.get(), &clock_);
  ASSERT_THAT(node, IsOk());
  node_ = std::move(*node);
  // Values on random pages of the key index, as a feed of hashes gives.
  v1::SubmitRequest req;
  for (int i = 0; i < 5000; ++i) {
    *req.add_items() =
        Input("domain", absl::StrCat((i * 7919) % 5000, "-h", i, ".example"));
  }
  auto r = node_->Submit(analyst_, req);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->created(), 5000u);
  // Each item changed a sizeable share of a page: the next transactions
  // are held to what fills three quarters of 256 pages at that rate, and
  // never fewer than the floor.
  // The cache holds 256 pages: at most three quarters of them at the rate
  // this submission changed pages, and the floor.
  const size_t limit = node_->MaxGroupItems();
  EXPECT_LT(limit, Node::kMaxGroupItems);
  EXPECT_LE(limit, std::max<size_t>(Node::kMinGroupItems, 192 * 5000 / 256));
  // A client stream closes its transaction at that limit.
  auto batch_of = [&](size_t n) {
    v1::SubmitRequest r;
    for (size_t i = 0; i < n; ++i) {
      *r.add_items() = Input("domain", absl::StrCat("s", i, ".example"));
    }
    const v1::SubmitRequest* one[] = {&r};
    auto p = node_->PrepareSubmit(analyst_, one);
    EXPECT_THAT(p, IsOk());
    return std::move(*p);
  };
  const Node::PreparedSubmit empty;
  const Node::PreparedSubmit half = batch_of(limit / 2);
  const Node::PreparedSubmit rest = batch_of(limit - limit / 2);
  const Node::PreparedSubmit one_more = batch_of(limit - limit / 2 + 1);
  EXPECT_FALSE(node_->Overflows(half, rest));
  EXPECT_TRUE(node_->Overflows(half, one_more));
  EXPECT_FALSE(node_->Overflows(empty, batch_of(limit + 1)));
}

TEST_F(NodePartnerTest, ExplainNamesTheRule) {
  const std::string red = Submit("red2.example", "RED", 80);
  const std::string ok = Submit("ok.example", "GREEN", 80);
  auto e = node_->Explain(admin_, red, "us.cisa");
  ASSERT_THAT(e, IsOk());
  EXPECT_FALSE(e->shared());
  EXPECT_EQ(e->rule(), "tlp_red");
  EXPECT_THAT(e->explanation(), HasSubstr("TLP:RED never leaves"));
  e = node_->Explain(analyst_, ok, "us.cisa");
  ASSERT_THAT(e, IsOk());
  EXPECT_TRUE(e->shared());
  EXPECT_EQ(e->agreement(), "cl-us-2018");
  e = node_->Explain(admin_, ok, "uk.ncsc");
  EXPECT_EQ(e->rule(), "no_agreement");
  EXPECT_THAT(node_->Explain(partner_reader_, ok, "us.cisa"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto list = node_->Agreements(admin_);
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->agreements_size(), 1);
  EXPECT_TRUE(list->agreements(0).in_force());
}

}  // namespace
}  // namespace csx
