// FeedServiceImpl: the gRPC adapter of feed pull and live subscription.
// Both answer with Node::PullEncoded's wire::PullResponse, which is encoded
// as the PullResponse that clients decode: a stored version goes out as
// stored. Thread-safe; borrows the Node and Authenticator, which must
// outlive it.
#ifndef CSX_SERVER_SERVICE_FEED_SERVICE_H_
#define CSX_SERVER_SERVICE_FEED_SERVICE_H_

#include <grpcpp/support/sync_stream.h>

#include "csx/v1/feed_wire.pb.h"
#include "csx/v1/service.grpc.pb.h"
#include "server/core/node.h"
#include "server/service/authenticator.h"

namespace csx {

class FeedServiceImpl final : public v1::FeedService::Service {
 public:
  FeedServiceImpl(Node* node, Authenticator* auth);

 private:
  using PullStream =
      grpc::ServerUnaryStreamer<v1::PullRequest, v1::wire::PullResponse>;
  using SubscribeStream =
      grpc::ServerSplitStreamer<v1::SubscribeRequest, v1::wire::PullResponse>;
  // Pull: one request, one wire::PullResponse.
  grpc::Status EncodedPull(grpc::ServerContext* ctx, PullStream* stream);
  // Subscribe: sends batches until caught up, then waits for new changes;
  // ends when the client cancels or the node shuts down.
  grpc::Status EncodedSubscribe(grpc::ServerContext* ctx,
                                SubscribeStream* stream);

  Node* const node_;
  Authenticator* const auth_;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_FEED_SERVICE_H_
