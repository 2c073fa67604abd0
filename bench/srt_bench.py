#!/usr/bin/env python3
"""SRT benchmark: (1) ingest, N ffmpeg publishers over SRT into HLS, against the same N over
RTMP in the same run: server CPU per stream and per ingested megabyte; (2) SRT play fan-out:
one RTMP publisher, M SRT players from one process (bench/srt_load), against M RTMP players
(bench/rtmp_load, same bit rate) in the same run: server CPU per delivered megabyte and memory
per player.

The server runs alone on core 0 (one worker), the clients on core 1. Results: a markdown
table on stdout and the raw numbers in bench/out/srt-<time>.json.

Usage: bench/srt_bench.py BUILD_DIR [--streams 10] [--players 50] [--duration 20]
(Each SRT caller in the load generator has its own UDP socket and libsrt threads: past ~100
players on one core the load generator, not the server, is the limit.)
See docs/benchmarks.md ("SRT") for what is measured and the recorded numbers."""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_us(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1_000_000 // os.sysconf("SC_CLK_TCK")


def make_clip(out_dir, seconds=30):
    path = os.path.join(out_dir, f"srt-bench-{seconds}s.ts")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
                        "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
                        "-b:v", "2000k", "-maxrate", "2000k", "-bufsize", "2000k", "-c:a", "aac", "-b:a", "128k",
                        "-f", "mpegts", path + ".tmp"], check=True, timeout=600)
        os.replace(path + ".tmp", path)
    return path


