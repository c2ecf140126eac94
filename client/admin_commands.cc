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

int RunAgreementsList(const CommandContext& ctx) {
  v1::AgreementsResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  grpc::Status s =
      ctx.stubs->admin->Agreements(&call, v1::AgreementsRequest(), &resp);
  if (!s.ok()) return ReportRpcError(ctx, "agreements", s);
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  for (const auto& a : resp.agreements()) {
    nlohmann::json obj = {
        {"id", a.id()},
        {"partner", a.partner()},
        {"title", a.title()},
        {"effective_from", csx::FormatTime(FromProto(a.effective_from()))},
        {"expires", IsSet(a.expires()) ? csx::FormatTime(FromProto(a.expires()))
                                       : std::string()},
        {"in_force", a.in_force()},
        {"share_max_tlp", a.share_max_tlp()},
        {"accept_max_tlp", a.accept_max_tlp()},
        {"forward_third_party", a.forward_third_party()},
        {"hide_source", a.hide_source()},
        {"redistribute", a.redistribute()},
        {"report_sightings", a.report_sightings()}};
    writer.WriteObject(obj);
  }
  writer.Finish();
  return kExitOk;
}

int RunExplain(const CommandContext& ctx, const std::string& indicator_id,
               const std::string& partner) {
  if (indicator_id.empty() || partner.empty()) {
    *ctx.err
        << "csx: agreements explain: --indicator and --partner are required\n";
    return kExitUsage;
  }
  v1::ExplainRequest req;
  req.set_indicator_id(indicator_id);
  req.set_partner(partner);
  v1::ExplainResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  grpc::Status s = ctx.stubs->admin->Explain(&call, req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, "agreements explain", s);
  nlohmann::json obj = {
      {"indicator", indicator_id},     {"partner", partner},
      {"shared", resp.shared()},       {"rule", resp.rule()},
      {"agreement", resp.agreement()}, {"explanation", resp.explanation()}};
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  writer.WriteObject(obj);
  writer.Finish();
  return kExitOk;
}

}  // namespace csx::cli
