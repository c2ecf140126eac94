#include "server/service/indicator_service.h"

#include <future>

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
  // Requests are stored a group at a time (up to kStreamGroupItems items in
  // one transaction); the stream is acknowledged once all are committed.
  // Pipelined: while one group is committed on a thread of its own, this
  // thread reads and validates the next.
  constexpr int kStreamGroupItems = 10000;
  using Responses = absl::StatusOr<std::vector<v1::SubmitResponse>>;
  std::future<Responses> committing;
  std::vector<int> committing_sizes;  // items of each request in flight
  uint32_t offset = 0;
  auto collect = [&]() -> absl::Status {
    Responses r = committing.get();
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < r->size(); ++i) {
      v1::SubmitResponse& one = (*r)[i];
      resp->set_created(resp->created() + one.created());
      resp->set_merged(resp->merged() + one.merged());
      resp->set_rejected(resp->rejected() + one.rejected());
      for (auto& result : *one.mutable_results()) {
        if (result.outcome() != v1::OUTCOME_REJECTED) continue;
        result.set_index(result.index() + offset);
        *resp->add_results() = std::move(result);
      }
      offset += static_cast<uint32_t>(committing_sizes[i]);
    }
    return absl::OkStatus();
  };
  bool more = true;
  while (more) {
    std::vector<v1::SubmitRequest> reqs;
    int items = 0;
    while (items < kStreamGroupItems) {
      v1::SubmitRequest req;
      if (!reader->Read(&req)) {
        more = false;
        break;
      }
      items += req.items_size();
      reqs.push_back(std::move(req));
    }
    if (reqs.empty()) break;
    std::vector<const v1::SubmitRequest*> group;
    for (const auto& r : reqs) group.push_back(&r);
    auto prepared = node_->PrepareSubmit(*who, group);
    // The group in flight is waited for in every case: it refers to `who`.
    const absl::Status previous =
        committing.valid() ? collect() : absl::OkStatus();
    if (!previous.ok()) return ToGrpcStatus(previous);
    if (!prepared.ok()) return ToGrpcStatus(prepared.status());
    committing_sizes.clear();
    for (const auto& r : reqs) committing_sizes.push_back(r.items_size());
    committing =
        std::async(std::launch::async,
                   [node = node_, batch = *std::move(prepared)]() mutable {
                     return node->CommitSubmit(std::move(batch));
                   });
  }
  if (committing.valid()) {
    if (absl::Status s = collect(); !s.ok()) return ToGrpcStatus(s);
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
