// IndicatorServiceImpl: the gRPC adapter of submission, get, query, revoke
// and sight. Each method authenticates the caller and forwards to Node.
// Thread-safe; borrows the Node and Authenticator, which must outlive it.
#ifndef CSX_SERVER_SERVICE_INDICATOR_SERVICE_H_
#define CSX_SERVER_SERVICE_INDICATOR_SERVICE_H_

#include "csx/v1/service.grpc.pb.h"
#include "server/core/node.h"
#include "server/service/authenticator.h"

namespace csx {

class IndicatorServiceImpl final : public v1::IndicatorService::Service {
 public:
  IndicatorServiceImpl(Node* node, Authenticator* auth)
      : node_(node), auth_(auth) {}

  grpc::Status SubmitBatch(grpc::ServerContext* ctx,
                           const v1::SubmitRequest* req,
                           v1::SubmitResponse* resp) override;
  grpc::Status SubmitStream(grpc::ServerContext* ctx,
                            grpc::ServerReader<v1::SubmitRequest>* reader,
                            v1::SubmitResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const v1::GetRequest* req,
                   v1::Indicator* resp) override;
  grpc::Status Query(grpc::ServerContext* ctx, const v1::QueryRequest* req,
                     v1::QueryResponse* resp) override;
  grpc::Status Revoke(grpc::ServerContext* ctx, const v1::RevokeRequest* req,
                      v1::ChangeResponse* resp) override;
  grpc::Status Sight(grpc::ServerContext* ctx, const v1::SightRequest* req,
                     v1::ChangeResponse* resp) override;

 private:
  Node* const node_;
  Authenticator* const auth_;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_INDICATOR_SERVICE_H_
