// The agreement engine: every TLP against every max_tlp, windows at their
// exact edges, each filter, the onward rule case by case, hide_source, and
// the accept side.
#include "server/policy/sharing_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time_util.h"
#include "common/tlp.h"

namespace csx {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1750000000);  // 2025-06-15

v1::Agreement Ag(const std::string& id, const std::string& partner,
                 const std::string& max_tlp) {
  v1::Agreement a;
  a.set_id(id);
  a.set_partner(partner);
  a.set_effective_from("2018-08-16T00:00:00Z");
  a.mutable_share()->set_max_tlp(max_tlp);
  a.mutable_accept()->set_max_tlp(max_tlp);
  return a;
}

SharingPolicy Policy(const std::vector<v1::Agreement>& agreements) {
  google::protobuf::RepeatedPtrField<v1::Agreement> field;
  for (const auto& a : agreements) *field.Add() = a;
  auto set = AgreementSet::Create(field);
  EXPECT_TRUE(set.ok()) << set.status();
  return SharingPolicy("cl.csirt",
                       std::make_shared<const AgreementSet>(std::move(*set)));
}

v1::Indicator Own(v1::Tlp tlp) {
  v1::Indicator ind;
  ind.set_id("00000000-0000-4000-8000-000000000001");
  ind.set_type(v1::IPV4);
  ind.set_value("192.0.2.1");
  ind.set_tlp(tlp);
  ind.set_confidence(80);
  ind.add_sectors("finance");
  ind.set_origin("cl.csirt");
  ind.add_path("cl.csirt");
  ind.set_reporter("alice");
  *ind.mutable_modified() = ToProto(kNow - absl::Hours(1));
  return ind;
}

// Received by cl.csirt from `from` (origin `origin`).
v1::Indicator Received(v1::Tlp tlp, const std::string& origin,
                       const std::string& from) {
  v1::Indicator ind = Own(tlp);
  ind.set_origin(origin);
  ind.clear_path();
  ind.add_path(origin);
  if (from != origin) ind.add_path(from);
  ind.add_path("cl.csirt");
  ind.clear_reporter();
  return ind;
}

TEST(SharingPolicyTest, EveryTlpAgainstEveryMaxTlp) {
  const std::vector<v1::Tlp> tlps = {v1::TLP_CLEAR, v1::TLP_GREEN,
                                     v1::TLP_AMBER, v1::TLP_AMBER_STRICT,
                                     v1::TLP_RED};
  for (v1::Tlp max : tlps) {
    SharingPolicy p = Policy({Ag("a", "us.cisa", std::string(TlpName(max)))});
    for (v1::Tlp tlp : tlps) {
      Decision d = p.Share(Own(tlp), "us.cisa", kNow);
      const bool want = tlp != v1::TLP_RED && TlpRank(tlp) <= TlpRank(max);
      EXPECT_EQ(d.allowed, want)
          << TlpName(tlp) << " under max " << TlpName(max);
      if (tlp == v1::TLP_RED) {
        EXPECT_EQ(d.rule, Rule::kRedNeverLeaves);
      } else if (!want) {
        EXPECT_EQ(d.rule, Rule::kTlpAboveMax);
      }
    }
  }
}

TEST(SharingPolicyTest, DefaultDenyAndMissingMaxTlp) {
  SharingPolicy none = Policy({});
  Decision d = none.Share(Own(v1::TLP_CLEAR), "us.cisa", kNow);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, Rule::kNoAgreement);
  EXPECT_THAT(none.Explain(Own(v1::TLP_CLEAR), "us.cisa", d),
              HasSubstr("default deny"));
  // An agreement without max_tlp shares CLEAR only.
  SharingPolicy bare = Policy({Ag("a", "us.cisa", "")});
  EXPECT_TRUE(bare.Share(Own(v1::TLP_CLEAR), "us.cisa", kNow).allowed);
  EXPECT_FALSE(bare.Share(Own(v1::TLP_GREEN), "us.cisa", kNow).allowed);
  // Another partner's agreement does not apply.
  SharingPolicy other = Policy({Ag("a", "uk.ncsc", "AMBER")});
  EXPECT_EQ(other.Share(Own(v1::TLP_GREEN), "us.cisa", kNow).rule,
            Rule::kNoAgreement);
}

