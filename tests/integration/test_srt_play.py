"""SRT playback with real clients: a stream published over RTMP or SRT plays out as MPEG-TS over
SRT (srt-live-transmit with read:, ffmpeg with m=request), read back by ffprobe; unknown streams,
wrong passphrases and missing or bad play tokens are refused; the API lists SRT players and the
SRT publisher with their link statistics, kicks a player, and /metrics carries the SRT series
(checked by promtool when it is installed)."""
import hashlib
import hmac
import os
import shutil
import subprocess
import time
import unittest

import harness
from harness import Proc, Server

PASSPHRASE = "correct horse battery"
PLAY_SECRET = "srt-play-secret-0123456789"


def srt_publish(srv, streamid, clip, log_path, timeout=60, extra=""):
    url = srv.srt_url(streamid, "&pkt_size=1316" + extra)
    return Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f", "mpegts", url],
                log_path, timeout)


def slt_play(srv, streamid, out_path, seconds, extra=""):
    """srt-live-transmit playing to a file for a bounded time (its own messages go to a log)."""
    cmd = f"srt-live-transmit '{srv.srt_url(streamid, extra)}' file://con > '{out_path}'"
    return Proc(["sh", "-c", cmd], out_path + ".log", seconds)


def ffmpeg_play(srv, streamid, out_path, seconds, timeout=None, extra=""):
    url = srv.srt_url(streamid, extra)
    return Proc(["ffmpeg", "-nostdin", "-v", "info", "-y", "-i", url, "-t", str(seconds), "-c", "copy",
                 "-f", "mpegts", out_path], out_path + ".log", timeout or seconds + 20)


def probe_frames(path):
    """{codec_type: (codec_name, frames read)} of a captured TS file."""
    probe = harness.ffprobe_json(path, "-count_frames", "-show_streams")
    return {s["codec_type"]: (s["codec_name"], int(s.get("nb_read_frames", 0))) for s in probe["streams"]}


def signed(app, stream, expires):
    token = hmac.new(PLAY_SECRET.encode(), f"{app}/{stream}:{expires}".encode(), hashlib.sha256).hexdigest()
    return expires, token


def srt_clients(srv, path):
    return [c for c in srv.api(f"/streams/{path}")[1].get("clients", [])
            if c["kind"] == "viewer" and c["protocol"] == "srt"]


