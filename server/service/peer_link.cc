#include "server/service/peer_link.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "common/time_util.h"
#include "csx/v1/service.grpc.pb.h"
#include "server/core/backoff.h"

namespace csx {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

PeerLink::PeerLink(v1::PeerEntry peer, v1::TlsSection tls, Node* node,
                   Metrics* metrics, absl::Duration heartbeat)
    : peer_(std::move(peer)),
      tls_(std::move(tls)),
      node_(node),
      metrics_(metrics),
      heartbeat_(heartbeat) {}

PeerLink::~PeerLink() { Stop(); }

void PeerLink::Start() {
  thread_ = std::thread(&PeerLink::Run, this);
  sender_ = std::thread(&PeerLink::SendSightings, this);
}

std::shared_ptr<grpc::Channel> PeerLink::MakeChannel() const {
  // Files are read at every connection, so rotated certificates apply.
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(tls_.client_ca());
  tls.pem_cert_chain = ReadFile(tls_.cert());
  tls.pem_private_key = ReadFile(tls_.key());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // A partner that vanishes (power, network) without closing the connection
  // is noticed within a minute: pings every 45 s, answered within 15 s, also
  // on a subscription that carries no data. 45 s stays above the 30 s that
  // a csxd server accepts by default (limits.min_client_ping_seconds).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 45000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 15000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  if (!peer_.server_name().empty()) {
    args.SetSslTargetNameOverride(peer_.server_name());
  }
  return grpc::CreateCustomChannel(peer_.address(), grpc::SslCredentials(tls),
                                   args);
}

void PeerLink::SendSightings() {
  std::shared_ptr<grpc::Channel> channel;
  while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(300))) {
    auto pending = node_->PendingSightings(peer_.org());
    if (!pending.ok() || pending->empty()) continue;
    if (!channel) channel = MakeChannel();
    auto stub = v1::IndicatorService::NewStub(channel);
    for (const OutboundSighting& s : *pending) {
      v1::SightRequest req;
      req.set_id(s.indicator_id);
      req.set_count(s.count);
      v1::ChangeResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
      grpc::Status st = stub->Sight(&ctx, req, &resp);
      const bool permanent =
          st.error_code() == grpc::StatusCode::NOT_FOUND ||
          st.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
          st.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
      if (!st.ok() && !permanent) {
        channel.reset();  // retry on a fresh connection later
        break;
      }
      if (permanent) {
        spdlog::warn("peer {}: sighting of {} refused: {}", peer_.org(),
                     s.indicator_id, st.error_message());
      }
      absl::Status ack = node_->AckSighting(s.seq);
      if (!ack.ok()) {
        spdlog::error("peer {}: cannot dequeue a sighting: {}", peer_.org(),
                      ack.ToString());
        break;
      }
    }
  }
}

void PeerLink::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    if (call_ != nullptr) call_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
  if (sender_.joinable()) sender_.join();
}

void PeerLink::Run() {
  Backoff backoff(absl::Milliseconds(200), absl::Seconds(60),
                  static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  while (!stop_.HasBeenNotified()) {
    const absl::Time started = absl::Now();
    RunOnce();
    if (stop_.HasBeenNotified()) break;
    // A connection that stayed up a while was healthy: start over.
    if (absl::Now() - started > absl::Seconds(30)) backoff.Reset();
    stop_.WaitForNotificationWithTimeout(backoff.Next());
  }
}

void PeerLink::RunOnce() {
  auto channel = MakeChannel();
  auto stub = v1::FeedService::NewStub(channel);
  auto cursor = node_->PeerCursor(peer_.org());
  if (!cursor.ok()) {
    spdlog::error("peer {}: cannot read its cursor: {}", peer_.org(),
                  cursor.status().ToString());
    return;
  }
  grpc::ClientContext ctx;
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return;
    call_ = &ctx;
  }
  v1::SubscribeRequest req;
  req.set_cursor(*cursor);
  req.set_max_batch(1000);
  req.set_heartbeat_seconds(
      static_cast<uint32_t>(absl::ToInt64Seconds(heartbeat_)));
  auto reader = stub->Subscribe(&ctx, req);
  // The watchdog: a stream that stays silent for three heartbeats is
  // cancelled (the first message may also take 10 s of connection set-up).
  const absl::Time opened = absl::Now();
  std::atomic<int64_t> last_message_ns{0};  // 0: none yet
  std::atomic<bool> silent{false};
  absl::Notification call_done;
  std::thread watchdog;
  if (heartbeat_ > absl::ZeroDuration()) {
    watchdog = std::thread([&] {
      while (
          !call_done.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
        const int64_t last = last_message_ns.load();
        const absl::Duration quiet =
            last == 0 ? absl::Now() - opened - absl::Seconds(10)
                      : absl::Now() - absl::FromUnixNanos(last);
        if (quiet > 3 * heartbeat_) {
          silent = true;
          ctx.TryCancel();
          return;
        }
      }
    });
  }
  // The TLS handshake is done once the channel is ready.
  metrics_->PeerConnected(
      peer_.org(), channel->WaitForConnected(std::chrono::system_clock::now() +
                                             std::chrono::seconds(10)));
  v1::PullResponse batch;
  uint64_t received = 0;
  std::string applied_cursor = *cursor;
  while (reader->Read(&batch)) {
    last_message_ns = absl::ToUnixNanos(absl::Now());
    // A heartbeat: the cursor is stored only when it moved (past entries
    // this node may not see).
    if (batch.entries().empty() && batch.cursor() == applied_cursor) continue;
    auto applied = node_->ApplyFromPeer(peer_.org(), batch);
    if (!applied.ok()) {
      spdlog::error("peer {}: storing a batch failed: {}", peer_.org(),
                    applied.status().ToString());
      ctx.TryCancel();
      break;
    }
    applied_cursor = batch.cursor();
    received += static_cast<uint64_t>(batch.entries_size());
    metrics_->PeerConnected(peer_.org(), true);
    if (!batch.more() || batch.entries().empty()) {
      metrics_->PeerLag(peer_.org(), absl::ZeroDuration());
    } else {
      const auto& newest = batch.entries(batch.entries_size() - 1);
      metrics_->PeerLag(peer_.org(), absl::Now() - FromProto(newest.time()));
    }
  }
  grpc::Status status = reader->Finish();
  call_done.Notify();
  if (watchdog.joinable()) watchdog.join();
  metrics_->PeerConnected(peer_.org(), false);
  if (silent) {
    spdlog::warn(
        "peer {} at {}: silent for three heartbeats ({} s each); "
        "reconnecting",
        peer_.org(), peer_.address(), absl::ToInt64Seconds(heartbeat_));
  }
  {
    absl::MutexLock lock(&mu_);
    call_ = nullptr;
  }
  if (!stop_.HasBeenNotified()) {
    spdlog::warn("peer {} at {}: feed ended after {} entries: {}", peer_.org(),
                 peer_.address(), received, status.error_message());
  }
}

}  // namespace csx
