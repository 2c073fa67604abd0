#!/usr/bin/env python3
"""HLS latency benchmark: how long after the publisher sends a frame can a viewer fetch it, and how
far behind the live edge hls.js plays in headless Chromium. One run per HLS variant the server
supports (ts; fmp4 and ll once the server has `hls.variant`).

Usage: bench/hls_latency.py --server BUILD/firstmile [--variants ts,fmp4,ll] [--clip-seconds 40]
                            [--play-seconds 25] [--segment 1.0] [--part 0.2] [--out bench/out]

(a) Availability: frame sent by the publisher -> its segment (or part) listed in the playlist.
    ffmpeg publishes a clip over RTMP with -re, which paces packets by their timestamps against
    the wall clock it starts when transcoding begins. T0 is the moment ffmpeg prints "Stream
    mapping:" (just after it starts that clock, the RTMP connection and publish being done); this
    script reads ffmpeg's unbuffered stderr and timestamps that line. A packet with FLV timestamp
    t then leaves at T0 + t + d, where d is measured at the start of every run (calibrate():
    the same ffmpeg command into a local TCP socket for a few seconds, FLV tags parsed as they
    arrive; d is the median of arrival - (T0 + t) over video tags; it is about -60 ms with
    ffmpeg 5.1 on this clip: -re releases a packet once the previous one is due, and B-frames
    shift DTS by a frame). Segment n's media span runs from the sum of the EXTINF durations
    before it to that sum plus its own (parts: EXT-X-PART durations within the segment); its last
    video frame has timestamp end - 1/fps. The script fetches the playlist continuously (a new
    request as soon as the previous answer is in, at most every 20 ms; with CAN-BLOCK-RELOAD=YES
    a blocking request for the next part, _HLS_msn/_HLS_part) and records the wall time at which
    each segment/part first appears. Availability latency = that time - (T0 + end - 1/fps + d).
    It includes the wait for the frame that closes the segment (the next keyframe), the server's
    packaging and the playlist round trip; uncertainty: the spread of d (a few ms) plus the
    polling interval. The last segment (closed by the publisher leaving, not by a keyframe) is
    left out.
(b) Player: tests/browser/play.mjs plays the playlist with hls.js (lowLatencyMode on for ll) for
    --play-seconds and reports hls.latency (live edge as hls.js estimates it - currentTime)
    sampled every 100 ms: the median and p90 over the run are shown with hls.targetLatency.

Prints a markdown table and writes it, with the raw numbers as JSON, to --out.
See docs/benchmarks.md ("HLS latency")."""
import argparse
import datetime
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
import browser_player  # noqa: E402
import harness  # noqa: E402

VARIANTS = {
    "ts": "  variant: ts\n",
    "fmp4": "  variant: fmp4\n",
    "ll": "  variant: ll\n  part_duration: {part}\n",
}
FPS = 30