class SrtPlay(unittest.TestCase):
    def test_rtmp_published_stream_plays_over_srt(self):
        clip = harness.make_clip(seconds=15)
        with Server("srtplay_rtmp") as srv:
            with harness.publish(srv, "live/x", clip, os.path.join(srv.dir, "pub.log")):
                srv.wait_for(lambda: srv.api("/streams/live/x")[1].get("live"), timeout=15, what="live")
                out = os.path.join(srv.dir, "slt.ts")
                player = slt_play(srv, "read:live/x", out, 5)
                try:
                    clients = srv.wait_for(lambda: srt_clients(srv, "live/x"), timeout=5, what="SRT player listed")
                    self.assertEqual(srv.api("/streams/live/x")[1]["viewers"]["srt"], 1)
                    # The link statistics arrive with the first sample (about once a second).
                    c = srv.wait_for(lambda: (lambda c: "srt" in c and c)(srt_clients(srv, "live/x")[0]),
                                     timeout=5, what="player link stats")
                    for key in ("rtt_ms", "bandwidth_mbps", "send_rate_mbps", "packets_lost",
                                "packets_retransmitted", "packets_dropped"):
                        self.assertIn(key, c["srt"])
                    self.assertEqual(clients[0]["app"], "live")
                finally:
                    player.wait(timeout=15)
                srv.wait_for(lambda: not srt_clients(srv, "live/x"), timeout=5, what="SRT player gone")
            frames = probe_frames(out)
            print(f"srt-live-transmit captured {os.path.getsize(out)} bytes: {frames}", flush=True)
            self.assertEqual(frames["video"][0], "h264")
            self.assertEqual(frames["audio"][0], "aac")
            self.assertGreater(frames["video"][1], 60)  # ~5 s at 30 fps, from a keyframe
            self.assertGreater(frames["audio"][1], 100)
            self.assertEqual(os.path.getsize(out) % 188, 0)
            self.assertIn("srt play stop stream=live/…(1)", srv.log_text())
            metrics = srv.http_get("/metrics")[2].decode()
            self.assertIn('firstmile_srt_packets_lost_total{role="player"}', metrics)
            bytes_out = [line for line in metrics.splitlines()
                         if line.startswith('firstmile_bytes_out_total{protocol="srt"}')]
            self.assertGreater(float(bytes_out[0].split()[-1]), 100000)

    def test_srt_published_stream_plays_with_ffmpeg_stats_and_kick(self):
        clip = harness.make_clip(seconds=25)
        with Server("srtplay_srt") as srv:
            with srt_publish(srv, "#!::r=live/y,m=publish", clip, os.path.join(srv.dir, "pub.log")):
                srv.wait_for(lambda: srv.api("/streams/live/y")[1].get("live"), timeout=15, what="live")
                out = os.path.join(srv.dir, "ffmpeg.ts")
                p = ffmpeg_play(srv, "#!::r=live/y,m=request", out, 3)
                self.assertEqual(p.wait(timeout=30), 0, p.output()[-1500:])
                frames = probe_frames(out)
                print(f"ffmpeg -t 3 over SRT: {frames}", flush=True)
                self.assertEqual(frames["video"][0], "h264")
                self.assertEqual(frames["audio"][0], "aac")
                self.assertGreaterEqual(frames["video"][1], 60)

                # The publisher's link, in the stream and the client list.
                info = srv.wait_for(lambda: (lambda i: "srt" in (i.get("publisher") or {}) and i)(
                    srv.api("/streams/live/y")[1]), timeout=5, what="publisher link stats")
                link = info["publisher"]["srt"]
                print(f"SRT publisher link: {link}", flush=True)
                self.assertGreater(link["rtt_ms"], 0)
                self.assertGreater(link["bandwidth_mbps"], 0)
                self.assertGreater(link["receive_rate_mbps"], 0)
                pub = [c for c in info["clients"] if c["kind"] == "publisher"][0]
                self.assertEqual(pub["protocol"], "srt")
                self.assertIn("srt", pub)

                metrics = srv.http_get("/metrics")[2].decode()
                self.assertIn('firstmile_srt_rtt_seconds{app="live",stream="y"}', metrics)
                self.assertIn('firstmile_srt_bandwidth_bytes_per_second{app="live",stream="y"}', metrics)
                self.assertIn('firstmile_srt_packets_retransmitted_total{role="publisher"}', metrics)
                self.assertIn('firstmile_srt_packets_dropped_total{role="player"}', metrics)
                promtool = shutil.which("promtool")
                if promtool:
                    r = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True,
                                       text=True, timeout=10)
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

                # A kicked player is disconnected at once.
                out2 = os.path.join(srv.dir, "kicked.ts")
                long_player = ffmpeg_play(srv, "#!::r=live/y,m=request", out2, 30, timeout=40)
                try:
                    viewer = srv.wait_for(lambda: srt_clients(srv, "live/y"), timeout=10, what="player")[0]
                    status, _, _ = srv.http_get(f"/api/v1/clients/{viewer['id']}", method="DELETE")
                    self.assertEqual(status, 200)
                    kicked = time.monotonic()
                    srv.wait_for(lambda: not srt_clients(srv, "live/y"), timeout=5, what="player removed")
                    long_player.wait(timeout=15)
                    took = time.monotonic() - kicked
                    print(f"kicked SRT player: ffmpeg ended after {took:.1f} s", flush=True)
                    self.assertLess(took, 12)
                finally:
                    long_player.stop()
                self.assertIn("kicked through the API", srv.log_text())

    def test_refusals_and_passphrase(self):
        clip = harness.make_clip(seconds=15)
        srt_extra = f"  passphrases: {{secure: \"{PASSPHRASE}\"}}\n"
        with Server("srtplay_rules", srt_extra=srt_extra) as srv:
            # Refused in the handshake (srt-live-transmit then retries until its time is up).
            p = slt_play(srv, "read:live/nothing", os.path.join(srv.dir, "unknown.ts"), 3)
            p.wait(timeout=10)
            self.assertIn("rejection", p.output().lower())
            self.assertEqual(os.path.getsize(os.path.join(srv.dir, "unknown.ts")), 0)
            self.assertIn("no such stream", srv.log_text())

            pass_opt = f"&passphrase={PASSPHRASE}"
            with srt_publish(srv, "publish:secure/z", clip, os.path.join(srv.dir, "pub.log"), extra=pass_opt):
                srv.wait_for(lambda: srv.api("/streams/secure/z")[1].get("live"), timeout=15, what="live")
                for name, opts, expect in (("nopass", "", "Password required"),
                                           ("wrongpass", "&passphrase=wrong passphrase!", "Incorrect passphrase")):
                    with self.subTest(name):
                        p = slt_play(srv, "read:secure/z", os.path.join(srv.dir, f"{name}.ts"), 4, extra=opts)
                        p.wait(timeout=10)
                        self.assertIn(expect, p.output())
                out = os.path.join(srv.dir, "secure.ts")
                p = ffmpeg_play(srv, "read:secure/z", out, 2, extra=pass_opt)
                self.assertEqual(p.wait(timeout=30), 0, p.output()[-1500:])
                self.assertGreater(probe_frames(out)["video"][1], 30)

    def test_play_token(self):
        clip = harness.make_clip(seconds=15)
        extra = f"auth:\n  play: token\n  play_secret: \"{PLAY_SECRET}\"\n"
        with Server("srtplay_token", config_extra=extra) as srv:
            with harness.publish(srv, "live/t", clip, os.path.join(srv.dir, "pub.log")):
                srv.wait_for(lambda: srv.api("/streams/live/t")[1].get("live"), timeout=15, what="live")
                expires, token = signed("live", "t", int(time.time()) + 600)
                _, bad = signed("live", "other", int(time.time()) + 600)
                for name, sid in (("notoken", "#!::r=live/t,m=request"),
                                  ("badtoken", f"#!::r=live/t,m=request,expires={expires},token={bad}")):
                    with self.subTest(name):
                        p = slt_play(srv, sid, os.path.join(srv.dir, f"{name}.ts"), 3)
                        p.wait(timeout=10)
                        self.assertIn("rejection", p.output().lower())
                        self.assertEqual(os.path.getsize(os.path.join(srv.dir, f"{name}.ts")), 0)
                out = os.path.join(srv.dir, "token.ts")
                p = ffmpeg_play(srv, f"#!::r=live/t,m=request,expires={expires},token={token}", out, 2)
                self.assertEqual(p.wait(timeout=30), 0, p.output()[-1500:])
                self.assertGreater(probe_frames(out)["video"][1], 30)
            metrics = srv.http_get("/metrics")[2].decode()
            self.assertIn('firstmile_auth_refusals_total{kind="play",reason="token"}', metrics)
            self.assertIn("invalid play token", srv.log_text())


if __name__ == "__main__":
    harness.main()
