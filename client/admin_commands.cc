// csx status and csx audit verify.
#include "client/commands.h"
#include "common/time_util.h"
#include "nlohmann/json.hpp"

namespace csx::cli {

int RunStatus(const CommandContext& ctx) {
  v1::StatusResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  grpc::Status s = ctx.stubs->admin->Status(&call, v1::StatusRequest(), &resp);
  if (!s.ok()) return ReportRpcError(ctx, "status", s);
  nlohmann::json obj = {{"org", resp.org()},
                        {"version", resp.version()},
                        {"started", csx::FormatTime(FromProto(resp.started()))},
                        {"indicators", resp.indicators()},
                        {"active_indicators", resp.active_indicators()},
                        {"feed_head", resp.feed_head()},
                        {"audit_records", resp.audit_records()},
                        {"store", resp.store()},
                        {"principal", resp.principal()}};
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  writer.WriteObject(obj);
  writer.Finish();
  return kExitOk;
}

int RunAuditVerify(const CommandContext& ctx) {
  v1::AuditVerifyResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(600));
  grpc::Status s =
      ctx.stubs->admin->AuditVerify(&call, v1::AuditVerifyRequest(), &resp);
  if (!s.ok()) return ReportRpcError(ctx, "audit verify", s);
  nlohmann::json obj = {{"ok", resp.ok()}, {"records", resp.records()}};
  if (!resp.ok()) {
    obj["first_bad_seq"] = resp.first_bad_seq();
    obj["problem"] = resp.problem();
  }
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  writer.WriteObject(obj);
  writer.Finish();
  if (!resp.ok()) {
    *ctx.err << "csx: audit verify: audit log damaged: " << resp.problem()
             << "\n";
    return kExitServer;
  }
  return kExitOk;
}

}  // namespace csx::cli
