#include "server/daemon.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "server/config/config_loader.h"
#include "server/core/principal_mapper.h"
#include "server/memory.h"
#include "server/service/rpc_metrics.h"
#include "server/service/tls_credentials.h"
#include "server/store/sqlite/sqlite_store.h"

namespace csx {
namespace {

constexpr int kDefaultMaxMessageBytes = 16 << 20;
constexpr int kMaxPollers = 16;
constexpr char kVersion[] = "0.2.0";

}  // namespace

namespace {

uint32_t Or(uint32_t value, uint32_t fallback) {
  return value > 0 ? value : fallback;
}

Node::RateLimits RateLimitsOf(const v1::LimitsSection& l) {
  Node::RateLimits r;
  if (l.has_submit_rate()) {
    r.submit_per_second = l.submit_rate().per_second();
    r.submit_burst = l.submit_rate().burst() > 0 ? l.submit_rate().burst()
                                                 : 2 * r.submit_per_second;
  }
  if (l.has_query_rate()) {
    r.query_per_second = l.query_rate().per_second();
    r.query_burst = l.query_rate().burst() > 0 ? l.query_rate().burst()
                                               : 2 * r.query_per_second;
  }
  r.report_interval = absl::Seconds(Or(l.refusal_log_interval_seconds(), 60));
  return r;
}

// Limits against abusive clients and peers, set on the gRPC server
// (config.proto LimitsSection gives each default).
void ApplyConnectionLimits(const v1::LimitsSection& l,
                           grpc::ServerBuilder& builder) {
  auto ms = [](uint32_t seconds) { return static_cast<int>(seconds * 1000); };
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(Or(l.max_concurrent_streams(), 32)));
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             ms(Or(l.handshake_timeout_seconds(), 10)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             ms(Or(l.keepalive_seconds(), 60)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             ms(Or(l.keepalive_timeout_seconds(), 20)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      ms(Or(l.min_client_ping_seconds(), 30)));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             ms(Or(l.max_connection_idle_seconds(), 3600)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             ms(Or(l.max_connection_age_seconds(), 86400)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             ms(Or(l.max_connection_age_grace_seconds(), 600)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(
    const v1::NodeConfig& config) {
  std::unique_ptr<Daemon> d(new Daemon());
  d->config_ = config;
  const std::string& db_path = config.store().sqlite();
  const absl::Time opening = absl::Now();
  SqliteStore::Options open_options;
  // Said before, not only after: on a large store the check takes a minute,
  // with nothing else in the log.
  const bool existed = std::filesystem::exists(db_path);
  open_options.before_integrity_check = [&db_path, existed] {
    if (!existed) return;  // a new store: nothing to read
    spdlog::info(
        "store: {} was not closed cleanly by csxd or has changed since: its "
        "integrity is checked when it is opened, which reads the whole file",
        db_path);
  };
  CSX_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> sqlite,
                       SqliteStore::Open(db_path, std::move(open_options)));
  if (const absl::Duration took = absl::Now() - opening;
      took > absl::Seconds(1)) {
    spdlog::info(
        "store: {} opened in {}", db_path,
        absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(1))));
  }
  if (auto took = sqlite->integrity_check()) {
    spdlog::info(
        "store: integrity check of {} passed in {}", db_path,
        absl::FormatDuration(absl::Trunc(*took, absl::Milliseconds(1))));
  } else {
    spdlog::info(
        "store: {} was closed cleanly and is unchanged since; integrity "
        "check skipped",
        db_path);
  }
  d->store_ = std::move(sqlite);
  Store* store = d->store_.get();
  CSX_ASSIGN_OR_RETURN(d->metrics_,
                       Metrics::Create(config.node().metrics_listen(), kVersion,
                                       [store]() { return store->Counts(); }));
  NodeOptions options;
  options.org = config.node().org();
  options.version = kVersion;
  options.events = d->metrics_.get();
  if (config.limits().max_batch_items() > 0) {
    options.max_batch_items = config.limits().max_batch_items();
  }
  CSX_ASSIGN_OR_RETURN(d->node_,
                       Node::Create(options, d->store_.get(), &d->clock_));
  d->node_->SetRateLimits(RateLimitsOf(config.limits()));
  CSX_ASSIGN_OR_RETURN(AgreementSet agreements,
                       AgreementSet::Create(config.agreements()));
  d->node_->SetAgreements(
      std::make_shared<const AgreementSet>(std::move(agreements)));
  CSX_ASSIGN_OR_RETURN(Warninglists lists,
                       Warninglists::Create(config.warninglists()));
  d->node_->SetWarninglists(
      std::make_shared<const Warninglists>(std::move(lists)));
  CSX_ASSIGN_OR_RETURN(
      PrincipalMapper mapper,
      PrincipalMapper::Create(config.node().org(), config.principals()));
  d->auth_ = std::make_unique<Authenticator>(std::move(mapper), d->node_.get());
  d->indicator_service_ =
      std::make_unique<IndicatorServiceImpl>(d->node_.get(), d->auth_.get());
  d->feed_service_ =
      std::make_unique<FeedServiceImpl>(d->node_.get(), d->auth_.get());
  d->admin_service_ =
      std::make_unique<AdminServiceImpl>(d->node_.get(), d->auth_.get());

  if (!config.tls().crl().empty()) {
    CSX_ASSIGN_OR_RETURN(d->crl_,
                         CrlDirectory::Create(config.tls().crl(),
                                              absl::StrCat(db_path, ".crl.d")));
  }
  CSX_ASSIGN_OR_RETURN(
      auto creds,
      MakeServerCredentials(config.tls(), d->crl_ ? d->crl_->dir() : ""));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.node().listen(), creds, &d->port_);
  const int max_msg =
      config.limits().max_message_bytes() > 0
          ? static_cast<int>(config.limits().max_message_bytes())
          : kDefaultMaxMessageBytes;
  builder.SetMaxReceiveMessageSize(max_msg);
  ApplyConnectionLimits(config.limits(), builder);
  // gRPC's sync server keeps 1 to 2 idle threads by default: under
  // concurrent calls, every call then starts a thread and ends one
  // (about 3 000 thread starts per second at 1 000 submissions/s). Threads
  // that finish a call keep polling instead, up to kMaxPollers.
  builder.SetSyncServerOption(grpc::ServerBuilder::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::MAX_POLLERS, kMaxPollers);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewRpcMetricsInterceptorFactory(d->metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(d->indicator_service_.get());
  builder.RegisterService(d->feed_service_.get());
  builder.RegisterService(d->admin_service_.get());
  d->server_ = builder.BuildAndStart();
  if (!d->server_ || d->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("node.listen: cannot listen on ", config.node().listen()));
  }
  if (!config.node().taxii_listen().empty()) {
    CSX_ASSIGN_OR_RETURN(
        d->taxii_, taxii::TaxiiServer::Start(
                       config.node().taxii_listen(), config.tls(),
                       d->node_.get(), d->auth_.get(), d->metrics_.get()));
    spdlog::info("TAXII 2.1 on {} (port {})", config.node().taxii_listen(),
                 d->taxii_->port());
  }
  d->StartPeers();
  const uint32_t every = config.limits().expiry_interval_seconds();
  d->expiry_thread_ = std::thread(&Daemon::ExpiryLoop, d.get(),
                                  absl::Seconds(every ? every : 30));
  d->memory_thread_ = std::thread(&Daemon::MemoryLoop, d.get());
  if (d->crl_) {
    const uint32_t reload = config.tls().reload_interval_seconds();
    d->crl_thread_ = std::thread(&Daemon::CrlLoop, d.get(),
                                 absl::Seconds(reload ? reload : 60));
  }
  spdlog::info("csxd {} serving {} on port {} (store {})", config.node().org(),
               config.node().listen(), d->port_, d->store_->Describe());
  if (d->metrics_->port() != 0) {
    spdlog::info("metrics on {} (port {})", config.node().metrics_listen(),
                 d->metrics_->port());
  }
  return d;
}

Daemon::~Daemon() { Shutdown(absl::ZeroDuration()); }

void Daemon::RefreshCrl() {
  absl::MutexLock lock(&crl_mu_);
  auto changed = crl_->Refresh();
  if (!changed.ok()) {
    spdlog::error("CRL not reloaded, the previous one stays in force: {}",
                  changed.status().ToString());
  } else if (*changed) {
    spdlog::info("CRL reloaded from {}", crl_->path());
  }
}

void Daemon::CrlLoop(absl::Duration interval) {
  while (!stop_.WaitForNotificationWithTimeout(interval)) RefreshCrl();
}

void Daemon::MemoryLoop() {
  // A bulk load's peak does not stay resident once the node is quieter.
  while (!stop_.WaitForNotificationWithTimeout(absl::Seconds(10))) {
    ReleaseFreeMemory();
  }
}

void Daemon::ExpiryLoop(absl::Duration interval) {
  while (!stop_.WaitForNotificationWithTimeout(interval)) {
    auto n = node_->ExpireDue();
    if (!n.ok()) {
      spdlog::error("expiry sweep failed: {}", n.status().ToString());
    } else if (*n > 0) {
      spdlog::info("expired {} indicators", *n);
    }
  }
}

namespace {

// Hex SHA-256 of a file's bytes ("unreadable" when it cannot be read).
std::string FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(),
                 nullptr) != 1) {
    return "unreadable";
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace

absl::Status Daemon::ReloadFrom(const std::string& path) {
  auto next = LoadAndValidateConfig(path);
  absl::Status s = next.ok() ? Reload(*next) : next.status();
  std::string detail = absl::StrCat(
      "config=", path, " sha256=", FileSha256(path),
      s.ok() ? " applied" : " refused: ", s.ok() ? "" : s.message());
  if (absl::Status a = node_->RecordReload(detail); !a.ok()) {
    spdlog::error("audit: cannot record the reload: {}", a.ToString());
  }
  return s;
}

absl::Status Daemon::Reload(const v1::NodeConfig& config) {
  if (config.node().org() != config_.node().org() ||
      config.node().listen() != config_.node().listen() ||
      config.node().metrics_listen() != config_.node().metrics_listen() ||
      config.node().taxii_listen() != config_.node().taxii_listen() ||
      config.store().SerializeAsString() !=
          config_.store().SerializeAsString()) {
    return absl::FailedPreconditionError(
        "reload: node.org, node.listen, node.taxii_listen, "
        "node.metrics_listen and store can only change with a restart");
  }
  CSX_ASSIGN_OR_RETURN(
      PrincipalMapper mapper,
      PrincipalMapper::Create(config.node().org(), config.principals()));
  CSX_ASSIGN_OR_RETURN(AgreementSet agreements,
                       AgreementSet::Create(config.agreements()));
  CSX_ASSIGN_OR_RETURN(Warninglists lists,
                       Warninglists::Create(config.warninglists()));
  // All are built before any is put in force.
  auth_->Replace(std::move(mapper));
  node_->SetRateLimits(RateLimitsOf(config.limits()));
  node_->SetWarninglists(
      std::make_shared<const Warninglists>(std::move(lists)));
  node_->SetAgreements(
      std::make_shared<const AgreementSet>(std::move(agreements)));
  const bool peers_changed =
      !std::equal(config.peers().begin(), config.peers().end(),
                  config_.peers().begin(), config_.peers().end(),
                  [](const v1::PeerEntry& a, const v1::PeerEntry& b) {
                    return a.SerializeAsString() == b.SerializeAsString();
                  });
  config_ = config;
  if (peers_changed) {
    StopPeers();
    StartPeers();
  }
  if (crl_) RefreshCrl();
  return absl::OkStatus();
}

void Daemon::StartPeers() {
  for (const auto& peer : config_.peers()) {
    const uint32_t beat = config_.limits().has_peer_heartbeat_seconds()
                              ? config_.limits().peer_heartbeat_seconds()
                              : 15;
    peers_.push_back(std::make_unique<PeerLink>(
        peer, config_.tls(), node_.get(), metrics_.get(), absl::Seconds(beat)));
    peers_.back()->Start();
  }
}

void Daemon::StopPeers() {
  for (auto& p : peers_) p->Stop();
  peers_.clear();
}

void Daemon::Shutdown(absl::Duration drain) {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  StopPeers();
  if (taxii_) taxii_->Stop();
  if (node_) node_->Shutdown();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(drain));
    server_->Wait();
    server_.reset();
  }
  if (expiry_thread_.joinable()) expiry_thread_.join();
  if (crl_thread_.joinable()) crl_thread_.join();
  if (memory_thread_.joinable()) memory_thread_.join();
}

}  // namespace csx