TEST(SharingPolicyTest, WindowsAtTheirExactEdges) {
  v1::Agreement a = Ag("a", "us.cisa", "AMBER");
  a.set_effective_from("2025-06-15T00:00:00Z");
  a.set_expires("2025-06-16T00:00:00Z");
  SharingPolicy p = Policy({a});
  const absl::Time from = *ParseTime("2025-06-15T00:00:00Z");
  const absl::Time until = *ParseTime("2025-06-16T00:00:00Z");
  v1::Indicator ind = Own(v1::TLP_GREEN);
  *ind.mutable_modified() = ToProto(from - absl::Hours(1));
  EXPECT_FALSE(p.Share(ind, "us.cisa", from - absl::Nanoseconds(1)).allowed);
  EXPECT_TRUE(p.Share(ind, "us.cisa", from).allowed);
  EXPECT_TRUE(p.Share(ind, "us.cisa", until - absl::Nanoseconds(1)).allowed);
  EXPECT_FALSE(p.Share(ind, "us.cisa", until).allowed);
  v1::Indicator incoming = Received(v1::TLP_GREEN, "us.cisa", "us.cisa");
  incoming.mutable_path()->RemoveLast();  // as it arrives: without cl.csirt
  EXPECT_FALSE(p.Accept(incoming, "us.cisa", until).allowed);
  EXPECT_TRUE(p.Accept(incoming, "us.cisa", from).allowed);
  EXPECT_FALSE(
      p.Accept(incoming, "us.cisa", from - absl::Nanoseconds(1)).allowed);
}

TEST(SharingPolicyTest, SuccessiveAgreementsWithOnePartner) {
  v1::Agreement old_ag = Ag("old", "us.cisa", "GREEN");
  old_ag.set_expires("2025-01-01T00:00:00Z");
  v1::Agreement new_ag = Ag("new", "us.cisa", "AMBER");
  new_ag.set_effective_from("2025-01-01T00:00:00Z");
  SharingPolicy p = Policy({old_ag, new_ag});
  EXPECT_EQ(p.Share(Own(v1::TLP_AMBER), "us.cisa", kNow).terms->id, "new");
  EXPECT_TRUE(p.Share(Own(v1::TLP_AMBER), "us.cisa", kNow).allowed);
  const absl::Time before = *ParseTime("2024-06-01");
  v1::Indicator old_ind = Own(v1::TLP_AMBER);
  EXPECT_EQ(p.Share(old_ind, "us.cisa", before).rule, Rule::kTlpAboveMax);
}

TEST(SharingPolicyTest, Filters) {
  v1::Agreement a = Ag("a", "us.cisa", "AMBER");
  a.mutable_share()->add_types("domain");
  a.mutable_share()->add_types("ipv4");
  a.mutable_share()->add_sectors("energy");
  a.mutable_share()->add_sectors("Finance");
  a.mutable_share()->set_min_confidence(50);
  a.mutable_share()->set_max_age("2h");
  SharingPolicy p = Policy({a});
  EXPECT_TRUE(p.Share(Own(v1::TLP_GREEN), "us.cisa", kNow).allowed);

  v1::Indicator hash = Own(v1::TLP_GREEN);
  hash.set_type(v1::SHA256);
  EXPECT_EQ(p.Share(hash, "us.cisa", kNow).rule, Rule::kTypeNotShared);

  v1::Indicator health = Own(v1::TLP_GREEN);
  health.clear_sectors();
  health.add_sectors("health");
  EXPECT_EQ(p.Share(health, "us.cisa", kNow).rule, Rule::kSectorNotShared);
  health.clear_sectors();  // no sector at all does not match a sector list
  EXPECT_EQ(p.Share(health, "us.cisa", kNow).rule, Rule::kSectorNotShared);

  v1::Indicator weak = Own(v1::TLP_GREEN);
  weak.set_confidence(49);
  EXPECT_EQ(p.Share(weak, "us.cisa", kNow).rule, Rule::kBelowMinConfidence);
  weak.set_confidence(50);
  EXPECT_TRUE(p.Share(weak, "us.cisa", kNow).allowed);

  v1::Indicator old_ind = Own(v1::TLP_GREEN);
  *old_ind.mutable_modified() =
      ToProto(kNow - absl::Hours(2) - absl::Seconds(1));
  EXPECT_EQ(p.Share(old_ind, "us.cisa", kNow).rule, Rule::kTooOld);
  *old_ind.mutable_modified() = ToProto(kNow - absl::Hours(2));
  EXPECT_TRUE(p.Share(old_ind, "us.cisa", kNow).allowed);
}

