#include "server/service/feed_service.h"

#include <grpcpp/support/method_handler.h>

#include "absl/time/clock.h"
#include "server/core/ids.h"
#include "server/service/grpc_status.h"

namespace csx {

namespace {

// The places of Pull and Subscribe among FeedService's methods in
// service.proto (the indexes the generated WithStreamedUnaryMethod_Pull and
// WithSplitStreamingMethod_Subscribe use).
constexpr int kPullMethod = 0;
constexpr int kSubscribeMethod = 1;

}  // namespace

FeedServiceImpl::FeedServiceImpl(Node* node, Authenticator* auth)
    : node_(node), auth_(auth) {
  // The generated handlers would send v1::PullResponse; these send the
  // wire form, encoded alike.
  MarkMethodStreamed(
      kPullMethod,
      new grpc::internal::StreamedUnaryHandler<v1::PullRequest,
                                               v1::wire::PullResponse>(
          [this](grpc::ServerContext* ctx, PullStream* stream) {
            return EncodedPull(ctx, stream);
          }));
  MarkMethodStreamed(
      kSubscribeMethod,
      new grpc::internal::SplitServerStreamingHandler<v1::SubscribeRequest,
                                                      v1::wire::PullResponse>(
          [this](grpc::ServerContext* ctx, SubscribeStream* stream) {
            return EncodedSubscribe(ctx, stream);
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

grpc::Status FeedServiceImpl::EncodedSubscribe(grpc::ServerContext* ctx,
                                               SubscribeStream* stream) {
  CSX_AUTHENTICATE(who, ctx);
  v1::SubscribeRequest request;
  if (!stream->Read(&request)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request: missing or unreadable");
  }
  // A live subscription counts as one call, however many batches it gets.
  if (absl::Status s = node_->CheckRate(*who, Node::RateClass::kQuery);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (request.heartbeat_seconds() > 3600) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "heartbeat_seconds: at most 3600");
  }
  const bool beats = request.heartbeat_seconds() > 0;
  const absl::Duration heartbeat = absl::Seconds(request.heartbeat_seconds());
  absl::Time last_write = absl::Now();
  bool caught_up = false;
  std::string cursor = request.cursor();
  while (!ctx->IsCancelled() && !node_->stopping()) {
    auto batch = node_->PullEncoded(*who, cursor, request.max_batch());
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    cursor = batch->cursor();
    const bool more = batch->more();
    if (batch->entries_size() > 0) {
      if (!stream->Write(*batch)) break;
      last_write = absl::Now();
    }
    // A beat when the catch-up is done, and whenever the stream has been
    // quiet for a heartbeat: also while a long run of entries the caller
    // may not see is skipped, so that it neither times out nor loses the
    // cursor's progress.
    if (beats &&
        ((!more && !caught_up) || absl::Now() - last_write >= heartbeat)) {
      v1::wire::PullResponse beat;
      beat.set_cursor(cursor);
      if (!stream->Write(beat)) break;
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
