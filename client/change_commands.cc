// csx revoke and csx sight.
#include "client/commands.h"

namespace csx::cli {
namespace {

int PrintChanged(const CommandContext& ctx, const v1::ChangeResponse& resp) {
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  writer.Write(resp.indicator());
  writer.Finish();
  return kExitOk;
}

}  // namespace

int RunRevoke(const CommandContext& ctx, const std::string& id,
              const std::string& reason) {
  v1::RevokeRequest req;
  req.set_id(id);
  req.set_reason(reason);
  v1::ChangeResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  grpc::Status s = ctx.stubs->indicators->Revoke(&call, req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, "revoke", s);
  return PrintChanged(ctx, resp);
}

int RunSight(const CommandContext& ctx, const std::string& id, uint32_t count) {
  v1::SightRequest req;
  req.set_id(id);
  req.set_count(count);
  v1::ChangeResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  grpc::Status s = ctx.stubs->indicators->Sight(&call, req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, "sight", s);
  return PrintChanged(ctx, resp);
}

}  // namespace csx::cli
