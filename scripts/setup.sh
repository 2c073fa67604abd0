#!/usr/bin/env bash
# Installs the Debian packages firstmile builds and tests with. Idempotent: packages that
# are already installed are skipped, and nothing runs when everything is present.
# Usage: scripts/setup.sh [build|test|fuzz|bench]   (default: test)
set -euo pipefail

want=${1:-test}

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libsrt-openssl-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev googletest
  ffmpeg python3 rtmpdump procps prometheus srt-tools
)
fuzz_pkgs=(clang-14 libclang-rt-14-dev llvm-14)
bench_pkgs=(libbenchmark-dev nginx-light libnginx-mod-rtmp procps)

pkgs=("${build_pkgs[@]}")
case "$want" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  fuzz) pkgs+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) pkgs+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "setup.sh: unknown target '$want' (build|test|fuzz|bench|all)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
