// Limits against abusive clients and peers, with a real csxd: per-principal
// rate limits (refused with RESOURCE_EXHAUSTED, counted in the metrics,
// logged once per interval), concurrent streams per connection, the TLS
// handshake deadline, and config validation of every limit.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/test_env.h"

namespace csx::testing {
namespace {

using ::testing::HasSubstr;

// A node whose limits section is `limits` (YAML flow map body).
std::unique_ptr<NodeProcess> NodeWithLimits(NodeFixture& f,
                                            const std::string& limits,
                                            int metrics_port = 0) {
  std::string config = absl::StrReplaceAll(
      f.ConfigYaml(),
      {{"limits: { expiry_interval_seconds: 1 }",
        "limits: { expiry_interval_seconds: 1, " + limits + " }"}});
  if (metrics_port > 0) {
    config = absl::StrReplaceAll(
        config, {{"listen: \"127.0.0.1:0\" }",
                  absl::StrCat("listen: \"127.0.0.1:0\", metrics_listen: "
                               "\"127.0.0.1:",
                               metrics_port, "\" }")}});
  }
  return std::make_unique<NodeProcess>(f.tmp.path(), config);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(LimitsTest, QueryRatePerPrincipalIsRefusedCountedAndLoggedOnce) {
  NodeFixture f;
  const int metrics_port = FreePort();
  f.node = NodeWithLimits(f, "query_rate: { per_second: 0.2, burst: 5 }",
                          metrics_port);
  ASSERT_TRUE(f.node->Start());
  auto reader = f.Stub<v1::IndicatorService>(f.reader);
  int ok = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    grpc::ClientContext ctx;
    v1::QueryRequest req;
    v1::QueryResponse resp;
    grpc::Status s = reader->Query(&ctx, req, &resp);
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_THAT(s.error_message(), HasSubstr("limits.query_rate"));
      ++limited;
    }
  }
  // Five from the burst, and at most a token refilled meanwhile (one per
  // 5 s).
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 6);
  EXPECT_EQ(ok + limited, 30);
  // Another principal has a bucket of its own.
  auto analyst = f.Stub<v1::IndicatorService>(f.analyst);
  grpc::ClientContext ctx;
  v1::QueryRequest req;
  v1::QueryResponse resp;
  EXPECT_TRUE(analyst->Query(&ctx, req, &resp).ok());
  // The pull of csx counts too, and fails with a line on stderr.
  auto pull = f.Csx(f.reader, {"pull"});
  EXPECT_NE(pull.exit_code, 0);
  EXPECT_THAT(pull.err, HasSubstr("rate limit"));

  httplib::Client client("127.0.0.1", metrics_port);
  auto page = client.Get("/metrics");
  ASSERT_TRUE(page);
  EXPECT_EQ(
      MetricSample(page->body, "csx_refusals_total{reason=\"rate_limit\"}"),
      limited + 1);
  EXPECT_LE(MetricSample(page->body, "csx_refusals_total{reason=\"resource\"}"),
            0)
      << "a rate-limit refusal is not a size refusal";
  // Logged once for the interval, not once per refusal.
  EXPECT_EQ(Count(f.node->log(), "rate limit: refusing"), 1u) << f.node->log();
}

TEST(LimitsTest, SubmitRateCountsItems) {
  NodeFixture f;
  f.node = NodeWithLimits(f, "submit_rate: { per_second: 1, burst: 100 }");
  ASSERT_TRUE(f.node->Start());
  auto analyst = f.Stub<v1::IndicatorService>(f.analyst);
  auto submit = [&](int items) {
    v1::SubmitRequest req;
    for (int i = 0; i < items; ++i) {
      auto* in = req.add_items();
      in->set_type("ipv4");
      in->set_value(absl::StrCat("198.51.100.", i));
    }
    grpc::ClientContext ctx;
    v1::SubmitResponse resp;
    return analyst->SubmitBatch(&ctx, req, &resp);
  };
  EXPECT_TRUE(submit(80).ok());
  grpc::Status s = submit(80);  // 20 tokens left
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("limits.submit_rate"));
  EXPECT_TRUE(submit(15).ok());
}

TEST(LimitsTest, ConcurrentStreamsPerConnectionAreCapped) {
  NodeFixture f;
  f.node = NodeWithLimits(f, "max_concurrent_streams: 2");
  ASSERT_TRUE(f.node->Start());
  auto channel = f.Channel(f.reader);
  auto feed = v1::FeedService::NewStub(channel);
  grpc::ClientContext s1, s2;
  v1::SubscribeRequest sub;
  auto r1 = feed->Subscribe(&s1, sub);
  auto r2 = feed->Subscribe(&s2, sub);
  // Both subscriptions are open and idle; a third call on the same
  // connection waits for a free stream.
  auto indicators = v1::IndicatorService::NewStub(channel);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    v1::QueryRequest req;
    v1::QueryResponse resp;
    EXPECT_EQ(indicators->Query(&ctx, req, &resp).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // Another connection is served at once.
  auto other = f.Stub<v1::IndicatorService>(f.reader);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::QueryRequest req;
  v1::QueryResponse resp;
  EXPECT_TRUE(other->Query(&ctx, req, &resp).ok());
  s1.TryCancel();
  s2.TryCancel();
  r1->Finish().IgnoreError();
  r2->Finish().IgnoreError();
}

TEST(LimitsTest, ConnectionsThatNeverHandshakeAreClosed) {
  NodeFixture f;
  f.node = NodeWithLimits(f, "handshake_timeout_seconds: 1");
  ASSERT_TRUE(f.node->Start());
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(f.node->port()));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // Send nothing: the server must give up on the handshake and close.
  const auto start = std::chrono::steady_clock::now();
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 8000), 1) << "still open after 8 s";
  char buf[16];
  EXPECT_LE(recv(fd, buf, sizeof(buf), 0), 0);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_LT(waited, 6) << "closed only after " << waited << " s";
  close(fd);
}

TEST(LimitsTest, CheckConfigRefusesBadLimits) {
  NodeFixture f;
  for (const std::string bad :
       {"query_rate: { per_second: -1 }", "submit_rate: { burst: -5 }",
        "max_concurrent_streams: 20000",
        "max_connection_age_seconds: 3000000"}) {
    SCOPED_TRACE(bad);
    auto node = NodeWithLimits(f, bad);
    auto r = RunCommand({BinDir() + "/server/csxd", "--config",
                         node->config_path(), "--check-config"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("limits."));
  }
}

}  // namespace
}  // namespace csx::testing
