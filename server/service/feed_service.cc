#include "server/service/feed_service.h"

#include "absl/time/clock.h"
#include "server/core/ids.h"
#include "server/service/grpc_status.h"

namespace csx {

namespace {

// Pull's place among FeedService's methods in service.proto (the index the
// generated WithStreamedUnaryMethod_Pull uses).
constexpr int kPullMethod = 0;

}  // namespace

FeedServiceImpl::FeedServiceImpl(Node* node, Authenticator* auth)
    : node_(node), auth_(auth) {
  // The generated handler would send a v1::PullResponse; this one sends the
  // wire form, encoded alike.
  MarkMethodStreamed(
      kPullMethod,
      new grpc::internal::StreamedUnaryHandler<v1::PullRequest,
                                               v1::wire::PullResponse>(
          [this](grpc::ServerContext* ctx, PullStream* stream) {
            return EncodedPull(ctx, stream);
          }));
}

grpc::Status FeedServiceImpl::EncodedPull(grpc::ServerContext* ctx,
                                          PullStream* stream) {
  CSX_AUTHENTICATE(who, ctx);
  v1::PullRequest req;
  if (!stream->Read(&req)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request: missing or unreadable");
  }
  if (absl::Status s = node_->CheckRate(*who, Node::RateClass::kQuery);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto r = node_->PullEncoded(*who, req.cursor(), req.limit());
  if (!r.ok()) return ToGrpcStatus(r.status());
  // Sent with the status, as a unary response is.
  stream->WriteLast(*r, grpc::WriteOptions());
  return grpc::Status::OK;
}

grpc::Status FeedServiceImpl::Subscribe(
    grpc::ServerContext* ctx, const v1::SubscribeRequest* req,
    grpc::ServerWriter<v1::PullResponse>* writer) {
  CSX_AUTHENTICATE(who, ctx);
  // A live subscription counts as one call, however many batches it gets.
  if (absl::Status s = node_->CheckRate(*who, Node::RateClass::kQuery);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (req->heartbeat_seconds() > 3600) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "heartbeat_seconds: at most 3600");
  }
  const bool beats = req->heartbeat_seconds() > 0;
  const absl::Duration heartbeat = absl::Seconds(req->heartbeat_seconds());
  absl::Time last_write = absl::Now();
  bool caught_up = false;
  std::string cursor = req->cursor();
  while (!ctx->IsCancelled() && !node_->stopping()) {
    auto batch = node_->Pull(*who, cursor, req->max_batch());
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    cursor = batch->cursor();
    const bool more = batch->more();
    if (batch->entries_size() > 0) {
      if (!writer->Write(*batch)) break;
      last_write = absl::Now();
    }
    // A beat when the catch-up is done, and whenever the stream has been
    // quiet for a heartbeat: also while a long run of entries the caller
    // may not see is skipped, so that it neither times out nor loses the
    // cursor's progress.
    if (beats &&
        ((!more && !caught_up) || absl::Now() - last_write >= heartbeat)) {
      v1::PullResponse beat;
      beat.set_cursor(cursor);
      if (!writer->Write(beat)) break;
      last_write = absl::Now();
    }
    if (more) continue;
    caught_up = true;
    auto seq = node_->CursorPosition(cursor);
    if (!seq.ok()) return ToGrpcStatus(seq.status());
    // Wake up periodically to notice a cancelled call.
    node_->WaitForChanges(*seq, absl::Now() + absl::Milliseconds(500));
  }
  if (node_->stopping())
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "node shutting down");
  return grpc::Status::OK;
}

}  // namespace csx
