// AdminServiceImpl: the gRPC adapter of node status and audit verification.
// Thread-safe; borrows the Node and Authenticator, which must outlive it.
#ifndef CSX_SERVER_SERVICE_ADMIN_SERVICE_H_
#define CSX_SERVER_SERVICE_ADMIN_SERVICE_H_

#include "csx/v1/service.grpc.pb.h"
#include "server/core/node.h"
#include "server/service/authenticator.h"

namespace csx {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(Node* node, Authenticator* auth)
      : node_(node), auth_(auth) {}

  grpc::Status Status(grpc::ServerContext* ctx, const v1::StatusRequest* req,
                      v1::StatusResponse* resp) override;
  grpc::Status AuditVerify(grpc::ServerContext* ctx,
                           const v1::AuditVerifyRequest* req,
                           v1::AuditVerifyResponse* resp) override;
  grpc::Status Agreements(grpc::ServerContext* ctx,
                          const v1::AgreementsRequest* req,
                          v1::AgreementsResponse* resp) override;
  grpc::Status Explain(grpc::ServerContext* ctx, const v1::ExplainRequest* req,
                       v1::ExplainResponse* resp) override;

 private:
  Node* const node_;
  Authenticator* const auth_;
};

}  // namespace csx

#endif  // CSX_SERVER_SERVICE_ADMIN_SERVICE_H_
