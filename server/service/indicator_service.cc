#include "server/service/indicator_service.h"

#include <chrono>
#include <future>

#include "common/status_macros.h"
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
  // Pipelined: one transaction is committed on a thread of its own while
  // this thread reads and validates the requests that follow. When it ends,
  // everything validated meanwhile goes into the next one (up to
  // Node::kMaxGroupItems items), so transactions grow with the load: a slow
  // stream commits each request soon, a bulk load in large groups whose
  // random index pages are written once for many rows. The stream is
  // acknowledged once all are committed.
  using Responses = absl::StatusOr<std::vector<v1::SubmitResponse>>;
  std::future<Responses> committing;
  std::vector<int> committing_sizes;  // items of each request in flight
  Node::PreparedSubmit next;
  std::vector<int> next_sizes;
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
  auto idle = [&]() {
    return !committing.valid() ||
           committing.wait_for(std::chrono::seconds(0)) ==
               std::future_status::ready;
  };
  // Waits for the transaction in flight, then starts one with `next`.
  auto commit_next = [&]() -> absl::Status {
    if (committing.valid()) CSX_RETURN_IF_ERROR(collect());
    committing_sizes = std::move(next_sizes);
    next_sizes.clear();
    committing = std::async(std::launch::async,
                            [node = node_, batch = std::move(next)]() mutable {
                              return node->CommitSubmit(std::move(batch));
                            });
    next = Node::PreparedSubmit();
    return absl::OkStatus();
  };
  v1::SubmitRequest req;
  while (reader->Read(&req)) {
    const v1::SubmitRequest* one[] = {&req};
    auto prepared = node_->PrepareSubmit(*who, one);
    if (!prepared.ok()) {
      // The transaction in flight refers to `who`: it is waited for.
      if (committing.valid()) collect().IgnoreError();
      return ToGrpcStatus(prepared.status());
    }
    // At most Node::kMaxGroupItems in one transaction, unless one request
    // alone is larger.
    if (next.requests() > 0 &&
        next.items() + prepared->items() > Node::kMaxGroupItems) {
      if (absl::Status s = commit_next(); !s.ok()) return ToGrpcStatus(s);
    }
    next.Absorb(*std::move(prepared));
    next_sizes.push_back(req.items_size());
    if (idle()) {
      if (absl::Status s = commit_next(); !s.ok()) return ToGrpcStatus(s);
    }
  }
  if (next.requests() > 0) {
    if (absl::Status s = commit_next(); !s.ok()) return ToGrpcStatus(s);
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