def quantile(values, q):
    if not values:
        return None
    v = sorted(values)
    i = (len(v) - 1) * q
    lo, hi = int(i), min(int(i) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (i - lo)


def parse_media_playlist(text):
    """(media sequence, [(msn, duration, [part durations])] for complete segments, parts of the
    segment in progress, tags). EXT-X-PART lines come before the segment they belong to."""
    tags, segments, parts = {}, [], []
    msn = None
    duration = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            msn = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-PART:"):
            m = re.search(r"DURATION=([0-9.]+)", line)
            parts.append(float(m.group(1)) if m else 0.0)
        elif line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line.startswith("#"):
            k, _, v = line[1:].partition(":")
            tags[k] = v
        elif line and duration is not None:
            segments.append((msn or 0, duration, parts))
            msn = (msn or 0) + 1
            duration, parts = None, []
    return (msn or 0), segments, parts, tags


class Availability:
    """Fetches the playlist continuously and records when each segment and part first appears."""

    def __init__(self, port, path):
        self.port, self.path = port, path
        self.seg_seen = {}    # msn -> (wall time, duration)
        self.part_seen = {}   # (msn, index) -> (wall time, duration)
        self.ended_at = None
        self.errors = 0
        self.stop = threading.Event()
        self.conn = None

    def get(self, query=""):
        for _ in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.conn.request("GET", self.path + query)
                r = self.conn.getresponse()
                body = r.read()
                return r.status, body.decode(errors="replace"), time.time()
            except (OSError, http.client.HTTPException):
                self.errors += 1
                if self.conn:
                    self.conn.close()
                self.conn = None
        return None, "", time.time()

    def run(self, deadline):
        query = ""
        while not self.stop.is_set() and time.time() < deadline:
            t_req = time.time()
            status, text, now = self.get(query)
            query = ""
            if status == 200:
                next_msn, segments, open_parts, tags = parse_media_playlist(text)
                for msn, dur, parts in segments:
                    self.seg_seen.setdefault(msn, (now, dur))
                    for i, p in enumerate(parts):
                        self.part_seen.setdefault((msn, i), (now, p))
                for i, p in enumerate(open_parts):
                    self.part_seen.setdefault((next_msn, i), (now, p))
                if "EXT-X-ENDLIST" in tags:
                    self.ended_at = now
                    return
                if "CAN-BLOCK-RELOAD=YES" in tags.get("EXT-X-SERVER-CONTROL", ""):
                    # RFC 8216bis 6.2.5.2: a request for a part past the last one of its parent
                    # segment is answered as one for part 0 of the next segment.
                    query = "?" + urllib.parse.urlencode({"_HLS_msn": next_msn, "_HLS_part": len(open_parts)})
                    continue
            elapsed = time.time() - t_req
            time.sleep(max(0.0, 0.02 - elapsed))

    def latencies(self, t0, d):
        """Availability latency (s) of each segment and part, in media order."""
        def spans(seen):
            return sorted(seen.items())

        seg_start, t = {}, 0.0
        segs = spans(self.seg_seen)
        if segs and segs[0][0] != 0:
            raise RuntimeError(f"first segment seen is {segs[0][0]}, not 0: started polling too late")
        for msn, (_, dur) in segs:
            seg_start[msn] = t
            t += dur
        seg_lat = []
        for msn, (seen, dur) in segs:
            if self.ended_at is not None and seen >= self.ended_at - 0.001:
                continue  # closed by the publisher leaving, not by a keyframe
            seg_lat.append(seen - (t0 + seg_start[msn] + dur - 1.0 / FPS + d))
        part_lat, part_end = [], {}
        for (msn, i), (seen, dur) in spans(self.part_seen):
            start = seg_start.get(msn)
            if start is None:
                continue  # its segment never completed (the end of the stream)
            end = part_end.get(msn, start) + dur
            part_end[msn] = end
            if self.ended_at is not None and seen >= self.ended_at - 0.001:
                continue
            part_lat.append(seen - (t0 + end - 1.0 / FPS + d))
        return seg_lat, part_lat


def calibrate(clip, seconds=5):
    """Median of (arrival - (T0 + FLV timestamp)) over video tags, in seconds: when ffmpeg -re
    really sends a packet relative to its timestamp. The same command as the publisher, into a
    loopback TCP socket that this function reads, so arrival times are exact."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(15)
    port = ls.getsockname()[1]
    cmd = ["timeout", "-k", "5", str(seconds + 20), "ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip,
           "-c", "copy", "-t", str(seconds), "-f", "flv", f"tcp://127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    holder = {"t0": None}

    def read():
        for line in proc.stderr:
            if holder["t0"] is None and line.startswith(b"Stream mapping:"):
                holder["t0"] = time.time()

    threading.Thread(target=read, daemon=True).start()
    arrivals = []  # (wall time, FLV timestamp in s) of video tags
    try:
        conn, _ = ls.accept()
        conn.settimeout(seconds + 15)
        buf, pos = b"", 13  # FLV header (9) + PreviousTagSize0 (4)
        while True:
            data = conn.recv(65536)
            now = time.time()
            if not data:
                break
            buf += data
            while len(buf) >= pos + 11:
                size = int.from_bytes(buf[pos + 1:pos + 4], "big")
                if len(buf) < pos + 15 + size:
                    break
                if buf[pos] == 9:  # video tag
                    ts = int.from_bytes(buf[pos + 4:pos + 7], "big") | (buf[pos + 7] << 24)
                    arrivals.append((now, ts / 1000.0))
                pos += 15 + size
        conn.close()
    finally:
        ls.close()
        stop(proc)
    if holder["t0"] is None or len(arrivals) < 30:
        raise RuntimeError("calibration: ffmpeg sent too little")
    # The first few tags go out at once (sequence headers, the first frames).
    return statistics.median(a - (holder["t0"] + ts) for a, ts in arrivals[5:])


def start_publisher(srv, clip, limit, log_path):
    """ffmpeg -re over RTMP; returns (Popen, holder) where holder["t0"] is set when ffmpeg prints
    'Stream mapping:'. The process runs under `timeout` and is stopped by its PID."""
    cmd = ["timeout", "-k", "5", str(limit), "ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip,
           "-c", "copy", "-f", "flv", srv.rtmp_url("live/latency")]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    holder = {"t0": None}

    def read():
        with open(log_path, "wb") as log:
            for line in proc.stderr:
                if holder["t0"] is None and line.startswith(b"Stream mapping:"):
                    holder["t0"] = time.time()
                log.write(line)

    threading.Thread(target=read, daemon=True).start()
    return proc, holder


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def run_variant(name, args, clip, d):
    hls_extra = VARIANTS[name].format(part=args.part)
    srv = harness.Server(f"latency-{name}", hls_segment=args.segment, hls_extra=hls_extra,
                         config_extra="")
    try:
        srv.__enter__()
    except RuntimeError as e:
        srv.stop()
        m = re.search(r"\b(hls\.[a-z_]+)[^\n]*unknown key", str(e))
        if m and name != "ts":
            return {"variant": name, "skipped": f"server has no {m.group(1)} yet"}
        raise
    pub = None
    try:
        avail = Availability(srv.http_port, "/live/latency/index.m3u8")
        limit = args.clip_seconds + 30
        pub, holder = start_publisher(srv, clip, limit, os.path.join(srv.dir, "publish.log"))
        poller = threading.Thread(target=avail.run, args=(time.time() + limit,), daemon=True)
        poller.start()
        # The player joins once 4 s of media are listed, as a viewer joining a running stream
        # would (joining at the first segment, hls.js stays behind its target latency).
        deadline = time.time() + 20
        while sum(dur for _, dur in avail.seg_seen.values()) < 4 and time.time() < deadline:
            time.sleep(0.05)
        status, report, stderr = browser_player.play(
            SOURCE, srv.http_url("/live/latency/index.m3u8"), os.path.join(srv.dir, "play.json"),
            seconds=args.play_seconds, low_latency=(name == "ll"))
        pub.wait(timeout=limit + 10)
        poller.join(timeout=15)
        avail.stop.set()
        if holder["t0"] is None:
            raise RuntimeError(f"{name}: ffmpeg never printed 'Stream mapping:'")
        seg_lat, part_lat = avail.latencies(holder["t0"], d)
        out = {"variant": name, "segments": len(seg_lat), "parts": len(part_lat),
               "segment_ms": [round(x * 1000, 1) for x in seg_lat],
               "part_ms": [round(x * 1000, 1) for x in part_lat],
               "poll_errors": avail.errors, "player_exit": status}
        if report:
            out["player"] = {k: report.get(k) for k in (
                "latency", "target_latency", "longest_stall_events", "longest_stall_frozen",
                "fatal_errors", "played_seconds", "fragments_loaded", "parts_loaded", "started")}
            if status != 0:
                out["player"]["errors"] = report.get("errors", [])[:5]
        else:
            out["player_stderr"] = stderr[-1000:]
        return out
    finally:
        if pub:
            stop(pub)
        srv.stop()


def fmt(values, scale=1.0):
    if not values:
        return "–"
    return f"{statistics.median(values) * scale:.0f} / {quantile(values, 0.9) * scale:.0f}"


def table(results, args):
    lines = [
        "| variant | segments (parts) seen | segment available after last frame sent, ms median / p90 "
        "| part available, ms median / p90 | hls.js latency s, median / p90 | hls.js target latency s "
        "| longest stall s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['variant']} | ({r['skipped']}) | | | | | |")
            continue
        p = r.get("player") or {}
        lat = p.get("latency") or {}
        hl = "–" if lat.get("median") is None else f"{lat['median']:.2f} / {lat['p90']:.2f}"
        tl = "–" if p.get("target_latency") is None else f"{p['target_latency']:.2f}"
        stall = max(p.get("longest_stall_events") or 0, p.get("longest_stall_frozen") or 0)
        note = "" if r.get("player_exit") == 0 else f" (player exit {r.get('player_exit')})"
        lines.append(f"| {r['variant']} | {r['segments']} ({r['parts']}) | {fmt(r['segment_ms'])} "
                     f"| {fmt(r['part_ms'])} | {hl}{note} | {tl} | {stall:.2f} |")
    lines.append("")
    lines.append(f"Segments {args.segment} s (1 s GOP, 30 fps, 640x360 H.264 + AAC), parts {args.part} s; "
                 f"clip {args.clip_seconds} s published with ffmpeg -re; hls.js played {args.play_seconds} s; "
                 f"ffmpeg -re send offset d = {results[0].get('send_offset_ms')} ms; "
                 f"load average before: {results[0].get('_load', '')}")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", required=True, help="the firstmile binary")
    p.add_argument("--variants", default="ts,fmp4,ll")
    p.add_argument("--clip-seconds", type=int, default=40)
    p.add_argument("--play-seconds", type=int, default=25)
    p.add_argument("--segment", type=float, default=1.0)
    p.add_argument("--part", type=float, default=0.2)
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--work-dir", default=None)
    args = p.parse_args()
    if args.play_seconds + 10 > args.clip_seconds:
        p.error("--clip-seconds must exceed --play-seconds by 10 s (start-up and the first segment)")
    missing = browser_player.missing_prerequisites(SOURCE)
    if missing:
        sys.exit(f"hls_latency.py: {missing}")
    work = args.work_dir or tempfile.mkdtemp(prefix="firstmile-hls-latency.")
    harness.ARGS = argparse.Namespace(server=os.path.abspath(args.server), source_dir=SOURCE,
                                      work_dir=os.path.join(work, "runs"))
    os.makedirs(harness.ARGS.work_dir, exist_ok=True)
    clip = harness.make_clip(seconds=args.clip_seconds, size="640x360", rate=FPS, gop=FPS)
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    names = args.variants.split(",")
    for name in names:
        if name not in VARIANTS:
            p.error(f"unknown variant {name} ({', '.join(VARIANTS)})")
    d = calibrate(clip)
    print(f"hls_latency.py: ffmpeg -re sends a packet {d * 1000:+.1f} ms from T0 + its timestamp", file=sys.stderr)
    results = []
    for name in names:
        print(f"hls_latency.py: {name} ...", file=sys.stderr)
        r = run_variant(name, args, clip, d)
        r["send_offset_ms"] = round(d * 1000, 1)
        results.append(r)
    results[0]["_load"] = load
    text = table(results, args)
    print(text)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, f"hls_latency-{stamp}.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(args.out, f"hls_latency-{stamp}.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"hls_latency.py: written to {args.out}/hls_latency-{stamp}.{{md,json}} (runs in {work})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
