// csx submit: one indicator from flags, or a file in bulk.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "client/formats/csv_reader.h"
#include "client/formats/format_detect.h"
#include "client/formats/jsonl_reader.h"
#include "client/formats/misp_reader.h"
#include "client/formats/stix_reader.h"
#include "client/progress_bar.h"
#include "common/time_util.h"
#include "nlohmann/json.hpp"

namespace csx::cli {
namespace {

int InputError(const CommandContext& ctx, const std::string& message) {
  *ctx.err << "csx: submit: " << message << "\n";
  return kExitUsage;
}

absl::StatusOr<v1::IndicatorInput> InputFromFlags(const SubmitArgs& a) {
  v1::IndicatorInput in;
  if (a.type.empty())
    return absl::InvalidArgumentError("--type is required (or --file)");
  if (a.value.empty())
    return absl::InvalidArgumentError("--value is required (or --file)");
  in.set_type(a.type);
  in.set_value(a.value);
  in.set_tlp(a.tlp);
  in.set_severity(a.severity);
  in.set_description(a.description);
  if (a.confidence >= 0) in.set_confidence(static_cast<uint32_t>(a.confidence));
  for (const auto& t : a.tags) in.add_tags(t);
  for (const auto& s : a.sectors) in.add_sectors(s);
  if (!a.valid_until.empty()) {
    auto t = ParseTime(a.valid_until);
    if (!t.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("--valid-until: ", t.status().message()));
    *in.mutable_valid_until() = ToProto(*t);
  }
  if (!a.valid_from.empty()) {
    auto t = ParseTime(a.valid_from);
    if (!t.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("--valid-from: ", t.status().message()));
    *in.mutable_valid_from() = ToProto(*t);
  }
  return in;
}

absl::string_view OutcomeName(v1::SubmitOutcome o) {
  switch (o) {
    case v1::OUTCOME_CREATED:
      return "created";
    case v1::OUTCOME_MERGED:
      return "merged";
    case v1::OUTCOME_REJECTED:
      return "rejected";
    default:
      return "unknown";
  }
}

int SubmitOne(const CommandContext& ctx, const SubmitArgs& args) {
  auto in = InputFromFlags(args);
  if (!in.ok()) return InputError(ctx, std::string(in.status().message()));
  v1::SubmitRequest req;
  *req.add_items() = *in;
  v1::SubmitResponse resp;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  grpc::Status s = ctx.stubs->indicators->SubmitBatch(&call, req, &resp);
  if (!s.ok()) return ReportRpcError(ctx, "submit", s);
  const v1::SubmitResult& r = resp.results(0);
  if (r.outcome() == v1::OUTCOME_REJECTED) return InputError(ctx, r.error());
  nlohmann::json obj = {{"outcome", OutcomeName(r.outcome())}, {"id", r.id()}};
  for (const auto& w : r.warnings()) {
    obj["warnings"].push_back({{"list", w.list()}, {"detail", w.detail()}});
  }
  formats::IndicatorWriter writer(ctx.format, *ctx.out);
  writer.WriteObject(obj);
  writer.Finish();
  return kExitOk;
}

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::stringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return absl::InvalidArgumentError(
          absl::StrCat("--file: cannot read '", path, "'"));
    buf << in.rdbuf();
  }
  return buf.str();
}

struct Rejection {
  int line;
  std::string where;  // "line N", or the STIX object / MISP attribute
  std::string error;
};

std::string Where(const formats::InputRecord& r) {
  return r.where.empty() ? absl::StrCat("line ", r.line) : r.where;
}

