// Results of csx-bench: one row per measured figure, printed as a table and
// as JSON.
#ifndef CSX_TESTS_BENCH_REPORT_H_
#define CSX_TESTS_BENCH_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace csx::bench {

struct Figure {
  std::string scenario;  // "ingest"
  std::string metric;    // "indicators/s"
  double value = 0;
  std::string target;  // "≥ 100000" or ""
  bool met = true;     // false when a target is missed
  double ratio = 0;    // to min(transport, storage) baseline; 0 = n/a
};

class Report {
 public:
  void Add(Figure f) { figures_.push_back(std::move(f)); }
  // A throughput figure with its ratio to the baseline rate.
  void AddRate(const std::string& scenario, const std::string& metric,
               double value, double baseline, double target_min);
  // A figure with an upper-bound target (0 = none).
  void AddMax(const std::string& scenario, const std::string& metric,
              double value, double target_max);
  void AddInfo(const std::string& scenario, const std::string& metric,
               double value);

  void PrintTable(std::ostream& out) const;
  nlohmann::json ToJson() const;

 private:
  std::vector<Figure> figures_;
};

// Percentile `p` (0..100) of `samples` (sorted in place).
double Percentile(std::vector<double>& samples, double p);

}  // namespace csx::bench

#endif  // CSX_TESTS_BENCH_REPORT_H_