class Server:
    def __init__(self, build, tmp, limit):
        self.rtmp, self.srt, self.http = free_port(), free_port(socket.SOCK_DGRAM), free_port()
        self.config = os.path.join(tmp, "firstmile.yaml")
        with open(self.config, "w") as f:
            f.write(f"""workers: 1
log:
  level: warn
rtmp:
  listen: "127.0.0.1:{self.rtmp}"
srt:
  listen: "127.0.0.1:{self.srt}"
rtsp:
  enabled: false
http:
  listen: "127.0.0.1:{self.http}"
limits:
  max_connections: 5000
""")
        self.log = open(os.path.join(tmp, "server.log"), "w")
        self.proc = subprocess.Popen(["timeout", "-s", "KILL", str(limit), "taskset", "-c", "0",
                                      os.path.join(build, "firstmile"), "--config", self.config],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = None
        for _ in range(100):
            kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
            if kids and self.api("/server") is not None:
                self.pid = int(kids[0])
                break
            time.sleep(0.1)
        if self.pid is None:
            raise RuntimeError("server did not start")

    def api(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/api/v1{path}", timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            return None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def clients(cmds, tmp, limit):
    procs = []
    for i, cmd in enumerate(cmds):
        log = open(os.path.join(tmp, f"client{i}.log"), "w")
        procs.append((subprocess.Popen(["timeout", "-k", "5", str(limit), "taskset", "-c", "1"] + cmd,
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log))
    return procs


def stop_clients(procs):
    for p, _ in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p, log in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()


def ingest(build, proto, streams, duration, clip):
    with tempfile.TemporaryDirectory(prefix=f"srt-bench-{proto}-") as tmp:
        srv = Server(build, tmp, duration + 120)
        try:
            cmds = []
            for i in range(streams):
                src = ["ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy"]
                if proto == "srt":
                    cmds.append(src + ["-f", "mpegts",
                                       f"srt://127.0.0.1:{srv.srt}?streamid=publish:live/s{i}&pkt_size=1316"])
                else:
                    cmds.append(src + ["-f", "flv", f"rtmp://127.0.0.1:{srv.rtmp}/live/s{i}"])
            procs = clients(cmds, tmp, duration + 90)
            try:
                deadline = time.time() + 30
                while time.time() < deadline:
                    live = [s for s in (srv.api("/streams") or {}).get("streams", []) if s.get("live")]
                    if len(live) == streams:
                        break
                    time.sleep(0.5)
                else:
                    raise RuntimeError(f"{proto}: only {len(live)} of {streams} streams went live")
                time.sleep(5)  # every stream past its first segment
                bytes0 = sum(s["bytes_in"] for s in srv.api("/streams")["streams"])
                cpu0, t0 = cpu_us(srv.pid), time.monotonic()
                time.sleep(duration)
                cpu1, t1 = cpu_us(srv.pid), time.monotonic()
                info = srv.api("/streams")["streams"]
                bytes1 = sum(s["bytes_in"] for s in info)
                segments_ok = all(s.get("live") for s in info)
            finally:
                stop_clients(procs)
            cpu = cpu1 - cpu0
            mb = (bytes1 - bytes0) / 1e6
            return {"protocol": proto, "streams": streams, "window_s": t1 - t0,
                    "server_cpu_pct": cpu / ((t1 - t0) * 1e4),
                    "cpu_pct_per_stream": cpu / ((t1 - t0) * 1e4) / streams,
                    "ingest_mbit_s": mb * 8 / (t1 - t0), "server_cpu_us_per_mb": cpu / mb if mb else 0,
                    "all_live": segments_ok}
        finally:
            srv.stop()


def fanout(build, players, duration, clip):
    proto = "srt"
    with tempfile.TemporaryDirectory(prefix=f"srt-bench-play-{proto}-") as tmp:
        srv = Server(build, tmp, duration + 180)
        try:
            pub = clients([["ffmpeg", "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", clip,
                            "-c", "copy", "-f", "flv", f"rtmp://127.0.0.1:{srv.rtmp}/live/bench"]], tmp,
                          duration + 150)
            try:
                deadline = time.time() + 20
                while not (srv.api("/streams/live/bench") or {}).get("live"):
                    if time.time() > deadline:
                        raise RuntimeError("publisher did not go live")
                    time.sleep(0.2)
                cmd = [os.path.join(build, "srt_load"), "--port", str(srv.srt), "--streamid",
                       "read:live/bench", "--players", str(players), "--duration", str(duration),
                       "--server-pid", str(srv.pid)]
                r = subprocess.run(["taskset", "-c", "1"] + cmd, capture_output=True, text=True,
                                   timeout=duration + 120)
                if r.returncode != 0:
                    return {"protocol": proto, "error": r.stderr.strip()[-500:] or f"exit {r.returncode}"}
                out = json.loads(r.stdout.strip().splitlines()[-1])
                out["protocol"] = proto
                return out
            finally:
                stop_clients(pub)
        finally:
            srv.stop()


def rtmp_fanout(build, players, duration, kbps):
    """The same measurement for RTMP players (bench/rtmp_load brings its own publisher)."""
    with tempfile.TemporaryDirectory(prefix="srt-bench-play-rtmp-") as tmp:
        srv = Server(build, tmp, duration + 180)
        try:
            cmd = [os.path.join(build, "rtmp_load"), "--port", str(srv.rtmp), "--players", str(players),
                   "--duration", str(duration), "--server-pid", str(srv.pid), "--video-kbps", str(kbps - 128),
                   "--audio-kbps", "128"]
            r = subprocess.run(["taskset", "-c", "1"] + cmd, capture_output=True, text=True, timeout=duration + 120)
            if r.returncode != 0:
                return {"protocol": "rtmp", "error": r.stderr.strip()[-500:] or f"exit {r.returncode}"}
            d = json.loads(r.stdout.strip().splitlines()[-1])
            return {"protocol": "rtmp", "players_connected": d["players_with_keyframe"], "players_broken":
                    len(d["player_errors"]), "delivered_mbit_s": d["wire_bytes_window"] * 8 / 1e6 / d["window_s"],
                    "server_cpu_pct": d["server_cpu_pct"], "server_cpu_us_per_mb": d["server_cpu_us_per_mb"],
                    "server_kb_per_player": d["server_rss_kb_per_player"]}
        finally:
            srv.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--streams", type=int, default=10)
    ap.add_argument("--players", type=int, default=50)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-play", action="store_true")
    a = ap.parse_args()
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    clip = make_clip(out_dir)
    results = {"ingest": [], "play": []}
    if not a.skip_ingest:
        for proto in ("srt", "rtmp"):
            print(f"srt_bench: ingest {proto}, {a.streams} streams, {a.duration} s window", file=sys.stderr)
            results["ingest"].append(ingest(a.build, proto, a.streams, a.duration, clip))
    if not a.skip_play:
        print(f"srt_bench: SRT play, {a.players} players, {a.duration} s window", file=sys.stderr)
        results["play"].append(fanout(a.build, a.players, a.duration, clip))
        print(f"srt_bench: RTMP play (rtmp_load), {a.players} players", file=sys.stderr)
        results["play"].append(rtmp_fanout(a.build, a.players, a.duration, 2128))
    path = os.path.join(out_dir, time.strftime("srt-%Y%m%d-%H%M%S.json"))
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"srt_bench: raw results in {path}", file=sys.stderr)
    if results["ingest"]:
        print("| ingest | streams | Mb/s in | server CPU % | CPU % per stream | CPU µs per MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in results["ingest"]:
            print(f"| {r['protocol']} → HLS | {r['streams']} | {r['ingest_mbit_s']:.1f} | {r['server_cpu_pct']:.1f} "
                  f"| {r['cpu_pct_per_stream']:.2f} | {r['server_cpu_us_per_mb']:.0f} |")
    if results["play"]:
        print("\n| play | players | delivered Mb/s | server CPU % | CPU µs per MB | KB per player | broken |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results["play"]:
        if "error" in r:
            print(f"| {r['protocol']} | error: {r['error']} |")
            continue
        print(f"| {r['protocol']} | {r['players_connected']} | {r['delivered_mbit_s']:.0f} | "
              f"{r.get('server_cpu_pct', 0):.1f} | {r.get('server_cpu_us_per_mb', 0):.0f} | "
              f"{r.get('server_kb_per_player', 0):.1f} | {r['players_broken']} |")


if __name__ == "__main__":
    main()
