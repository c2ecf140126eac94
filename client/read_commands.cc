// csx get and csx query.
#include <algorithm>

#include "client/commands.h"
#include "common/time_util.h"

namespace csx::cli {
namespace {

std::chrono::system_clock::time_point Deadline(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

}  // namespace

int RunGet(const CommandContext& ctx, const std::string& id) {
  v1::GetRequest req;
  req.set_id(id);
  v1::Indicator ind;
  grpc::ClientContext call;
  call.set_deadline(Deadline(30));
  grpc::Status s = ctx.stubs->indicators->Get(&call, req, &ind);
  if (!s.ok()) return ReportRpcError(ctx, "get", s);
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  writer.Write(ind);
  writer.Finish();
  return kExitOk;
}

int RunQuery(const CommandContext& ctx, const QueryArgs& a) {
  if (a.limit <= 0) {
    *ctx.err << "csx: query: --limit must be positive\n";
    return kExitUsage;
  }
  v1::QueryRequest req;
  req.set_type(a.type);
  req.set_value(a.value);
  req.set_contains_ip(a.contains);
  req.set_tag(a.tag);
  req.set_sector(a.sector);
  req.set_origin(a.origin);
  req.set_include_revoked(a.include_revoked);
  if (!a.since.empty()) {
    auto t = ParseTime(a.since);
    if (!t.ok()) {
      *ctx.err << "csx: query: --since: " << t.status().message() << "\n";
      return kExitUsage;
    }
    *req.mutable_modified_since() = ToProto(*t);
  }
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  int remaining = a.limit;
  while (remaining > 0) {
    req.set_limit(static_cast<uint32_t>(std::min(remaining, 1000)));
    v1::QueryResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(60));
    grpc::Status s = ctx.stubs->indicators->Query(&call, req, &resp);
    if (!s.ok()) {
      writer.Finish();
      return ReportRpcError(ctx, "query", s);
    }
    for (const auto& ind : resp.indicators()) writer.Write(ind);
    remaining -= resp.indicators_size();
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  writer.Finish();
  return kExitOk;
}

}  // namespace csx::cli
