// How fast csx reads the files analysts submit: a generated STIX 2.1 bundle,
// and the same indicators as CSV and as JSON lines, each parsed in this
// process (the reading csx does before it streams anything), the best of
// three passes. No node is involved.
#include <algorithm>
#include <chrono>
#include <functional>

#include "absl/strings/str_cat.h"
#include "client/formats/csv_reader.h"
#include "client/formats/jsonl_reader.h"
#include "client/formats/stix_reader.h"
#include "tests/bench/scenarios.h"

namespace csx::bench {
namespace {

struct Files {
  std::string stix, csv, jsonl;
  size_t count = 0;
};

// About `bytes` of STIX bundle, one domain indicator per object, and the
// same indicators as CSV and JSON lines.
Files MakeFiles(size_t bytes) {
  Files f;
  f.stix = R"({"type":"bundle","objects":[)";
  f.csv = "type,value,tlp,tags\n";
  while (f.stix.size() < bytes) {
    const size_t i = f.count++;
    if (i > 0) f.stix += ",";
    absl::StrAppend(
        &f.stix,
        R"({"type":"indicator","spec_version":"2.1","id":"indicator--)", i,
        R"(","pattern":"[domain-name:value = 'host)", i,
        R"(.bench.example']","pattern_type":"stix",)",
        R"("valid_from":"2024-01-01T00:00:00Z","labels":["bulk"]})");
    absl::StrAppend(&f.csv, "domain,host", i, ".bench.example,green,bulk\n");
    absl::StrAppend(&f.jsonl, R"({"type":"domain","value":"host)", i,
                    R"(.bench.example","tlp":"green","tags":["bulk"]})", "\n");
  }
  f.stix += "]}";
  return f;
}

// Records/s of the best of three runs of `read`, which returns how many
// records it read; an error if a run reads other than `want`.
absl::StatusOr<double> BestRate(const std::function<size_t()>& read,
                                size_t want) {
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    const size_t got = read();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (got != want) {
      return absl::InternalError(
          absl::StrCat("read ", got, " records of ", want));
    }
    best = std::max(best, static_cast<double>(want) / std::max(s, 1e-9));
  }
  return best;
}

}  // namespace

absl::Status RunImport(Context& ctx) {
  const Files f = MakeFiles(ctx.options.import_bytes);
  const std::string size =
      absl::StrCat(" (", f.count, " in ", f.stix.size() / 1024, " KB of STIX)");
  auto stix = BestRate(
      [&] {
        auto r = formats::ReadStix(f.stix);
        return r.ok() ? r->records.size() : 0;
      },
      f.count);
  if (!stix.ok()) return stix.status();
  auto csv = BestRate(
      [&] {
        auto r = formats::ReadCsv(f.csv);
        return r.ok() ? r->size() : 0;
      },
      f.count);
  if (!csv.ok()) return csv.status();
  auto jsonl =
      BestRate([&] { return formats::ReadJsonl(f.jsonl).size(); }, f.count);
  if (!jsonl.ok()) return jsonl.status();
  ctx.report->AddInfo("import", "STIX objects/s" + size, *stix);
  ctx.report->AddInfo("import", "CSV rows/s", *csv);
  ctx.report->AddInfo("import", "JSON lines/s", *jsonl);
  return absl::OkStatus();
}

}  // namespace csx::bench
