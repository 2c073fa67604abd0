#!/usr/bin/env python3
"""Soak benchmark: does the server's memory stay flat under steady load with churn?

One firstmile (HLS on, its defaults otherwise) on loopback ports, then for DURATION seconds:
  * bench's rtmp_load: one synthetic publisher (live/soak) and PLAYERS RTMP players for the
    whole run;
  * churn: a real ffmpeg RTMP player joins every CHURN_EVERY seconds, copies the stream for 2
    to 6 seconds and leaves (at most CHURN_MAX at once);
  * POLLERS HLS pollers, each fetching the playlist and its newest segment once a second,
    each on a new connection now and then;
and the server's RSS is sampled every SAMPLE seconds. Growth is the median RSS of the last
WINDOW seconds against the median of the WINDOW seconds after WARMUP; it passes under 5 %.
Prints a markdown line for docs/benchmarks.md and exits 1 when growth is 5 % or more.

Usage: bench/soak.py BUILD_DIR    (not part of make test: it runs an hour by default)
Environment (defaults): DURATION=3600 PLAYERS=200 POLLERS=20 CHURN_EVERY=2 CHURN_MAX=5
  WARMUP=300 WINDOW=300 SAMPLE=10
"""
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests",
                                "integration"))
from harness import free_port, rss_kb  # noqa: E402

env = lambda k, d: type(d)(os.environ.get(k, d))
DURATION, PLAYERS, POLLERS = env("DURATION", 3600), env("PLAYERS", 200), env("POLLERS", 20)
CHURN_EVERY, CHURN_MAX = env("CHURN_EVERY", 2.0), env("CHURN_MAX", 5)
WARMUP, WINDOW, SAMPLE = env("WARMUP", 300), env("WINDOW", 300), env("SAMPLE", 10)



def main():
    build = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else "build")
    firstmile, load = os.path.join(build, "firstmile"), os.path.join(build, "rtmp_load")
    for f in (firstmile, load):
        if not os.access(f, os.X_OK):
            sys.exit(f"soak: {f} not built")
    work = tempfile.mkdtemp(prefix="firstmile-soak.")
    rtmp, http = free_port(), free_port()
    conf = os.path.join(work, "firstmile.yaml")
    with open(conf, "w") as f:
        f.write(f'log:\n  level: warn\nrtmp:\n  listen: "127.0.0.1:{rtmp}"\n'
                f'http:\n  listen: "127.0.0.1:{http}"\nsrt:\n  enabled: false\nrtsp:\n  enabled: false\n')
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([firstmile, "--config", conf], stdout=log, stderr=log)
    stop = threading.Event()
    procs, counts = [server], {"churn": 0, "churn_failed": 0, "polls": 0, "poll_errors": 0}
    lock = threading.Lock()
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", rtmp), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # rtmp_load runs the whole time: its own publisher and the steady players.
        steady = subprocess.Popen(
            [load, "--port", str(rtmp), "--app", "live", "--key", "soak", "--players", str(PLAYERS),
             "--duration", str(DURATION), "--ramp-rate", "100", "--server-pid", str(server.pid)],
            stdout=open(os.path.join(work, "load.json"), "w"),
            stderr=open(os.path.join(work, "load.log"), "w"))
        procs.append(steady)
        started = time.time()

        def churn():
            running = []
            while not stop.is_set():
                running = [p for p in running if p.poll() is None]
                if len(running) < CHURN_MAX:
                    secs = random.uniform(2, 6)
                    p = subprocess.Popen(
                        ["ffmpeg", "-nostdin", "-v", "error", "-i", f"rtmp://127.0.0.1:{rtmp}/live/soak",
                         "-t", f"{secs:.1f}", "-c", "copy", "-f", "null", "-"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    running.append(p)
                    with lock:
                        counts["churn"] += 1
                stop.wait(CHURN_EVERY)
            for p in running:
                p.kill()

        def poller():
            base = f"http://127.0.0.1:{http}/live/soak/"
            while not stop.is_set():
                try:
                    text = urllib.request.urlopen(base + "index.m3u8", timeout=5).read().decode()
                    segs = [l for l in text.splitlines() if l and not l.startswith("#")]
                    if segs:
                        urllib.request.urlopen(base + segs[-1], timeout=10).read()
                    with lock:
                        counts["polls"] += 1
                except OSError:
                    with lock:
                        counts["poll_errors"] += 1
                stop.wait(1)

        threads = [threading.Thread(target=churn)] + [threading.Thread(target=poller)
                                                      for _ in range(POLLERS)]
        for t in threads:
            t.start()
        samples = []  # (seconds since start, RSS KB)
        while time.time() - started < DURATION and server.poll() is None:
            samples.append((time.time() - started, rss_kb(server.pid)))
            time.sleep(SAMPLE)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        steady.wait(timeout=120)
    finally:
        stop.set()
        for p in procs[1:]:
            if p.poll() is None:
                p.kill()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    with open(os.path.join(work, "rss.csv"), "w") as f:
        f.writelines(f"{t:.0f},{kb}\n" for t, kb in samples)
    early = [kb for t, kb in samples if WARMUP <= t < WARMUP + WINDOW]
    late = [kb for t, kb in samples if t >= DURATION - WINDOW]
    if not early or not late:
        sys.exit(f"soak: too few samples ({len(samples)}); DURATION must exceed WARMUP + WINDOW")
    a, b = statistics.median(early), statistics.median(late)
    growth = 100.0 * (b - a) / a
    print(f"soak: samples and logs in {work}", file=sys.stderr)
    print(f"| {DURATION} s | {PLAYERS} RTMP players, {POLLERS} HLS pollers, churn every {CHURN_EVERY} s "
          f"({counts['churn']} joins) | {a / 1024:.1f} MB | {b / 1024:.1f} MB | {growth:+.1f} % "
          f"| polls {counts['polls']}, errors {counts['poll_errors']} |")
    sys.exit(0 if growth < 5 else 1)


if __name__ == "__main__":
    main()
