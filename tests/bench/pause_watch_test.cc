#include "tests/bench/pause_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace csx::bench {
namespace {

using ::testing::HasSubstr;

// The value of `metric` in `report` (-1 when it has none).
double Value(const Report& report, const std::string& metric) {
  for (const auto& row : report.ToJson()) {
    if (row["metric"] == metric) return row["value"].get<double>();
  }
  return -1;
}

TEST(PauseWatchTest, AStopOfTheWholeProcessIsReportedAsAPause) {
  PauseWatch watch(std::chrono::steady_clock::now());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // A child stops this process for 40 ms, as a host that does not run the
  // guest would: no thread of it runs meanwhile.
  const pid_t self = getpid();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    kill(self, SIGSTOP);
    const timespec stopped = {0, 40 * 1000 * 1000};
    nanosleep(&stopped, nullptr);
    kill(self, SIGCONT);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const PauseWatch::Result machine = watch.Stop();

  EXPECT_GE(machine.longest_ms, 30);
  Report report;
  ReportPauses(report, "unary", machine);
  EXPECT_GE(Value(report, "machine: longest pause ms"), 30);
  EXPECT_GE(Value(report, "machine: pauses over 5 ms"), 1);
  EXPECT_THAT(PauseLines(machine), HasSubstr("# machine pause at "));
}

TEST(PauseWatchTest, CountsOnlyThePausesOverFiveMilliseconds) {
  PauseWatch::Result machine;
  machine.pauses = {{10, 2.5}, {20, 6}, {30, 12}};
  machine.longest_ms = 12;
  machine.steal_ms = 40;
  machine.cpu_wait_ms = 7;
  Report report;
  ReportPauses(report, "query", machine);
  EXPECT_EQ(Value(report, "machine: pauses over 5 ms"), 2);
  EXPECT_EQ(Value(report, "machine: longest pause ms"), 12);
  EXPECT_EQ(Value(report, "machine: steal ms"), 40);
  EXPECT_EQ(Value(report, "machine: cpu wait ms (PSI some)"), 7);
  EXPECT_EQ(PauseLines(machine),
            "# machine pause at 10.000: 2.500\n"
            "# machine pause at 20.000: 6.000\n"
            "# machine pause at 30.000: 12.000\n");
}

}  // namespace
}  // namespace csx::bench
