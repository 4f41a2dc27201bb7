#!/usr/bin/env bash
# Installs the Debian 12 packages Teleport for C++ builds with (idempotent; needs root or sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config python3 curl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libprotobuf-dev protobuf-compiler zlib1g-dev libssl-dev libzstd-dev liblz4-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev libtomlplusplus-dev libpugixml-dev libthrift-dev thrift-compiler
  libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  doxygen groff-base bsdextrautils openssl
  libgrpc++-dev protobuf-compiler-grpc etcd-server etcd-client prometheus
  chromium fonts-liberation fonts-dejavu-core
)
# Node.js and npm build the browser client: Debian's unless the machine already has them (a
# NodeSource nodejs conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || true
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
