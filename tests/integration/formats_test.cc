// The ecosystem formats end to end with a real node: STIX -> node -> STIX
// and MISP -> node -> STIX keep every mapped field; revoked STIX objects
// are revoked here; the feed profiles come out of query and of a resumable
// pull.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/formats/misp_reader.h"
#include "client/formats/stix_reader.h"
#include "common/canonical.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

std::string TestData(const std::string& name) {
  return std::string(CSX_TESTDATA_DIR) + "/" + name;
}

// "type canonical-value" for a record.
std::string Key(const v1::IndicatorInput& in) {
  auto type = ParseIndicatorType(in.type());
  if (!type.ok()) return in.type() + " " + in.value();
  auto value = Canonicalize(*type, in.value());
  return absl::StrCat(IndicatorTypeName(*type), " ",
                      value.ok() ? *value : in.value());
}

// Every mapped field the source set must come back the same.
void ExpectKept(const formats::InputRecord& source,
                const formats::InputRecord& back) {
  const v1::IndicatorInput& a = *source.input;
  const v1::IndicatorInput& b = *back.input;
  const std::string what = Key(a);
  if (!a.tlp().empty()) {
    EXPECT_EQ(a.tlp(), b.tlp()) << what;
  }
  if (a.has_confidence()) {
    EXPECT_EQ(a.confidence(), b.confidence()) << what;
  }
  if (!a.severity().empty()) {
    EXPECT_EQ(a.severity(), b.severity()) << what;
  }
  if (!a.description().empty()) {
    EXPECT_EQ(a.description(), b.description()) << what;
  }
  EXPECT_THAT(std::vector<std::string>(b.tags().begin(), b.tags().end()),
              ::testing::IsSupersetOf(
                  std::vector<std::string>(a.tags().begin(), a.tags().end())))
      << what;
  EXPECT_THAT(std::vector<std::string>(b.sectors().begin(), b.sectors().end()),
              ::testing::IsSupersetOf(std::vector<std::string>(
                  a.sectors().begin(), a.sectors().end())))
      << what;
  for (const auto& [has_a, ta, tb, name] :
       {std::make_tuple(a.has_valid_from(), a.valid_from(), b.valid_from(),
                        "valid_from"),
        std::make_tuple(a.has_valid_until(), a.valid_until(), b.valid_until(),
                        "valid_until"),
        std::make_tuple(a.has_first_seen(), a.first_seen(), b.first_seen(),
                        "first_seen"),
        std::make_tuple(a.has_last_seen(), a.last_seen(), b.last_seen(),
                        "last_seen")}) {
    if (has_a) {
      EXPECT_EQ(ta.seconds(), tb.seconds()) << what << " " << name;
    }
  }
  EXPECT_EQ(source.revoke, back.revoke) << what;
  if (source.revoke) {
    EXPECT_EQ(source.revoke_reason, back.revoke_reason);
  }
}

class FormatsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f_.node->Start()); }

  // The node's whole feed as STIX (one bundle per pulled batch), read back.
  formats::ImportResult ExportedStix() {
    auto pull = f_.Csx(f_.reader, {"pull", "--output", "stix"});
    EXPECT_EQ(pull.exit_code, 0) << pull.err;
    // The last state of every object wins, as a STIX consumer keeps it.
    std::map<std::string, Json> latest;
    std::istringstream lines(pull.out);
    std::string line;
    while (std::getline(lines, line)) {
      Json bundle = Json::parse(line);
      EXPECT_EQ(bundle["type"], "bundle");
      for (const Json& o : bundle["objects"]) latest[o["id"]] = o;
    }
    Json all = {
        {"type", "bundle"}, {"id", "bundle--x"}, {"objects", Json::array()}};
    for (const auto& [id, o] : latest) all["objects"].push_back(o);
    auto back = formats::ReadStix(all.dump());
    EXPECT_TRUE(back.ok()) << back.status();
    return *back;
  }

  void ExpectRoundTrip(const formats::ImportResult& source) {
    const formats::ImportResult back = ExportedStix();
    std::map<std::string, const formats::InputRecord*> by_key;
    for (const auto& r : back.records) {
      ASSERT_TRUE(r.input.ok()) << r.where << ": " << r.input.status();
      by_key[Key(*r.input)] = &r;
    }
    int compared = 0;
    for (const auto& r : source.records) {
      if (!r.input.ok()) continue;
      auto it = by_key.find(Key(*r.input));
      ASSERT_NE(it, by_key.end()) << "not exported: " << Key(*r.input);
      ExpectKept(r, *it->second);
      ++compared;
    }
    EXPECT_GT(compared, 5);
  }

  NodeFixture f_;
};

