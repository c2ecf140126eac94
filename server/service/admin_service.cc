#include "server/service/admin_service.h"

#include "server/service/grpc_status.h"

namespace csx {

grpc::Status AdminServiceImpl::Status(grpc::ServerContext* ctx,
                                      const v1::StatusRequest*,
                                      v1::StatusResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Status(*who);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::AuditVerify(grpc::ServerContext* ctx,
                                           const v1::AuditVerifyRequest*,
                                           v1::AuditVerifyResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->AuditVerify(*who);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Agreements(grpc::ServerContext* ctx,
                                          const v1::AgreementsRequest*,
                                          v1::AgreementsResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Agreements(*who);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Explain(grpc::ServerContext* ctx,
                                       const v1::ExplainRequest* req,
                                       v1::ExplainResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Explain(*who, req->indicator_id(), req->partner());
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

}  // namespace csx
