// Whether the machine itself paused while a phase ran: a thread of the
// benchmark that asks to wake every millisecond and notes each wake-up that
// came late, with the CPU time the hypervisor took from the guest (steal)
// and the time runnable tasks waited for a core (Linux PSI, "some") over
// the same span. A latency tail that lines up with late wake-ups of this
// thread, which does no work, is the machine's, not the node's.
#ifndef CSX_TESTS_BENCH_PAUSE_WATCH_H_
#define CSX_TESTS_BENCH_PAUSE_WATCH_H_

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/report.h"

namespace csx::bench {

class PauseWatch {
 public:
  struct Pause {
    double at_ms;  // when the wake-up was due, from the watch's start
    double late_ms;
  };
  struct Result {
    std::vector<Pause> pauses;  // wake-ups late by more than kLateMs
    double longest_ms = 0;      // how late the latest wake-up came
    double steal_ms = -1;       // -1: not available
    double cpu_wait_ms = -1;    // PSI cpu "some"; -1: not available
  };
  static constexpr double kLateMs = 2;

  // Starts watching at `start` (the phase's time zero).
  explicit PauseWatch(std::chrono::steady_clock::time_point start);
  ~PauseWatch();  // stops
  PauseWatch(const PauseWatch&) = delete;
  PauseWatch& operator=(const PauseWatch&) = delete;

  Result Stop();

 private:
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::vector<Pause> pauses_;  // written by thread_ only
  double longest_ms_ = 0;      // written by thread_ only
  double steal_ms_at_start_, cpu_wait_ms_at_start_;
  std::thread thread_;
};

// Reports, under `scenario`, the longest late wake-up, how many came over
// 5 ms late, and the steal and CPU-wait time of the whole span.
void ReportPauses(Report& report, const std::string& scenario,
                  const PauseWatch::Result& machine);
// "# machine pause at <ms>: <late ms>" lines, for a trace file.
std::string PauseLines(const PauseWatch::Result& machine);

}  // namespace csx::bench

#endif  // CSX_TESTS_BENCH_PAUSE_WATCH_H_
