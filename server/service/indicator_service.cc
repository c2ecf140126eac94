#include "server/service/indicator_service.h"

#include "server/service/grpc_status.h"

namespace csx {

grpc::Status IndicatorServiceImpl::SubmitBatch(grpc::ServerContext* ctx,
                                               const v1::SubmitRequest* req,
                                               v1::SubmitResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Submit(*who, *req);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status IndicatorServiceImpl::SubmitStream(
    grpc::ServerContext* ctx, grpc::ServerReader<v1::SubmitRequest>* reader,
    v1::SubmitResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  v1::SubmitRequest req;
  uint32_t offset = 0;
  while (reader->Read(&req)) {
    auto r = node_->Submit(*who, req);
    if (!r.ok()) return ToGrpcStatus(r.status());
    resp->set_created(resp->created() + r->created());
    resp->set_merged(resp->merged() + r->merged());
    resp->set_rejected(resp->rejected() + r->rejected());
    for (auto& result : *r->mutable_results()) {
      if (result.outcome() != v1::OUTCOME_REJECTED) continue;
      result.set_index(result.index() + offset);
      *resp->add_results() = std::move(result);
    }
    offset += static_cast<uint32_t>(req.items_size());
  }
  return grpc::Status::OK;
}

grpc::Status IndicatorServiceImpl::Get(grpc::ServerContext* ctx,
                                       const v1::GetRequest* req,
                                       v1::Indicator* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Get(*who, req->id());
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status IndicatorServiceImpl::Query(grpc::ServerContext* ctx,
                                         const v1::QueryRequest* req,
                                         v1::QueryResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Query(*who, *req);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status IndicatorServiceImpl::Revoke(grpc::ServerContext* ctx,
                                          const v1::RevokeRequest* req,
                                          v1::ChangeResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Revoke(*who, req->id(), req->reason());
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp->mutable_indicator() = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status IndicatorServiceImpl::Sight(grpc::ServerContext* ctx,
                                         const v1::SightRequest* req,
                                         v1::ChangeResponse* resp) {
  CSX_AUTHENTICATE(who, ctx);
  auto r = node_->Sight(*who, req->id(), req->count());
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp->mutable_indicator() = std::move(*r);
  return grpc::Status::OK;
}

}  // namespace csx
