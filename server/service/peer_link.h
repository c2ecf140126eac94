// PeerLink: this node's subscription to one partner's feed (a `peers` entry).
// A background thread connects with the node's own certificate, subscribes
// from the stored cursor, and hands every batch to Node::ApplyFromPeer,
// which stores the accepted entries and the new cursor in one transaction.
// On any failure it reconnects after a capped exponential backoff with
// jitter; a partner down for a day resumes where it left off. A second
// thread reports this node's sightings of the partner's indicators back to
// it (queued durably by Node; removed once the partner acknowledged them).
// With a heartbeat, the partner sends an empty batch whenever its feed has
// been quiet that long; a subscription silent for three heartbeats (a
// partner that stalls but still answers pings) is cancelled and reopened.
//
// Thread-safety: Start() once, Stop() from any thread (idempotent).
#ifndef CSX_SERVER_SERVICE_PEER_LINK_H_
#define CSX_SERVER_SERVICE_PEER_LINK_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "csx/v1/config.pb.h"
#include "server/core/node.h"
#include "server/service/metrics.h"

namespace csx {

class PeerLink {
 public:
  // `node` and `metrics` are borrowed and must outlive the link.
  // `heartbeat` 0: none asked for.
  PeerLink(v1::PeerEntry peer, v1::TlsSection tls, Node* node, Metrics* metrics,
           absl::Duration heartbeat);
  ~PeerLink();

  void Start();
  void Stop();
  const v1::PeerEntry& peer() const { return peer_; }

 private:
  void Run();
  // Reports queued sightings to the partner until stopped.
  void SendSightings();
  std::shared_ptr<grpc::Channel> MakeChannel() const;
  // One connection: returns when the stream ends or fails.
  void RunOnce();

  const v1::PeerEntry peer_;
  const v1::TlsSection tls_;
  Node* const node_;
  Metrics* const metrics_;
  const absl::Duration heartbeat_;
  std::thread thread_;
  std::thread sender_;
  absl::Notification stop_;
  absl::Mutex mu_;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_PEER_LINK_H_
