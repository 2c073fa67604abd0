#!/usr/bin/env bash
# RTMP fan-out benchmark: one publisher and N players (bench/rtmp_load.cpp, one process) against
# firstmile (its default, then throughput mode with fanout.coalesce=COALESCE_MS) and against nginx
# with Debian's libnginx-mod-rtmp. The server runs alone on core 0, the load generator on core 1.
# Prints a markdown table; the JSON of each run is kept in RESULTS_DIR.
#
# Usage: bench/run.sh BUILD_DIR
# Environment (defaults): PLAYERS=1000 VIDEO_KBPS=500 AUDIO_KBPS=64 DURATION=30 RAMP_RATE=200
#   COALESCE_MS=100 SERVERS="nginx firstmile firstmile-throughput" RESULTS_DIR=(new /tmp dir)
#   (SERVERS may also name firstmile-coalesce-N: firstmile with fanout.coalesce N ms, and
#   firstmile-baseline: the firstmile binary BASELINE names, default config, to compare a change
#   against the build before it in the same run, and firstmile-rtsp: firstmile's default with
#   the players playing over RTSP (RTP interleaved over TCP; the publisher stays on RTMP), to
#   compare RTSP with RTMP fan-out at the same count and bit rate)
#   REPEAT=1 (runs of each server, interleaved; the table shows each server's median run)
#   NICE=-10 (as root, server and load generator run at this nice level so that other work on a
#   shared machine does not take their core away mid-measurement; NICE=0 disables it)
# See docs/benchmarks.md for what is measured and how.
set -euo pipefail

build=$(realpath "${1:?usage: bench/run.sh BUILD_DIR}")
players=${PLAYERS:-1000}
video_kbps=${VIDEO_KBPS:-500}
audio_kbps=${AUDIO_KBPS:-64}
duration=${DURATION:-30}
ramp_rate=${RAMP_RATE:-200}
coalesce_ms=${COALESCE_MS:-100}
servers=${SERVERS:-nginx firstmile firstmile-throughput}
repeat=${REPEAT:-1}
nice_level=${NICE:--10}
[[ $(id -u) -eq 0 ]] || nice_level=0
results=${RESULTS_DIR:-$(mktemp -d /tmp/firstmile-bench-results.XXXXXX)}
mkdir -p "$results"

load="$build/rtmp_load"
firstmile="$build/firstmile"
nginx_module=/usr/lib/nginx/modules/ngx_rtmp_module.so
for f in "$load" "$firstmile"; do
  [[ -x $f ]] || { echo "run.sh: $f not built (cmake --build $build)" >&2; exit 2; }
done
[[ $(nproc) -ge 2 ]] || echo "run.sh: fewer than 2 cores: server and load generator will share one" >&2

tmp=$(mktemp -d /tmp/firstmile-bench.XXXXXX)
started=()  # PIDs of the `timeout` wrappers we started
cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1000 players need 1000+ descriptors in the server and in the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ $(ulimit -n) -lt $((players + 100)) ]]; then
  echo "run.sh: open-file limit $(ulimit -n) is below $((players + 100))" >&2
  exit 2
fi

