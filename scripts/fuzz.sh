#!/usr/bin/env bash
# Runs every libFuzzer target of BUILD_DIR (built with -DCSX_FUZZ=ON) for
# SECONDS each, starting from a copy of its checked-in corpus
# (tests/fuzz/corpus/NAME), so that the run leaves the tree as it was.
#
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS]      (default build-asan, 30)
#
# CSX_FUZZ_SEED fixes libFuzzer's seed (CI uses 1, so that the same tree
# explores the same inputs); 0, the default here, is a new random seed each
# run: use it with a long run (scripts/fuzz.sh build-asan 600) to find new
# bugs.
# A crash, leak or timeout fails the run; the input that caused it is
# copied to BUILD_DIR/fuzz-artifacts/ and its name printed. Turn it into a
# regression test (a case of the parser's unit test) when fixing the bug.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
seconds=${2:-30}
seed=${CSX_FUZZ_SEED:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir/fuzz-artifacts"
# One target per core at a time (CSX_FUZZ_JOBS, default nproc): each
# libFuzzer run is single-threaded.
jobs=${CSX_FUZZ_JOBS:-$(nproc)}
targets=(canonical config csv jsonl stix misp)
run_one() {
  local name=$1 rc=0
  "$dir/tests/fuzz/${name}_fuzz" -seed="$seed" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$dir/fuzz-artifacts/${name}-" "$work/$name" >"$work/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$name.rc"
}
running=0
for name in "${targets[@]}"; do
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/$name/"
  echo "== fuzz $name (${seconds} s)"
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
failed=0
for name in "${targets[@]}"; do
  if [ "$(cat "$work/$name.rc")" != 0 ]; then
    echo "fuzz $name FAILED:" >&2
    tail -40 "$work/$name.log" >&2
    failed=1
  else
    echo -n "$name: "
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$work/$name.log" |
      tr '\n' ' '
    echo
  fi
done
if [ $failed -ne 0 ]; then
  echo "fuzz: failures; inputs in $dir/fuzz-artifacts/" >&2
  exit 1
fi
echo "fuzz: all targets ran ${seconds} s without a failure"
