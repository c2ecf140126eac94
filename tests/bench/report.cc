#include "tests/bench/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace csx::bench {

double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = p / 100.0 * static_cast<double>(samples.size() - 1);
  return samples[static_cast<size_t>(std::llround(rank))];
}

void Report::AddRate(const std::string& scenario, const std::string& metric,
                     double value, double baseline, double target_min) {
  Figure f{scenario, metric, value, "", true, 0};
  if (baseline > 0) f.ratio = value / baseline;
  if (target_min > 0) {
    f.target = absl::StrFormat(">= %.0f", target_min);
    f.met = value >= target_min;
  }
  figures_.push_back(f);
}

void Report::AddMax(const std::string& scenario, const std::string& metric,
                    double value, double target_max) {
  Figure f{scenario, metric, value, "", true, 0};
  if (target_max > 0) {
    f.target = absl::StrFormat("< %g", target_max);
    f.met = value < target_max;
  }
  figures_.push_back(f);
}

void Report::AddInfo(const std::string& scenario, const std::string& metric,
                     double value) {
  figures_.push_back(Figure{scenario, metric, value, "", true, 0});
}

void Report::PrintTable(std::ostream& out) const {
  out << absl::StrFormat("%-12s %-34s %14s %8s %-12s %s\n", "scenario",
                         "metric", "value", "ratio", "target", "");
  for (const Figure& f : figures_) {
    const std::string value = std::fabs(f.value) >= 100
                                  ? absl::StrFormat("%.0f", f.value)
                                  : absl::StrFormat("%.3f", f.value);
    out << absl::StrFormat(
        "%-12s %-34s %14s %8s %-12s %s\n", f.scenario, f.metric, value,
        f.ratio > 0 ? absl::StrFormat("%.2f", f.ratio) : "", f.target,
        f.target.empty() ? "" : (f.met ? "met" : "MISSED"));
  }
}

nlohmann::json Report::ToJson() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const Figure& f : figures_) {
    nlohmann::json row = {
        {"scenario", f.scenario}, {"metric", f.metric}, {"value", f.value}};
    if (f.ratio > 0) row["ratio_to_baseline"] = f.ratio;
    if (!f.target.empty()) {
      row["target"] = f.target;
      row["met"] = f.met;
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace csx::bench
