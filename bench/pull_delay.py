#!/usr/bin/env python3
"""The delay a pulled camera gets through firstmile: a camera (GStreamer's RTSP server through
Python GI, tests/integration/rtsp_camera.py, H.264 from x264 with zerolatency) is pulled by
firstmile (pull.sources), and one RTSP client plays the camera directly and firstmile's RTSP
output of the pulled stream at the same time, both over TCP. Each H.264 slice is matched by its
bytes on the two paths (firstmile repacketizes, but carries NAL units unchanged), and the delay
is the difference of the times the slice was complete on each, in steady state (the first
--warmup seconds, when firstmile sends a new player the GOP so far, are left out). Prints JSON: matched slices and
the added delay's median, p90, p99 and max in ms. Loopback only; every process bounded in time.

    bench/pull_delay.py build/firstmile [--seconds 20] [--transport tcp|udp]
"""
import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CAMERA = os.path.join(HERE, "..", "tests", "integration", "rtsp_camera.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RtspReader:
    """A minimal RTSP player: DESCRIBE, SETUP of the first video (interleaved 0-1), PLAY, then
    H.264 NAL units (single, STAP-A, FU-A) put back together from the RTP."""

    def __init__(self, url):
        self.url = url
        host, port = url.split("/")[2].split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.buf = b""
        self.cseq = 0

    def _read(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def request(self, method, uri, headers=None):
        self.cseq += 1
        text = f"{method} {uri} RTSP/1.0\r\nCSeq: {self.cseq}\r\n"
        text += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n"
        self.sock.sendall(text.encode())
        while b"\r\n\r\n" not in self.buf:
            self._read()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode(errors="replace").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            fields[k.strip().lower()] = v.strip()
        length = int(fields.get("content-length", "0"))
        while len(self.buf) < length:
            self._read()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, fields, body.decode(errors="replace")

    def play(self):
        status, fields, sdp = self.request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        if status != 200:
            raise RuntimeError(f"DESCRIBE {self.url}: {status}")
        base = fields.get("content-base", self.url)
        control, in_video = None, False
        for line in sdp.splitlines():
            if line.startswith("m="):
                in_video = line.startswith("m=video")
            elif in_video and line.startswith("a=control:") and control is None:
                control = line[len("a=control:"):]
        if control is None or control == "*":
            track = base
        elif control.startswith("rtsp://"):
            track = control
        else:
            track = base.rstrip("/") + "/" + control
        status, fields, _ = self.request("SETUP", track,
                                         {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"})
        if status != 200:
            raise RuntimeError(f"SETUP {track}: {status}")
        session = fields["session"].split(";")[0]
        status, _, _ = self.request("PLAY", base, {"Session": session, "Range": "npt=0.000-"})
        if status != 200:
            raise RuntimeError(f"PLAY {base}: {status}")

    def slices(self, deadline):
        """Yields (sha1 of a slice NAL unit, time it was complete) until `deadline`."""
        fu = None
        self.sock.settimeout(1)
        while time.monotonic() < deadline:
            while len(self.buf) < 4 or (self.buf[0] == 0x24 and len(self.buf) < 4 + int.from_bytes(self.buf[2:4], "big")):
                try:
                    self._read()
                except socket.timeout:
                    if time.monotonic() >= deadline:
                        return
            if self.buf[0] != 0x24:  # an RTSP message between frames: skip its head
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    self._read()
                    continue
                self.buf = self.buf[end + 4:]
                continue
            channel, length = self.buf[1], int.from_bytes(self.buf[2:4], "big")
            packet, self.buf = self.buf[4:4 + length], self.buf[4 + length:]
            if channel != 0 or len(packet) < 12:
                continue
            now = time.monotonic()
            offset = 12 + 4 * (packet[0] & 0x0F)
            if packet[0] & 0x10:
                offset += 4 + 4 * int.from_bytes(packet[offset + 2:offset + 4], "big")
            p = packet[offset:]
            if not p:
                continue
            kind = p[0] & 0x1F
            nals = []
            if 1 <= kind <= 23:
                nals.append(p)
            elif kind == 24:
                i = 1
                while i + 2 <= len(p):
                    n = int.from_bytes(p[i:i + 2], "big")
                    nals.append(p[i + 2:i + 2 + n])
                    i += 2 + n
            elif kind == 28 and len(p) >= 2:
                if p[1] & 0x80:
                    fu = bytearray([(p[0] & 0xE0) | (p[1] & 0x1F)]) + p[2:]
                elif fu is not None:
                    fu += p[2:]
                if p[1] & 0x40 and fu is not None:
                    nals.append(bytes(fu))
                    fu = None
            for nal in nals:
                if nal and (nal[0] & 0x1F) in (1, 5):
                    yield hashlib.sha1(nal).digest(), now


def collect(url, deadline, out, errors):
    try:
        reader = RtspReader(url)
        reader.play()
        for digest, t in reader.slices(deadline):
            out.setdefault(digest, t)
    except Exception as e:  # reported with the result
        errors.append(f"{url}: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3,
                    help="seconds at the start left out (a new player's first GOP comes as a burst)")
    ap.add_argument("--transport", default="tcp", choices=["tcp", "udp"],
                    help="how firstmile pulls the camera")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="firstmile-pull-delay.")
    cam_port, rtsp_port, rtmp_port, http_port = free_port(), free_port(), free_port(), free_port()
    config = os.path.join(work, "firstmile.yaml")
    with open(config, "w") as f:
        f.write(f"""log:\n  level: warn\nrtmp:\n  listen: "127.0.0.1:{rtmp_port}"\n
srt:\n  enabled: false\nhttp:\n  listen: "127.0.0.1:{http_port}"\nhls:\n  enabled: false\n
rtsp:\n  listen: "127.0.0.1:{rtsp_port}"\n  udp_ports: "{40000 + rtsp_port % 2000 * 2}-{40099 + rtsp_port % 2000 * 2}"\n
pull:\n  sources:\n    live/cam: {{url: "rtsp://127.0.0.1:{cam_port}/cam", transport: {args.transport}}}\n""")
    limit = str(int(args.seconds + 60))
    camera = subprocess.Popen(["timeout", limit, "/usr/bin/python3", CAMERA, "--port", str(cam_port),
                               "--path", "/cam", "--audio", "none", "--gop", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = subprocess.Popen(["timeout", limit, args.server, "--config", config],
                              stdout=open(os.path.join(work, "server.log"), "w"), stderr=subprocess.STDOUT)
    try:
        start = time.monotonic()
        while True:  # firstmile's output is up once DESCRIBE answers 200
            try:
                probe = RtspReader(f"rtsp://127.0.0.1:{rtsp_port}/live/cam")
                if probe.request("DESCRIBE", probe.url)[0] == 200:
                    break
            except (OSError, ConnectionError, ValueError, IndexError):
                pass
            if time.monotonic() - start > 20:
                raise SystemExit("pull_delay: the pulled stream did not come up; see " + work)
            time.sleep(0.2)
        deadline = time.monotonic() + args.seconds
        direct, through, errors = {}, {}, []
        threads = [threading.Thread(target=collect, args=(f"rtsp://127.0.0.1:{cam_port}/cam", deadline, direct, errors)),
                   threading.Thread(target=collect, args=(f"rtsp://127.0.0.1:{rtsp_port}/live/cam", deadline, through, errors))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 20)
        since = deadline - args.seconds + args.warmup
        delays = sorted((through[d] - direct[d]) * 1000 for d in through
                        if d in direct and direct[d] >= since)
        pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] if delays else None
        print(json.dumps({"transport": args.transport, "slices_direct": len(direct),
                          "slices_through_firstmile": len(through), "matched": len(delays),
                          "added_delay_ms": {"median": pick(0.5), "p90": pick(0.9), "p99": pick(0.99),
                                             "max": delays[-1] if delays else None},
                          "errors": errors}))
        return 0 if delays else 1
    finally:
        for p in (server, camera):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