TEST_F(FormatsTest, StixThroughTheNodeKeepsEveryMappedField) {
  auto submit = f_.Csx(f_.analyst, {"-o", "json", "submit", "--file",
                                    TestData("stix/mixed_bundle.json")});
  EXPECT_EQ(submit.exit_code, 3) << submit.err;  // five objects refused
  const Json summary = Json::parse(submit.out);
  EXPECT_EQ(summary["format"], "stix");
  EXPECT_EQ(summary["rejected"], 5);
  EXPECT_EQ(summary["revoked"], 1);
  EXPECT_EQ(summary["skipped"]["relationship"], 1);
  EXPECT_THAT(summary["errors"][0]["where"].get<std::string>(),
              HasSubstr("indicator--a1000000-0000-4000-8000-000000000004"));
  EXPECT_THAT(submit.err, HasSubstr("5 of 15 records rejected"));

  std::ostringstream original;
  original << ReadFile(TestData("stix/mixed_bundle.json"));
  auto source = formats::ReadStix(original.str());
  ASSERT_TRUE(source.ok());
  ExpectRoundTrip(*source);

  // The revoked object is revoked here, with its reason.
  auto q = f_.Csx(f_.reader, {"-o", "json", "query", "--include-revoked",
                              "--type", "cidr"});
  const Json found = Json::parse(q.out);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0]["revoked"].get<bool>());
  EXPECT_EQ(found[0]["revoked_reason"], "sinkholed");
}

TEST_F(FormatsTest, MispThroughTheNodeKeepsEveryMappedField) {
  auto submit = f_.Csx(f_.analyst, {"-o", "json", "submit", "--file",
                                    TestData("misp/event.json")});
  EXPECT_EQ(submit.exit_code, 3) << submit.err;
  const Json summary = Json::parse(submit.out);
  EXPECT_EQ(summary["format"], "misp");
  EXPECT_EQ(summary["accepted"], 10);  // the vulnerability comes in as a cve
  EXPECT_FALSE(summary["skipped"].contains("to_ids=false"));
  EXPECT_EQ(summary["errors"][0]["where"], "event 1 attribute 11 (ip-dst)");
  auto source = formats::ReadMisp(ReadFile(TestData("misp/event.json")));
  ASSERT_TRUE(source.ok());
  ExpectRoundTrip(*source);
}

TEST_F(FormatsTest, StixQueryIsOneBundleWithStableIds) {
  ASSERT_EQ(f_.Csx(f_.analyst, {"submit", "--type", "domain", "--value",
                                "stable.example", "--tlp", "green"})
                .exit_code,
            0);
  auto a = f_.Csx(f_.reader, {"query", "--output", "stix"});
  auto b = f_.Csx(f_.reader, {"query", "--output", "stix"});
  const Json ja = Json::parse(a.out), jb = Json::parse(b.out);
  EXPECT_NE(ja["id"], jb["id"]);  // bundles are fresh wrappers
  std::vector<std::string> ids_a, ids_b;
  for (const Json& o : ja["objects"]) ids_a.push_back(o["id"]);
  for (const Json& o : jb["objects"]) ids_b.push_back(o["id"]);
  EXPECT_EQ(ids_a, ids_b);
  EXPECT_THAT(ids_a, ::testing::Contains(::testing::StartsWith("indicator--")));
  EXPECT_THAT(ids_a,
              ::testing::Contains("marking-definition--bab4a63c-aed9-4cf5-a766-"
                                  "dfca5abac2bb"));
}