TEST(SharingPolicyTest, OnwardRuleCaseByCase) {
  // us.cisa -> cl.csirt -> co.colcert
  v1::Agreement us = Ag("cl-us", "us.cisa", "AMBER");
  us.mutable_accept()->set_redistribute(true);
  v1::Agreement co = Ag("cl-co", "co.colcert", "AMBER");
  co.mutable_share()->set_forward_third_party(true);
  SharingPolicy p = Policy({us, co});
  const v1::Indicator green = Received(v1::TLP_GREEN, "us.cisa", "us.cisa");
  Decision ok = p.Share(green, "co.colcert", kNow);
  EXPECT_TRUE(ok.allowed);
  ASSERT_NE(ok.source, nullptr);
  EXPECT_EQ(ok.source->id, "cl-us");
  EXPECT_THAT(p.Explain(green, "co.colcert", ok), HasSubstr("onward rule"));
  EXPECT_TRUE(
      p.Share(Received(v1::TLP_CLEAR, "us.cisa", "us.cisa"), "co.colcert", kNow)
          .allowed);

  // AMBER and AMBER+STRICT received from a partner never go to a third org.
  EXPECT_EQ(
      p.Share(Received(v1::TLP_AMBER, "us.cisa", "us.cisa"), "co.colcert", kNow)
          .rule,
      Rule::kOnwardNotGreen);
  v1::Agreement co_strict = co;
  co_strict.mutable_share()->set_max_tlp("AMBER+STRICT");
  EXPECT_EQ(Policy({us, co_strict})
                .Share(Received(v1::TLP_AMBER_STRICT, "us.cisa", "us.cisa"),
                       "co.colcert", kNow)
                .rule,
            Rule::kOnwardNotGreen);
  // Never back to its origin, nor to an org in its path.
  EXPECT_EQ(p.Share(green, "us.cisa", kNow).rule, Rule::kPartnerIsOrigin);
  v1::Agreement uk = Ag("cl-uk", "uk.ncsc", "AMBER");
  uk.mutable_share()->set_forward_third_party(true);
  uk.mutable_accept()->set_redistribute(true);
  SharingPolicy p3 = Policy({us, co, uk});
  const v1::Indicator via_uk = Received(v1::TLP_GREEN, "us.cisa", "uk.ncsc");
  EXPECT_EQ(p3.Share(via_uk, "uk.ncsc", kNow).rule, Rule::kPartnerInPath);
  EXPECT_TRUE(p3.Share(via_uk, "co.colcert", kNow)
                  .allowed);  // via uk, uk redistributes

  // The source's agreement must allow redistribution.
  v1::Agreement us_closed = us;
  us_closed.mutable_accept()->set_redistribute(false);
  EXPECT_EQ(Policy({us_closed, co}).Share(green, "co.colcert", kNow).rule,
            Rule::kSourceNoRedistribute);
  // The destination's agreement must take third-party data.
  v1::Agreement co_closed = co;
  co_closed.mutable_share()->set_forward_third_party(false);
  EXPECT_EQ(Policy({us, co_closed}).Share(green, "co.colcert", kNow).rule,
            Rule::kNoForwardThirdParty);
  // No agreement in force with the source any more.
  v1::Agreement us_expired = us;
  us_expired.set_expires("2020-01-01T00:00:00Z");
  EXPECT_EQ(Policy({us_expired, co}).Share(green, "co.colcert", kNow).rule,
            Rule::kNoSourceAgreement);
  // The destination's own filters still apply to onward data.
  v1::Agreement co_clear = co;
  co_clear.mutable_share()->set_max_tlp("CLEAR");
  EXPECT_EQ(Policy({us, co_clear}).Share(green, "co.colcert", kNow).rule,
            Rule::kTlpAboveMax);
}

