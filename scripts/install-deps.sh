#!/usr/bin/env bash
# Installs what building and testing csirt-exchange needs on Debian 12.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config ccache clang-format openssl sqlite3
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev libsqlite3-dev libsodium-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libidn2-dev libspdlog-dev libgtest-dev libgmock-dev
  libcpp-httplib-dev prometheus-cpp-dev libbenchmark-dev libgoogle-perftools-dev curl
  clang-14 libfuzzer-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
