// Daemon: one running csxd — store, node, gRPC server with mutual TLS,
// health and reflection services, and the expiry sweeper — built from a
// validated config.
//
// Thread-safety: Start() once; Reload() and Shutdown() may be called from a
// signal-handling thread while the server runs.
#ifndef CSX_SERVER_DAEMON_H_
#define CSX_SERVER_DAEMON_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "csx/v1/config.pb.h"
#include "server/core/clock.h"
#include "server/core/node.h"
#include "server/service/admin_service.h"
#include "server/service/authenticator.h"
#include "server/service/feed_service.h"
#include "server/service/indicator_service.h"
#include "server/service/metrics.h"
#include "server/service/peer_link.h"
#include "server/service/tls_credentials.h"
#include "server/store/store.h"
#include "server/taxii/taxii_server.h"

namespace csx {

class Daemon {
 public:
  // Opens the store, binds the port and starts serving. Fails without
  // serving anything when the store or the TLS files are unusable or the
  // port cannot be bound.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(
      const v1::NodeConfig& config);
  ~Daemon();

  // The port actually bound (useful with "host:0").
  int port() const { return port_; }
  // The port serving metrics (0 when node.metrics_listen is not set).
  int metrics_port() const { return metrics_->port(); }

  // Applies a new validated config: principals now; other sections need a
  // restart and are reported. The old config stays in force on error.
  absl::Status Reload(const v1::NodeConfig& config);
  // Loads and validates the config file at `path` and applies it with
  // Reload(). Either way the attempt is an audit record naming the file, the
  // SHA-256 of its bytes and the outcome.
  absl::Status ReloadFrom(const std::string& path);

  // Stops accepting calls, lets in-flight calls finish within `drain`, then
  // cancels the rest and stops the background work.
  void Shutdown(absl::Duration drain);

 private:
  Daemon() = default;
  // Returns free heap to the system every 10 s.
  void MemoryLoop();
  void ExpiryLoop(absl::Duration interval);
  // Installs tls.crl again when it has changed (also on SIGHUP).
  void RefreshCrl();
  void CrlLoop(absl::Duration interval);
  void StartPeers();
  void StopPeers();

  v1::NodeConfig config_;
  RealClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<IndicatorServiceImpl> indicator_service_;
  std::unique_ptr<FeedServiceImpl> feed_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<taxii::TaxiiServer> taxii_;
  int port_ = 0;
  std::vector<std::unique_ptr<PeerLink>> peers_;
  absl::Notification stop_;
  std::thread expiry_thread_;
  std::unique_ptr<CrlDirectory> crl_;  // null without tls.crl
  absl::Mutex crl_mu_;                 // serialises RefreshCrl()
  std::thread crl_thread_;
  std::thread memory_thread_;
};

}  // namespace csx

#endif  // CSX_SERVER_DAEMON_H_
