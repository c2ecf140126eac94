#include "tests/bench/pause_watch.h"

#include <unistd.h>

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/bench/bench_env.h"

namespace csx::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Steal time of all CPUs from /proc/stat's "cpu" line (8th value), in ms.
double StealMs() {
  const std::string stat = ReadText("/proc/stat");
  absl::string_view line = absl::string_view(stat).substr(0, stat.find('\n'));
  if (!absl::ConsumePrefix(&line, "cpu ")) return -1;
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  uint64_t ticks = 0;
  if (fields.size() < 8 || !absl::SimpleAtoi(fields[7], &ticks)) return -1;
  return 1000.0 * static_cast<double>(ticks) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// PSI: total µs in which some runnable task waited for a CPU, in ms.
double CpuWaitMs() {
  const std::string psi = ReadText("/proc/pressure/cpu");
  const size_t at = psi.find("total=");
  if (!absl::StartsWith(psi, "some") || at == std::string::npos) return -1;
  const size_t end = psi.find_first_of(" \n", at);
  uint64_t us = 0;
  if (!absl::SimpleAtoi(psi.substr(at + 6, end - at - 6), &us)) return -1;
  return static_cast<double>(us) / 1000.0;
}

double Delta(double now, double then) {
  return now < 0 || then < 0 ? -1 : now - then;
}

}  // namespace

PauseWatch::PauseWatch(Clock::time_point start)
    : start_(start),
      steal_ms_at_start_(StealMs()),
      cpu_wait_ms_at_start_(CpuWaitMs()) {
  thread_ = std::thread([this] {
    constexpr auto kTick = std::chrono::milliseconds(1);
    std::this_thread::sleep_until(start_);
    auto due = start_;
    while (!stop_.load(std::memory_order_relaxed)) {
      due += kTick;
      std::this_thread::sleep_until(due);
      const auto now = Clock::now();
      const double late =
          std::chrono::duration<double, std::milli>(now - due).count();
      longest_ms_ = std::max(longest_ms_, late);
      if (late > kLateMs) {
        pauses_.push_back(
            {std::chrono::duration<double, std::milli>(due - start_).count(),
             late});
      }
      if (now > due + kTick) due = now;  // no burst of catch-up ticks
    }
  });
}

PauseWatch::~PauseWatch() {
  if (thread_.joinable()) Stop();
}

PauseWatch::Result PauseWatch::Stop() {
  stop_ = true;
  thread_.join();
  Result result;
  result.pauses = std::move(pauses_);
  result.longest_ms = longest_ms_;
  result.steal_ms = Delta(StealMs(), steal_ms_at_start_);
  result.cpu_wait_ms = Delta(CpuWaitMs(), cpu_wait_ms_at_start_);
  return result;
}

void ReportPauses(Report& report, const std::string& scenario,
                  const PauseWatch::Result& machine) {
  int over5 = 0;
  for (const PauseWatch::Pause& pause : machine.pauses) {
    over5 += pause.late_ms > 5 ? 1 : 0;
  }
  report.AddInfo(scenario, "machine: longest pause ms", machine.longest_ms);
  report.AddInfo(scenario, "machine: pauses over 5 ms", over5);
  report.AddInfo(scenario, "machine: steal ms", machine.steal_ms);
  report.AddInfo(scenario, "machine: cpu wait ms (PSI some)",
                 machine.cpu_wait_ms);
}

std::string PauseLines(const PauseWatch::Result& machine) {
  std::string text;
  for (const PauseWatch::Pause& pause : machine.pauses) {
    absl::StrAppend(&text, absl::StrFormat("# machine pause at %.3f: %.3f\n",
                                           pause.at_ms, pause.late_ms));
  }
  return text;
}

}  // namespace csx::bench
