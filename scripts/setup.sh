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
  libavcodec-dev libavutil-dev zlib1g-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev googletest
  ffmpeg python3 rtmpdump procps prometheus srt-tools iproute2 nftables
  chromium
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp python3-gi gir1.2-gst-rtsp-server-1.0
  awscli nginx-light
)
fuzz_pkgs=(clang-14 libclang-rt-14-dev llvm-14)
bench_pkgs=(libbenchmark-dev libnginx-mod-rtmp procps)

pkgs=("${build_pkgs[@]}")
case "$want" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  fuzz) pkgs+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) pkgs+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "setup.sh: unknown target '$want' (build|test|fuzz|bench|all)" >&2; exit 2 ;;
esac

# Browser tests (tests/browser/) drive Chromium with node; a machine without node gets Debian's.
if [[ $want != build ]] && ! command -v node >/dev/null; then
  pkgs+=(nodejs npm)
fi

# npm packages of the tests, each directory pinned by its package-lock.json: tests/browser
# (hls.js, dash.js, Shaka Player, playwright-core) and tests/s3 (s3rver, the S3-compatible
# store). Installed again only when node_modules is missing or older than the lock file.
npm_ci() {
  [[ $want == build ]] && return 0
  local root dir
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in "$root/tests/browser" "$root/tests/s3"; do
    [[ -f $dir/package-lock.json ]] || continue
    if [[ ! -d $dir/node_modules || $dir/package-lock.json -nt $dir/node_modules ]]; then
      echo "setup: npm ci in ${dir#"$root"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
      touch "$dir/node_modules"
    fi
  done
}

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  npm_ci
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_ci
echo "setup: done"
