#!/usr/bin/env bash
# Installs the dependencies, builds, and runs the whole test suite: format
# check, deploy checks, all tests, then all tests again under AddressSanitizer
# and UndefinedBehaviorSanitizer (built with clang, file by file), then a
# short run of every libFuzzer target (CSX_FUZZ_SECONDS each, default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Tools only the checks use: systemd-analyze, compose validation and shell
# lint of deploy/, and the sensors' own checkers for the feed profiles.
extras=()
for p in systemd docker-compose shellcheck bind9utils nftables; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || extras+=("$p")
done
if [ ${#extras[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${extras[@]}"
fi
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
# Cache hits across clones in other directories.
export CCACHE_BASEDIR=$PWD

echo "== format check"
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find . -name '*.cc' -o -name '*.h')
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "format check failed: run clang-format -i on the files above" >&2
  exit 1
fi

echo "== build"
bash scripts/build.sh build
echo "== deploy checks"
bash scripts/check-deploy.sh
echo "== tests"
(cd build && ctest --output-on-failure -j 2 --timeout 600)

# File by file, not in unity batches: a source that misses an include of
# its own, hidden by the batch it is built in above, fails here.
echo "== build (clang, ASan + UBSan, with the libFuzzer targets, file by file)"
CSX_BUILD_TYPE=Debug bash scripts/build.sh build-asan -DCSX_SANITIZE=ON \
  -DCSX_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 -DCSX_UNITY=OFF
echo "== tests (ASan + UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j 2 --timeout 900)
echo "== fuzz"
CSX_FUZZ_SEED=${CSX_FUZZ_SEED:-1} bash scripts/fuzz.sh build-asan "${CSX_FUZZ_SECONDS:-30}"
