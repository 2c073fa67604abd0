#!/usr/bin/env bash
# Runs every fuzz_* target in BUILD_DIR for SECONDS each, starting from its committed seed
# corpus (tests/fuzz/corpus/<name>/). New inputs go to a scratch copy, not to the repository.
# Exits non-zero if any target finds a crash, a leak or a timeout.
set -euo pipefail
build=${1:?build dir}
seconds=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
work="$build/fuzz-work"
failed=0
shopt -s nullglob
for bin in "$build"/fuzz_*; do
  [[ -x $bin && -f $bin ]] || continue
  name=${bin##*/fuzz_}
  corpus="$work/corpus-$name"
  rm -rf "$corpus" && mkdir -p "$corpus"
  [[ -d "$src/tests/fuzz/corpus/$name" ]] && cp -r "$src/tests/fuzz/corpus/$name/." "$corpus/"
  echo "fuzz: $name for ${seconds}s"
  if ! timeout $((seconds + 60)) "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -artifact_prefix="$work/$name-" "$corpus" >"$work/$name.log" 2>&1; then
    echo "fuzz: $name FAILED (log: $work/$name.log)"
    tail -n 40 "$work/$name.log"
    failed=1
  else
    grep -E '^#[0-9]+.*(DONE|pulse)' "$work/$name.log" | tail -n 1 || true
  fi
done
exit $failed