TEST(SharingPolicyTest, AWithdrawnCopyGoesNowhere) {
  v1::Agreement us = Ag("cl-us", "us.cisa", "AMBER");
  us.mutable_accept()->set_redistribute(true);
  v1::Agreement co = Ag("cl-co", "co.colcert", "AMBER");
  co.mutable_share()->set_forward_third_party(true);
  SharingPolicy p = Policy({us, co});
  v1::Indicator green = Received(v1::TLP_GREEN, "us.cisa", "us.cisa");
  ASSERT_TRUE(p.Share(green, "co.colcert", kNow).allowed);
  green.set_withdrawn(true);
  const Decision d = p.Share(green, "co.colcert", kNow);
  EXPECT_EQ(d.rule, Rule::kWithdrawn);
  EXPECT_EQ(SharingPolicy::RuleName(d.rule), "withdrawn");
  EXPECT_THAT(p.Explain(green, "co.colcert", d),
              HasSubstr("us.cisa withdrew it"));
  // Not even to the node it came from.
  EXPECT_FALSE(p.Share(green, "us.cisa", kNow).allowed);
}

TEST(SharingPolicyTest, SharedFormHidesSourceAndReporter) {
  v1::Agreement us = Ag("cl-us", "us.cisa", "AMBER");
  us.mutable_accept()->set_redistribute(true);
  v1::Agreement co = Ag("cl-co", "co.colcert", "AMBER");
  co.mutable_share()->set_forward_third_party(true);
  co.mutable_share()->set_hide_source(true);
  SharingPolicy p = Policy({us, co});
  const v1::Indicator green = Received(v1::TLP_GREEN, "us.cisa", "us.cisa");
  Decision d = p.Share(green, "co.colcert", kNow);
  ASSERT_TRUE(d.allowed);
  v1::Indicator form = p.SharedForm(green, d);
  EXPECT_EQ(form.origin(), "cl.csirt");
  EXPECT_THAT(form.path(), ::testing::ElementsAre("cl.csirt"));
  const std::string bytes = form.SerializeAsString();
  EXPECT_EQ(bytes.find("us.cisa"), std::string::npos) << "real source leaked";

  // Own indicators keep their origin; the reporter never leaves.
  Decision own = p.Share(Own(v1::TLP_GREEN), "co.colcert", kNow);
  v1::Indicator own_form = p.SharedForm(Own(v1::TLP_GREEN), own);
  EXPECT_EQ(own_form.origin(), "cl.csirt");
  EXPECT_EQ(own_form.reporter(), "");
}

TEST(SharingPolicyTest, AcceptRules) {
  v1::Agreement us = Ag("cl-us", "us.cisa", "AMBER");
  us.mutable_accept()->add_types("ipv4");
  SharingPolicy p = Policy({us});
  v1::Indicator in = Received(v1::TLP_AMBER, "us.cisa", "us.cisa");
  in.mutable_path()->RemoveLast();  // as it arrives: cl.csirt not yet added
  EXPECT_TRUE(p.Accept(in, "us.cisa", kNow).allowed);
  in.set_tlp(v1::TLP_AMBER_STRICT);
  EXPECT_EQ(p.Accept(in, "us.cisa", kNow).rule, Rule::kTlpAboveMax);
  in.set_tlp(v1::TLP_RED);
  EXPECT_EQ(p.Accept(in, "us.cisa", kNow).rule, Rule::kRedNeverLeaves);
  in.set_tlp(v1::TLP_GREEN);
  in.set_type(v1::DOMAIN);
  EXPECT_EQ(p.Accept(in, "us.cisa", kNow).rule, Rule::kTypeNotShared);
  in.set_type(v1::IPV4);
  in.add_path("cl.csirt");
  EXPECT_EQ(p.Accept(in, "us.cisa", kNow).rule, Rule::kOwnOrgInPath);
  EXPECT_EQ(
      p.Accept(Received(v1::TLP_GREEN, "uk.ncsc", "uk.ncsc"), "uk.ncsc", kNow)
          .rule,
      Rule::kNoAgreement);
}

}  // namespace
}  // namespace csx
