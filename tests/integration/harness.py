"""Shared helpers for the integration tests: start the real server on free loopback ports,
make a test clip with ffmpeg, run real clients bounded in time, stop everything by PID."""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

ARGS = None


def parse_args():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--source-dir", required=True)
    p.add_argument("--work-dir", required=True)
    ARGS, rest = p.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    return rest


def main():
    rest = parse_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


def sanitized():
    """True when the server binary is built with AddressSanitizer (its memory use is then
    ASan's: shadow memory and a quarantine of freed blocks)."""
    with open(ARGS.server, "rb") as f:
        return b"__asan_init" in f.read()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    """The resident set size of process `pid` in KiB (VmRSS), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_clip(name="clip.mp4", seconds=10, size="640x360", rate=30, gop=30, extra=None):
    """A test clip with exact keyframes every `gop` frames; cached next to the test work dirs."""
    cache_dir = os.path.dirname(os.path.abspath(ARGS.work_dir))
    path = os.path.join(cache_dir, f"{seconds}s-{size}-{rate}-{gop}-{name}")
    if os.path.exists(path):
        return path
    tmp = path + f".{os.getpid()}.tmp.mp4"
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}",
           "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
           "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main",
           "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
           "-b:v", "1000k", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    cmd += extra or []
    cmd.append(tmp)
    subprocess.run(cmd, check=True, timeout=120)
    os.replace(tmp, path)
    return path


class Server:
    """The firstmile binary on free loopback ports, with a config file written for the test."""

    def __init__(self, name, config_extra="", hls_segment=2.0, rtmp_extra="", http_extra="", hls_extra="",
                 srt_extra="", srt_host="127.0.0.1", rtsp_extra=""):
        self.name = name
        self.srt_host = srt_host
        self.rtmp_port = free_port()
        self.srt_port = free_udp_port()
        self.http_port = free_port()
        self.rtsp_port = free_port()
        self.dir = os.path.join(ARGS.work_dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.config_path = os.path.join(self.dir, "firstmile.yaml")
        self.log_path = os.path.join(self.dir, "server.log")
        with open(self.config_path, "w") as f:
            f.write(f"""log:
  level: debug
workers: 2
rtmp:
  listen: "127.0.0.1:{self.rtmp_port}"
{rtmp_extra}srt:
  listen: "{srt_host}:{self.srt_port}"
{srt_extra}rtsp:
  listen: "127.0.0.1:{self.rtsp_port}"
{rtsp_extra}http:
  listen: "127.0.0.1:{self.http_port}"
{http_extra}hls:
  segment_duration: {hls_segment}
{hls_extra}{config_extra}
""")
        self.proc = None

    def __enter__(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([ARGS.server, "--config", self.config_path],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_text()}")
            try:
                if self.http_get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not become healthy within 15 s")

    def __exit__(self, *exc):
        self.stop()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if hasattr(self, "log") and not self.log.closed:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def rtmp_url(self, path):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{path}"

    def srt_url(self, streamid, extra=""):
        return f"srt://{self.srt_host}:{self.srt_port}?streamid={streamid}{extra}"

    def rtsp_url(self, path):
        return f"rtsp://127.0.0.1:{self.rtsp_port}/{path}"

    def http_url(self, path):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def http_get(self, path, timeout=5, method="GET", headers=None):
        """(status, headers, body bytes); HTTP errors are returned, not raised."""
        req = urllib.request.Request(self.http_url(path), method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def api(self, path):
        status, _, body = self.http_get("/api/v1" + path)
        return status, json.loads(body)

    def wait_for(self, predicate, timeout=20, interval=0.1, what="condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except (OSError, ValueError, KeyError, TypeError) as e:
                last = e
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what} (last: {last!r})\n--- server log tail ---\n"
                             + self.log_text()[-3000:])


class Proc:
    """A client process bounded in time and stopped by its PID."""

    def __init__(self, cmd, log_path, timeout):
        self.cmd = cmd
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(["timeout", "-k", "5", str(timeout)] + cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait(self, timeout=None):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is not None:
                self.log.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        return self.proc.returncode

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def publish(server, path, clip, log_path, timeout=60, extra_args=None, realtime=True):
    """ffmpeg publishing `clip` over RTMP."""
    cmd = ["ffmpeg", "-nostdin", "-v", "info"]
    if realtime:
        cmd.append("-re")
    cmd += ["-i", clip, "-c", "copy"] + (extra_args or []) + ["-f", "flv", server.rtmp_url(path)]
    return Proc(cmd, log_path, timeout)


def ffprobe_json(target, *args, timeout=60):
    cmd = ["ffprobe", "-v", "error", "-of", "json"] + list(args) + [target]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True)
    if r.returncode != 0:
        raise AssertionError(f"ffprobe {target} failed: {r.stderr}")
    return json.loads(r.stdout)


def parse_playlist(text):
    """Returns (tags dict of single-valued tags, list of segments {duration, uri, discontinuity})."""
    tags, segments, pending = {}, [], {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            pending["duration"] = float(line[len("#EXTINF:"):].split(",")[0])
        elif line == "#EXT-X-DISCONTINUITY":
            pending["discontinuity"] = True
        elif line.startswith("#"):
            k, _, v = line[1:].partition(":")
            tags[k] = v
        else:
            pending["uri"] = line
            pending.setdefault("discontinuity", False)
            segments.append(pending)
            pending = {}
    return tags, segments