int SubmitFile(const CommandContext& ctx, const SubmitArgs& args) {
  auto content = ReadAll(args.file);
  if (!content.ok())
    return InputError(ctx, std::string(content.status().message()));
  std::string format = args.format;
  if (format == "auto") {
    auto detected = formats::DetectFormat(args.file, *content);
    if (!detected.ok())
      return InputError(ctx, std::string(detected.status().message()));
    format = *detected;
  }
  std::vector<formats::InputRecord> records;
  std::map<std::string, int> skipped;
  if (format == "csv") {
    auto r = formats::ReadCsv(*content);
    if (!r.ok())
      return InputError(ctx,
                        absl::StrCat(args.file, ": ", r.status().message()));
    records = std::move(*r);
  } else if (format == "jsonl") {
    records = formats::ReadJsonl(*content);
  } else if (format == "stix" || format == "misp") {
    auto r = format == "stix" ? formats::ReadStix(*content)
                              : formats::ReadMisp(*content);
    if (!r.ok())
      return InputError(ctx,
                        absl::StrCat(args.file, ": ", r.status().message()));
    records = std::move(r->records);
    skipped = std::move(r->skipped);
  } else {
    return InputError(ctx, absl::StrCat("--format: unknown format '", format,
                                        "' (expected auto, csv, jsonl, stix or "
                                        "misp)"));
  }

  std::vector<Rejection> rejected;
  uint64_t created = 0, merged = 0, revoked = 0;
  std::vector<const formats::InputRecord*> pending;
  ProgressBar progress(ctx.progress ? ctx.err : nullptr, records.size());
  size_t done = 0;
  grpc::Status failure;
  auto flush = [&]() -> bool {
    if (pending.empty()) return true;
    v1::SubmitRequest req;
    for (const auto* rec : pending) *req.add_items() = *rec->input;
    v1::SubmitResponse resp;
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(120));
    failure = ctx.stubs->indicators->SubmitBatch(&call, req, &resp);
    if (!failure.ok()) return false;
    for (const auto& r : resp.results()) {
      if (r.index() >= pending.size()) continue;
      const formats::InputRecord& rec = *pending[r.index()];
      if (r.outcome() == v1::OUTCOME_REJECTED) {
        rejected.push_back({rec.line, Where(rec), r.error()});
      } else if (rec.revoke) {
        // The source marks it revoked: so is it here.
        v1::RevokeRequest revoke;
        revoke.set_id(r.id());
        revoke.set_reason(rec.revoke_reason);
        v1::ChangeResponse changed;
        grpc::ClientContext rcall;
        rcall.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
        failure = ctx.stubs->indicators->Revoke(&rcall, revoke, &changed);
        if (!failure.ok()) return false;
        ++revoked;
      }
    }
    created += resp.created();
    merged += resp.merged();
    done += pending.size();
    progress.Update(done);
    pending.clear();
    return true;
  };
  for (const auto& rec : records) {
    if (!rec.input.ok()) {
      rejected.push_back(
          {rec.line, Where(rec), std::string(rec.input.status().message())});
      progress.Update(++done);
      continue;
    }
    pending.push_back(&rec);
    if (static_cast<int>(pending.size()) >= args.batch_size && !flush()) break;
  }
  if (failure.ok()) flush();
  progress.Finish();
  std::stable_sort(
      rejected.begin(), rejected.end(),
      [](const Rejection& a, const Rejection& b) { return a.line < b.line; });

  nlohmann::json summary = {
      {"file", args.file},  {"format", format}, {"accepted", created + merged},
      {"created", created}, {"merged", merged}, {"rejected", rejected.size()}};
  if (revoked > 0) summary["revoked"] = revoked;
  nlohmann::json errors = nlohmann::json::array();
  const bool by_line = format == "csv" || format == "jsonl";
  for (const auto& r : rejected) {
    nlohmann::json e = {{"line", r.line}, {"error", r.error}};
    if (!by_line) e = {{"where", r.where}, {"error", r.error}};
    errors.push_back(std::move(e));
  }
  std::vector<std::string> skipped_text;
  for (const auto& [what, n] : skipped) {
    skipped_text.push_back(absl::StrCat(what, " ", n));
  }
  if (ctx.format == formats::OutputFormat::kTable) {
    for (const auto& r : rejected)
      *ctx.out << r.where << ": " << r.error << "\n";
    *ctx.out << "accepted " << created + merged << " (created " << created
             << ", merged " << merged << "), rejected " << rejected.size();
    if (revoked > 0) *ctx.out << ", revoked " << revoked;
    *ctx.out << "\n";
    if (!skipped.empty()) {
      *ctx.out << "skipped: " << absl::StrJoin(skipped_text, ", ") << "\n";
    }
  } else {
    if (!skipped.empty()) summary["skipped"] = skipped;
    summary["errors"] = errors;
    formats::IndicatorWriter writer(ctx.format, *ctx.out);
    writer.WriteObject(summary);
    writer.Finish();
  }
  if (!failure.ok()) {
    return ReportRpcError(ctx,
                          absl::StrCat("submit: stopped after ", done, " of ",
                                       records.size(), " lines"),
                          failure);
  }
  if (!rejected.empty()) {
    *ctx.err << "csx: submit: " << rejected.size() << " of " << records.size()
             << (by_line ? " lines" : " records") << " rejected\n";
    return kExitPartial;
  }
  return kExitOk;
}

}  // namespace

int RunSubmit(const CommandContext& ctx, const SubmitArgs& args) {
  if (!args.file.empty()) {
    if (!args.type.empty() || !args.value.empty()) {
      return InputError(ctx, "--file cannot be combined with --type/--value");
    }
    return SubmitFile(ctx, args);
  }
  return SubmitOne(ctx, args);
}

int ReportRpcError(const CommandContext& ctx, const std::string& what,
                   const grpc::Status& s) {
  *ctx.err << "csx: " << what << ": " << s.error_message() << "\n";
  return ExitCodeFor(s);
}

}  // namespace csx::cli