# Bound on one load run, and on a server's whole life.
load_limit=$(awk -v n="$players" -v r="$ramp_rate" -v d="$duration" 'BEGIN { printf "%d", 90 + n / r + d }')
server_limit=$((load_limit + 30))

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something listens on 127.0.0.1:$1 (without connecting, so the server sees no
# stray client); fails if the wrapper $2 exits first.
wait_listen() {
  for _ in $(seq 100); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Starts "$@" on core 0 under `timeout`; sets server_wrapper (the timeout process, which we
# kill) and server_pid (the server itself, its child, which we measure).
start_server() {
  local log=$1
  shift
  timeout -s KILL "$server_limit" nice -n "$nice_level" taskset -c 0 "$@" >"$log" 2>&1 &
  server_wrapper=$!
  started+=("$server_wrapper")
  server_pid=""
  for _ in $(seq 50); do
    server_pid=$(pgrep -P "$server_wrapper" || true)
    [[ -n $server_pid ]] && break
    sleep 0.1
  done
  [[ -n $server_pid ]] || { echo "run.sh: server did not start: $*" >&2; cat "$log" >&2; return 1; }
}

stop_server() {
  kill "$server_wrapper" 2>/dev/null || true
  wait "$server_wrapper" 2>/dev/null || true
}

run_one() {  # name mode start-function
  local name=$1 mode=$2 port load_before
  port=$(free_port)
  server_log="$tmp/$name.log"
  "$3" "$port" || return 1
  if ! wait_listen "$port" "$server_wrapper"; then
    echo "run.sh: $name is not listening on $port" >&2
    cat "$server_log" >&2
    stop_server
    return 1
  fi
  echo "run.sh: $name ($mode): $players players, ${video_kbps}+${audio_kbps} kb/s, ${duration}s window" >&2
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  local status=0
  timeout -s KILL "$load_limit" nice -n "$nice_level" taskset -c 1 "$load" --port "$port" --players "$players" \
    --ramp-rate "$ramp_rate" --duration "$duration" --video-kbps "$video_kbps" \
    --audio-kbps "$audio_kbps" --server-pid "$server_pid" ${load_extra:-} >"$results/$name.json" || status=$?
  load_extra=
  # Still alive after the load? A crash shows up here rather than as odd numbers.
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: $name exited during the run; its log:" >&2
    tail -20 "$server_log" >&2
    status=1
  fi
  stop_server
  cp "$server_log" "$results/$name.log" 2>/dev/null || true
  printf '%s\n%s\n%s\n' "$mode" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" >"$results/$name.mode"
  [[ $status -eq 0 ]] || echo "run.sh: $name: load generator exit status $status" >&2
}

start_nginx() {
  local dir="$tmp/nginx"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
load_module $nginx_module;
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $((players * 2 + 100));
pid $dir/nginx.pid;
error_log stderr warn;
events { worker_connections $((players + 100)); }
rtmp {
  server {
    listen 127.0.0.1:$1;
    chunk_size 4096;
    application live { live on; }
  }
}
EOF
  start_server "$server_log" nginx -p "$dir" -e stderr -c "$dir/nginx.conf"
}

firstmile_config() {  # port [coalesce-ms; default: the server's own default] [rtsp-port]
  local rtsp_enabled=false
  [[ -z ${3:-} ]] || rtsp_enabled=true
  cat <<EOF
workers: 1
log:
  level: warn
rtmp:
  listen: "127.0.0.1:$1"
rtsp:
  enabled: $rtsp_enabled
  listen: "127.0.0.1:${3:-8554}"
http:
  enabled: false
hls:
  enabled: false
EOF
  [[ -z ${2:-} ]] || printf 'fanout:\n  coalesce: %sms\n' "$2"
}

start_firstmile() {
  firstmile_config "$1" >"$tmp/firstmile.yaml"
  start_server "$server_log" "$firstmile" --config "$tmp/firstmile.yaml"
}

start_firstmile_rtsp() {  # the players play over RTSP on a second port
  local rtsp_port
  rtsp_port=$(free_port)
  firstmile_config "$1" "" "$rtsp_port" >"$tmp/firstmile-rtsp.yaml"
  load_extra="--rtsp-port $rtsp_port"
  start_server "$server_log" "$firstmile" --config "$tmp/firstmile-rtsp.yaml"
}

start_firstmile_throughput() {
  firstmile_config "$1" "$coalesce_ms" >"$tmp/firstmile-throughput.yaml"
  start_server "$server_log" "$firstmile" --config "$tmp/firstmile-throughput.yaml"
}

start_firstmile_baseline() {
  firstmile_config "$1" >"$tmp/firstmile-baseline.yaml"
  start_server "$server_log" "$baseline" --config "$tmp/firstmile-baseline.yaml"
}

start_firstmile_coalesce() {  # port; coalesce from $coalesce_this
  firstmile_config "$1" "$coalesce_this" >"$tmp/firstmile-$coalesce_this.yaml"
  start_server "$server_log" "$firstmile" --config "$tmp/firstmile-$coalesce_this.yaml"
}

for r in $(seq "$repeat"); do
  for s in $servers; do
    case $s in
      nginx)
        [[ -f $nginx_module ]] || { echo "run.sh: $nginx_module missing (scripts/setup.sh bench)" >&2; continue; }
        run_one "nginx.$r" "nginx-rtmp 1.2.2, live on" start_nginx ;;
      firstmile) run_one "firstmile.$r" "default (coalesce 10 ms)" start_firstmile ;;
      firstmile-rtsp) run_one "firstmile-rtsp.$r" "default, RTSP players" start_firstmile_rtsp ;;
      firstmile-throughput)
        run_one "firstmile-throughput.$r" "coalesce ${coalesce_ms} ms" start_firstmile_throughput ;;
      firstmile-baseline)
        baseline=$(realpath "${BASELINE:?firstmile-baseline needs BASELINE=path/to/firstmile}")
        [[ -x $baseline ]] || { echo "run.sh: BASELINE $baseline is not executable" >&2; exit 2; }
        run_one "firstmile-baseline.$r" "$baseline, default" start_firstmile_baseline ;;
      firstmile-coalesce-*)
        coalesce_this=${s#firstmile-coalesce-}
        run_one "$s.$r" "coalesce ${coalesce_this} ms" start_firstmile_coalesce ;;
      *) echo "run.sh: unknown server '$s'" >&2; exit 2 ;;
    esac
  done