TEST_F(FormatsTest, ProfilesFromQueryAndResumablePull) {
  const std::string csv = f_.tmp.File("in.csv");
  WriteFile(csv,
            "type,value,tlp\nipv4,198.51.100.20,green\ndomain,"
            "bad.example,amber\nsha256," +
                std::string(64, 'f') + ",green\n");
  ASSERT_EQ(f_.Csx(f_.analyst, {"submit", "--file", csv}).exit_code, 0);
  auto zeek = f_.Csx(f_.reader, {"query", "--output", "zeek"});
  EXPECT_THAT(zeek.out, HasSubstr("198.51.100.20\tIntel::ADDR\tcsx:cl.csirt"));
  EXPECT_THAT(zeek.out, HasSubstr(std::string(64, 'f') + "\tIntel::FILE_HASH"));
  auto rpz = f_.Csx(f_.reader, {"query", "--output", "rpz"});
  EXPECT_THAT(rpz.out, HasSubstr("*.bad.example CNAME ."));

  // A sensor pulls rules with a cursor file, then only what is new.
  const std::string cursor = f_.tmp.File("rules.cursor");
  auto first = f_.Csx(
      f_.reader, {"pull", "--output", "suricata", "--cursor-file", cursor});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("[198.51.100.20]"));
  EXPECT_THAT(first.out, HasSubstr("content:\".bad.example\""));
  ASSERT_EQ(f_.Csx(f_.analyst,
                   {"submit", "--type", "ipv4", "--value", "198.51.100.21"})
                .exit_code,
            0);
  auto second = f_.Csx(
      f_.reader, {"pull", "--output", "suricata", "--cursor-file", cursor});
  EXPECT_THAT(second.out, HasSubstr("[198.51.100.21]"));
  EXPECT_THAT(second.out, ::testing::Not(HasSubstr("198.51.100.20")));
  auto nft = f_.Csx(f_.reader, {"pull", "--output", "nftables"});
  EXPECT_THAT(nft.out, HasSubstr("add element inet csx csx_ipv4 { "
                                 "198.51.100.21 }"));
}

// Malformed files through csx submit against a node: a whole document cut
// short is refused as a whole (exit 1) and stores nothing; wrong types are
// rejected per object (exit 3) and only the good objects are stored.
TEST_F(FormatsTest, MalformedFilesFailClearlyAndStoreNothing) {
  // 10 MB STIX bundle and MISP event, pretty-printed and cut in the middle.
  std::string bundle = "{\n  \"type\": \"bundle\",\n  \"objects\": [\n";
  std::string event =
      "{\n  \"Event\": {\n    \"info\": \"big\",\n"
      "    \"Attribute\": [\n";
  for (int n = 0; bundle.size() < (10 << 20); ++n) {
    absl::StrAppend(
        &bundle, n ? ",\n" : "",
        R"(    {"type":"indicator","spec_version":"2.1","id":"indicator--)", n,
        R"(","pattern":"[domain-name:value = 'h)", n,
        R"(.big.example']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"})");
    absl::StrAppend(&event, n ? ",\n" : "",
                    R"(      {"type":"domain","to_ids":true,"value":"m)", n,
                    R"(.big.example"})");
  }
  for (const auto& [name, text] :
       {std::pair<std::string, std::string>{"cut.json", bundle},
        {"cut-event.json", event}}) {
    SCOPED_TRACE(name);
    const std::string path = f_.tmp.File(name);
    WriteFile(path, text.substr(0, text.size() / 2));
    for (const std::string format :
         {"auto", name == "cut.json" ? "stix" : "misp"}) {
      auto r =
          f_.Csx(f_.analyst, {"submit", "--file", path, "--format", format});
      EXPECT_EQ(r.exit_code, 1) << format << ": " << r.err;
      EXPECT_THAT(r.err, HasSubstr("JSON")) << format;
    }
  }
  auto q = f_.Csx(f_.reader, {"query", "-o", "json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(Json::parse(q.out).size(), 0u) << "garbage was stored";

  // Wrong types inside well-formed JSON: rejected one by one.
  const std::string wrong = f_.tmp.File("wrong.json");
  WriteFile(wrong, R"({"Event": {"info": "types", "Attribute": [
    {"type": "domain", "to_ids": true, "value": 42},
    {"type": "ip-dst", "to_ids": true, "value": ["198.51.100.1"]},
    {"type": "ip-dst", "to_ids": true, "value": "not-an-ip"},
    {"type": "domain", "to_ids": true, "value": "kept.example"}]}})");
  auto r = f_.Csx(f_.analyst, {"submit", "--file", wrong});
  EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
  q = f_.Csx(f_.reader, {"query", "-o", "json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const Json stored = Json::parse(q.out);
  ASSERT_EQ(stored.size(), 1u) << q.out;
  EXPECT_EQ(stored[0]["value"], "kept.example");
}

}  // namespace
}  // namespace csx::testing
