// FeedServiceImpl: the gRPC adapter of feed pull and live subscription.
// Thread-safe; borrows the Node and Authenticator, which must outlive it.
#ifndef CSX_SERVER_SERVICE_FEED_SERVICE_H_
#define CSX_SERVER_SERVICE_FEED_SERVICE_H_

#include "csx/v1/service.grpc.pb.h"
#include "server/core/node.h"
#include "server/service/authenticator.h"

namespace csx {

class FeedServiceImpl final : public v1::FeedService::Service {
 public:
  FeedServiceImpl(Node* node, Authenticator* auth) : node_(node), auth_(auth) {}

  grpc::Status Pull(grpc::ServerContext* ctx, const v1::PullRequest* req,
                    v1::PullResponse* resp) override;
  // Sends batches until caught up, then waits for new changes; ends when the
  // client cancels or the node shuts down.
  grpc::Status Subscribe(grpc::ServerContext* ctx,
                         const v1::SubscribeRequest* req,
                         grpc::ServerWriter<v1::PullResponse>* writer) override;

 private:
  Node* const node_;
  Authenticator* const auth_;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_FEED_SERVICE_H_
