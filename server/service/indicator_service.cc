#include "server/service/indicator_service.h"

#include <deque>
#include <future>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
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
  // Pipelined: a transaction is committed on a thread of its own while this
  // thread reads and validates the requests that follow. Once it is
  // committed, everything validated meanwhile goes into the next one (up to
  // Node::MaxGroupItems() items), which runs while the one before is flushed
  // to disk: at most two are in flight, one being made durable and one being
  // applied. So transactions grow with the load: a slow stream commits each
  // request soon, a bulk load in large groups whose random index pages are
  // written once for many rows. The stream is acknowledged once all are
  // durable.
  using Responses = absl::StatusOr<std::vector<v1::SubmitResponse>>;
  struct InFlight {
    // Declared before `done`, whose destructor waits for the commit that
    // notifies it.
    std::unique_ptr<absl::Notification> applied;
    std::future<Responses> done;
    std::vector<int> sizes;  // items of each request
  };
  std::deque<InFlight> in_flight;
  Node::PreparedSubmit next;
  std::vector<int> next_sizes;
  uint32_t offset = 0;
  // Waits for the oldest transaction in flight to be durable and adds its
  // outcome to the response.
  auto collect = [&]() -> absl::Status {
    InFlight oldest = std::move(in_flight.front());
    in_flight.pop_front();
    Responses r = oldest.done.get();
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
      offset += static_cast<uint32_t>(oldest.sizes[i]);
    }
    return absl::OkStatus();
  };
  auto collect_all = [&]() -> absl::Status {
    absl::Status first;
    while (!in_flight.empty()) first.Update(collect());
    return first;
  };
  // True when the last transaction started has been committed.
  auto idle = [&]() {
    return in_flight.empty() || in_flight.back().applied->HasBeenNotified();
  };
  // Waits for the last transaction to be committed (and for the one before
  // it to be durable), then starts one with `next`.
  auto commit_next = [&]() -> absl::Status {
    if (!in_flight.empty()) in_flight.back().applied->WaitForNotification();
    while (in_flight.size() >= 2) CSX_RETURN_IF_ERROR(collect());
    InFlight t;
    t.applied = std::make_unique<absl::Notification>();
    t.sizes = std::move(next_sizes);
    next_sizes.clear();
    t.done =
        std::async(std::launch::async, [node = node_, batch = std::move(next),
                                        applied = t.applied.get()]() mutable {
          return node->CommitSubmit(std::move(batch), applied);
        });
    in_flight.push_back(std::move(t));
    next = Node::PreparedSubmit();
    return absl::OkStatus();
  };
  v1::SubmitRequest req;
  while (reader->Read(&req)) {
    const v1::SubmitRequest* one[] = {&req};
    auto prepared = node_->PrepareSubmit(*who, one);
    if (!prepared.ok()) {
      // The transactions in flight refer to `who`: they are waited for.
      collect_all().IgnoreError();
      return ToGrpcStatus(prepared.status());
    }
    // At most Node::MaxGroupItems() in one transaction, unless one request
    // alone is larger.
    if (node_->Overflows(next, *prepared)) {
      if (absl::Status s = commit_next(); !s.ok()) {
        collect_all().IgnoreError();
        return ToGrpcStatus(s);
      }
    }
    next.Absorb(*std::move(prepared));
    next_sizes.push_back(req.items_size());
    if (idle()) {
      if (absl::Status s = commit_next(); !s.ok()) {
        collect_all().IgnoreError();
        return ToGrpcStatus(s);
      }
    }
  }
  if (next.requests() > 0) {
    if (absl::Status s = commit_next(); !s.ok()) {
      collect_all().IgnoreError();
      return ToGrpcStatus(s);
    }
  }
  if (absl::Status s = collect_all(); !s.ok()) return ToGrpcStatus(s);
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