done

echo "run.sh: JSON results in $results" >&2
python3 - "$results" "$repeat" $servers <<'EOF'
import json, os, sys
results, repeat, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def load(name):
    try:
        r = json.load(open(os.path.join(results, name + ".json")))
        mode, before, after = open(os.path.join(results, name + ".mode")).read().splitlines()[:3]
    except (OSError, ValueError):
        return None
    r["_mode"], r["_load"] = mode, (before, after)
    return r

runs = {n: [r for r in (load(f"{n}.{i}") for i in range(1, repeat + 1)) if r] for n in names}
cpu = lambda r: r.get("server_cpu_us_per_mb", 0)
median_run = {n: sorted(rs, key=cpu)[(len(rs) - 1) // 2] for n, rs in runs.items() if rs}
base = cpu(median_run["nginx"]) if "nginx" in median_run else None

print("| server | mode | players (got a keyframe) | CPU µs per delivered MB | RSS KB per player "
      "| first frame ms, median / p99 | added delay ms, median / p99 (video; audio) "
      "| delivered / sent bytes | players with every frame | CPU/MB vs nginx-rtmp |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n in names:
    r = median_run.get(n)
    if r is None:
        print(f"| {n} | (no result) | | | | | | | | |")
        continue
    c = f"{cpu(r):,.0f}"
    if len(runs[n]) > 1:
        c += f" ({min(map(cpu, runs[n])):,.0f}–{max(map(cpu, runs[n])):,.0f})"
    ratio = f"{cpu(r) / base:.2f}×" if base else "–"
    if base and n != "nginx" and len(runs[n]) > 1:
        paired = [cpu(x) / cpu(y) for x, y in zip(runs[n], runs["nginx"]) if cpu(y)]
        if paired:
            ratio += f" ({min(paired):.2f}–{max(paired):.2f})"
    ff, d, dl = r["first_keyframe_ms"], r["added_delay_ms"], r["delivery"]
    a = r.get("audio_added_delay_ms")
    audio = f"; {a['median']:.1f} / {a['p99']:.1f}" if a else ""
    note = f" ({r['error']})" if "error" in r else ""
    print(f"| {n} | {r['_mode']}{note} | {r['players_requested']} ({r['players_with_keyframe']}) | {c} "
          f"| {r.get('server_rss_kb_per_player', 0):.1f} | {ff['median']:.0f} / {ff['p99']:.0f} "
          f"| {d['median']:.1f} / {d['p99']:.1f}{audio} | {dl['media_bytes_ratio']:.4f} "
          f"| {dl['players_every_frame']} | {ratio} |")
if "firstmile" in runs and "firstmile-rtsp" in runs:
    paired = [cpu(x) / cpu(y) for x, y in zip(runs["firstmile-rtsp"], runs["firstmile"]) if cpu(y)]
    if paired:
        paired.sort()
        print(f"\nRTSP players against RTMP players, CPU per delivered MB, same round: median "
              f"{paired[(len(paired) - 1) // 2]:.2f}× (range {paired[0]:.2f}–{paired[-1]:.2f}, "
              f"{len(paired)} rounds)")
loads = [x["_load"][0] for rs in runs.values() for x in rs]
print(f"\n{sum(map(len, runs.values()))} runs; median run per server shown"
      + (", CPU range and paired ratios (same round) in parentheses" if repeat > 1 else "")
      + f"; load average (1/5/15 min) before each run: {'; '.join(loads)}")
EOF
