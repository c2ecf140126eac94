// ParseConfigYaml and ValidateConfig: every refusal names the key.
#include "server/config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/status_matchers.h"

namespace csx {
namespace {

using ::csx::testing::IsOk;
using ::csx::testing::StatusIs;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ValidateConfig reads the TLS files: any readable file will do here.
    std::ofstream(file_) << "x";
  }
  void TearDown() override { std::remove(file_.c_str()); }

  std::string Base() const {
    return "node: { org: cl.csirt, listen: \"127.0.0.1:7443\" }\n"
           "tls: { cert: " +
           file_ + ", key: " + file_ + ", client_ca: " + file_ +
           " }\n"
           "store: { sqlite: /tmp/x.db }\n"
           "principals:\n"
           "  - { match: { san_uri: \"csx://cl.csirt/analyst/*\" }, role: "
           "analyst }\n";
  }
  absl::Status Check(const std::string& yaml) {
    auto c = ParseConfigYaml(yaml);
    if (!c.ok()) return c.status();
    return ValidateConfig(*c);
  }

  std::string file_ = "/tmp/csx-config-test-" + std::to_string(getpid());
};

TEST_F(ConfigTest, ValidConfigPasses) {
  auto c = ParseConfigYaml(Base());
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->node().org(), "cl.csirt");
  EXPECT_EQ(c->principals(0).role(), "analyst");
  EXPECT_THAT(ValidateConfig(*c), IsOk());
}

TEST_F(ConfigTest, AgreementsParse) {
  auto st = Check(Base() + R"(agreements:
  - id: cl-us-2018
    partner: us.cisa
    effective_from: 2018-08-16T00:00:00Z
    expires: 2028-08-16T00:00:00Z
    share: { max_tlp: AMBER, types: [ipv4, domain], min_confidence: 50, forward_third_party: true, max_age: 90d }
    accept: { max_tlp: AMBER, redistribute: true, report_sightings: true }
)");
  EXPECT_THAT(st, IsOk());
}

struct BadCase {
  std::string yaml_suffix;               // appended to the base config
  std::string replace_from, replace_to;  // or a replacement in it
  std::string key;                       // expected in the message
};

TEST_F(ConfigTest, ErrorsNameTheKey) {
  const std::vector<BadCase> cases = {
      {"bogus: 1\n", "", "", "bogus: unknown key"},
      {"", "org: cl.csirt", "org: cl.csirt, colour: red",
       "node.colour: unknown key"},
      {"", "org: cl.csirt, ", "", "node.org"},
      {"", "127.0.0.1:7443", "nowhere", "node.listen"},
      {"", "sqlite: /tmp/x.db", "postgres: \"host=x\"", "store.postgres"},
      {"", "role: analyst", "role: god", "principals[0].role"},
      {"limits: { max_batch_items: lots }\n", "", "", "limits.max_batch_items"},
      {"agreements:\n  - { id: a, partner: us.cisa, effective_from: yesterday "
       "}\n",
       "", "", "agreements[0].effective_from"},
      {"agreements:\n  - { id: a, partner: us.cisa, effective_from: "
       "2020-01-01, share: { "
       "max_tlp: PURPLE } }\n",
       "", "", "agreements[0].share.max_tlp"},
      {"agreements:\n  - { id: a, partner: us.cisa, effective_from: "
       "2020-01-01, share: { "
       "types: [ipv4, hash] } }\n",
       "", "", "agreements[0].share.types[1]"},
      {"agreements:\n  - { id: a, partner: us.cisa, effective_from: 2020-01-01 "
       "}\n"
       "  - { id: b, partner: us.cisa, effective_from: 2021-01-01 }\n",
       "", "", "agreements[1]: partner us.cisa already has agreement 'a'"},
      {"agreements:\n  - { id: a, partner: us.cisa, effective_from: "
       "2020-01-01, expires: "
       "2019-01-01 }\n",
       "", "", "agreements[0].expires"},
      {"agreements:\n  - { id: a, partner: us.cisa, effective_from: "
       "2020-01-01, share: { "
       "max_age: 3 weeks } }\n",
       "", "", "agreements[0].share.max_age"},
      {"peers:\n  - { org: us.cisa }\n", "", "", "peers[0].address"},
      {"node: [1, 2\n", "", "", "YAML syntax error"},
      {"warninglists: { refuse: [nonsense] }\n", "", "",
       "warninglists.refuse[0]"},
      {"warninglists: { files: [/nonexistent.json] }\n", "", "",
       "warninglists.files"},
  };
  for (const auto& c : cases) {
    std::string yaml = Base();
    if (!c.replace_from.empty()) {
      yaml.replace(yaml.find(c.replace_from), c.replace_from.size(),
                   c.replace_to);
    }
    yaml += c.yaml_suffix;
    EXPECT_THAT(Check(yaml),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.key)))
        << yaml;
  }
}

TEST_F(ConfigTest, AgreementsInSequenceForOnePartnerAreFine) {
  EXPECT_THAT(Check(Base() + "agreements:\n  - { id: a, partner: us.cisa, "
                             "effective_from: 2018-01-01, "
                             "expires: 2020-01-01 }\n  - { id: b, partner: "
                             "us.cisa, effective_from: "
                             "2020-01-01 }\n"),
              IsOk());
}

TEST_F(ConfigTest, MissingTlsFileIsNamed) {
  std::string yaml = Base();
  yaml.replace(yaml.find("key: " + file_), 5 + file_.size(),
               "key: /nonexistent/node.key");
  EXPECT_THAT(Check(yaml), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("tls.key")));
}

}  // namespace
}  // namespace csx
