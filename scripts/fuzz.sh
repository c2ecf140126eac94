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
failed=0
for name in canonical config csv jsonl stix misp; do
  bin="$dir/tests/fuzz/${name}_fuzz"
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/$name/"
  echo "== fuzz $name (${seconds} s)"
  if ! "$bin" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/fuzz-artifacts/${name}-" \
    "$work/$name" >"$work/$name.log" 2>&1; then
    echo "fuzz $name FAILED:" >&2
    tail -40 "$work/$name.log" >&2
    failed=1
  else
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
