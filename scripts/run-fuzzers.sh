#!/usr/bin/env bash
# Runs every fuzz_* target in BUILD_DIR for SECONDS each, starting from its committed seed
# corpus (tests/fuzz/corpus/<name>/). New inputs go to a scratch copy, not to the repository.
# As many targets run at once as there are cores (JOBS to change it); each still gets its
# SECONDS. Exits non-zero if any target finds a crash, a leak or a timeout.
set -euo pipefail
build=${1:?build dir}
seconds=${2:-20}
jobs=${JOBS:-$(nproc)}
src=$(cd "$(dirname "$0")/.." && pwd)
work="$build/fuzz-work"
mkdir -p "$work"
shopt -s nullglob

# One target: its result goes to $work/<name>.status (0 or 1), its output to $work/<name>.log.
run_one() {
  local bin=$1 name=${1##*/fuzz_}
  local corpus="$work/corpus-$name"
  rm -rf "$corpus" && mkdir -p "$corpus"
  [[ -d "$src/tests/fuzz/corpus/$name" ]] && cp -r "$src/tests/fuzz/corpus/$name/." "$corpus/"
  if timeout $((seconds + 60)) "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -artifact_prefix="$work/$name-" "$corpus" >"$work/$name.log" 2>&1; then
    echo 0 >"$work/$name.status"
  else
    echo 1 >"$work/$name.status"
  fi
}

names=()
for bin in "$build"/fuzz_*; do
  [[ -x $bin && -f $bin ]] || continue
  name=${bin##*/fuzz_}
  names+=("$name")
  rm -f "$work/$name.status"
  echo "fuzz: $name for ${seconds}s"
  run_one "$bin" &
  # At most $jobs at once: wait for one to finish before starting the next.
  while (($(jobs -rp | wc -l) >= jobs)); do
    wait -n || true
  done
done
wait

failed=0
for name in "${names[@]}"; do
  if [[ $(cat "$work/$name.status" 2>/dev/null) != 0 ]]; then
    echo "fuzz: $name FAILED (log: $work/$name.log)"
    tail -n 40 "$work/$name.log"
    failed=1
  else
    echo "fuzz: $name $(grep -E '^#[0-9]+.*(DONE|pulse)' "$work/$name.log" | tail -n 1 || true)"
  fi
done
exit $failed
