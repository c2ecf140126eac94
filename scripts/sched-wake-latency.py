#!/usr/bin/env python3
"""How long an idle CPU took to start running a task that was woken, inside
and outside given windows of a benchmark phase.

A latency tail can be the node's (its threads busy, or waiting on a lock or
the disk) or the machine's: on a virtual machine, an idle vCPU is halted,
and the host may take long to run it again when a timer or another CPU
wakes a task on it. This tells them apart from a scheduler trace:

  perf record -k mono -e sched:sched_switch -e sched:sched_wakeup -a \\
      -o sched.data -- build/tests/bench/csx-bench --scenarios ingest,unary \\
      --unary-trace unary.tsv
  perf script -i sched.data -F cpu,time,event,trace > sched.txt
  scripts/sched-wake-latency.py sched.txt unary.tsv 887.8-960

The windows are in ms from the phase's start, as in the trace file (its
first line gives the start on CLOCK_MONOTONIC, the clock of `-k mono`).
"""
import argparse
import re
import sys

EVENT = re.compile(r"\s*\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)")
WAKEUP = re.compile(r"pid=(\d+)")
SWITCH = re.compile(r"prev_pid=(\d+).*==> next_comm=.+? next_pid=(\d+)")


def phase_start(trace_path):
    with open(trace_path) as trace:
        first = trace.readline().split()
    if first[:2] != ["#", "start"]:
        sys.exit(f"{trace_path}: no '# start' line")
    return float(first[2])


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("perf_script", help="output of perf script -F cpu,time,event,trace")
    parser.add_argument("trace", help="csx-bench --unary-trace or --query-trace file")
    parser.add_argument("windows", nargs="+", help="LO-HI in ms from the phase's start")
    args = parser.parse_args()
    start = phase_start(args.trace)
    windows = [tuple(map(float, w.split("-"))) for w in args.windows]
    woken = {}  # tid -> ms of its last wake-up
    inside, outside = [], []
    with open(args.perf_script) as events:
        for line in events:
            m = EVENT.match(line)
            if not m:
                continue
            ms = (float(m.group(2)) - start) * 1000
            if "sched_wakeup" in m.group(3):
                w = WAKEUP.search(m.group(4))
                if w:
                    woken[w.group(1)] = ms
                continue
            s = SWITCH.search(m.group(4))
            # An idle CPU (pid 0) starting a task that was woken.
            if not s or s.group(1) != "0" or s.group(2) not in woken:
                continue
            delay = ms - woken.pop(s.group(2))
            in_window = any(lo <= ms <= hi for lo, hi in windows)
            (inside if in_window else outside).append(delay)
    for name, values in (("inside the windows", inside), ("elsewhere", outside)):
        print(f"{name}: {len(values)} wake-ups of an idle CPU, ms to run: "
              f"p50 {percentile(values, 50):.3f} p90 {percentile(values, 90):.3f} "
              f"p99 {percentile(values, 99):.3f}")


if __name__ == "__main__":
    main()
