#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/). Extra arguments go to
# cmake, e.g. scripts/build.sh build-asan -DCSX_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
jobs=${CSX_JOBS:-$(nproc)}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${CSX_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$dir" -j "$jobs"
