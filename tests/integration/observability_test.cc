// Metrics and logs as an operator sees them: Prometheus text on
// metrics_listen that follows what the node does, and JSON log lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_port_ = FreePort();
    const std::string config = absl::StrReplaceAll(
        f_.ConfigYaml(),
        {{"listen: \"127.0.0.1:0\" }",
          absl::StrCat("listen: \"127.0.0.1:0\", metrics_listen: "
                       "\"127.0.0.1:",
                       metrics_port_, "\" }")}});
    f_.node = std::make_unique<NodeProcess>(f_.tmp.path(), config);
  }

  std::string Scrape() {
    httplib::Client client("127.0.0.1", metrics_port_);
    auto res = client.Get("/metrics");
    if (!res) {
      ADD_FAILURE() << "no answer on the metrics port";
      return "";
    }
    EXPECT_EQ(res->status, 200);
    return res->body;
  }

  NodeFixture f_;
  int metrics_port_ = 0;
};

TEST_F(ObservabilityTest, MetricsFollowWhatTheNodeDoes) {
  ASSERT_TRUE(f_.node->Start());
  const std::string before = Scrape();
  EXPECT_EQ(MetricSample(before, "csx_indicators_stored{state=\"active\"}"), 0);
  EXPECT_THAT(before, HasSubstr("csx_build_info{version="));

  const std::string csv = f_.tmp.File("in.csv");
  WriteFile(csv,
            "type,value\nipv4,192.0.2.10\ndomain,evil.example\n"
            "ipv4,not-an-ip\ndomain,evil.example\n");
  auto submit =
      f_.Csx(f_.analyst, {"submit", "--file", csv, "--batch-size", "10"});
  EXPECT_EQ(submit.exit_code, 3) << submit.err;
  ASSERT_EQ(f_.Csx(f_.reader, {"pull"}).exit_code, 0);
  // A reader may not submit; an unmapped certificate is refused.
  EXPECT_NE(
      f_.Csx(f_.reader, {"submit", "--type", "asn", "--value", "1"}).exit_code,
      0);
  EXPECT_NE(f_.Csx(f_.unmapped, {"query"}).exit_code, 0);
  auto id = f_.Csx(f_.analyst, {"-o", "json", "submit", "--type", "asn",
                                "--value", "AS64500"});
  const std::string revoked_id = nlohmann::json::parse(id.out)["id"];
  ASSERT_EQ(f_.Csx(f_.analyst, {"revoke", revoked_id}).exit_code, 0);

  const std::string page = Scrape();
  EXPECT_EQ(MetricSample(page, "csx_submissions_total{outcome=\"created\"}"),
            3);
  EXPECT_EQ(MetricSample(page, "csx_submissions_total{outcome=\"merged\"}"), 1);
  EXPECT_EQ(MetricSample(page, "csx_submissions_total{outcome=\"rejected\"}"),
            1);
  EXPECT_EQ(MetricSample(page, "csx_indicators_stored{state=\"active\"}"), 2);
  EXPECT_EQ(MetricSample(page, "csx_indicators_stored{state=\"revoked\"}"), 1);
  EXPECT_EQ(
      MetricSample(page, "csx_feed_entries_served_total{partner=\"cl.csirt\"}"),
      3);
  EXPECT_EQ(MetricSample(page, "csx_refusals_total{reason=\"invalid\"}"), 1);
  EXPECT_EQ(MetricSample(page, "csx_refusals_total{reason=\"permission\"}"), 1);
  EXPECT_EQ(MetricSample(page, "csx_refusals_total{reason=\"unmapped\"}"), 1);
  EXPECT_GE(MetricSample(page, "csx_audit_records_total"), 3);
  EXPECT_EQ(MetricSample(page,
                         "csx_grpc_requests_total{code=\"OK\",method="
                         "\"IndicatorService/SubmitBatch\"}"),
            2);
  EXPECT_EQ(MetricSample(page,
                         "csx_grpc_requests_total{code=\"PERMISSION_DENIED\","
                         "method=\"IndicatorService/SubmitBatch\"}"),
            1);
  EXPECT_EQ(MetricSample(page,
                         "csx_grpc_request_duration_seconds_count{method="
                         "\"FeedService/Pull\"}"),
            1);
}

TEST_F(ObservabilityTest, JsonLogsAreOneObjectPerLine) {
  f_.node->set_extra_args({"--log-format", "json", "--log-level", "debug"});
  ASSERT_TRUE(f_.node->Start());
  EXPECT_NE(f_.Csx(f_.unmapped, {"query"}).exit_code, 0);
  ASSERT_TRUE(f_.node->WaitForLog("refused connection"));
  EXPECT_EQ(f_.node->Terminate(), 0);
  std::istringstream in(f_.node->log());
  std::string line;
  int lines = 0;
  bool saw_refusal = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg"))
        << line;
    if (j["level"] == "warning" &&
        j["msg"].get<std::string>().find("refused connection") !=
            std::string::npos) {
      saw_refusal = true;
    }
  }
  EXPECT_GE(lines, 3);
  EXPECT_TRUE(saw_refusal);
}

TEST_F(ObservabilityTest, BadLogFlagsAreRefused) {
  auto r = RunCommand({BinDir() + "/server/csxd", "--config",
                       f_.node->config_path(), "--log-level", "loud"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--log-level: unknown level 'loud'"));
}

}  // namespace
}  // namespace csx::testing
