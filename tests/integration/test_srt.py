"""SRT ingest with real clients: ffmpeg publishes H.264/AAC and H.265 over SRT (stream ids in
the access-control and publish: forms) and ffprobe reads the HLS; srt-live-transmit publishes;
unknown keys, wrong passphrases, play requests for unknown streams and webhook refusals are
rejected; a publisher that goes silent is dropped after srt.peer_idle_timeout."""
import os
import subprocess
import time
import unittest

import harness
from harness import Proc, Server
from webhook_receiver import WebhookReceiver

PASSPHRASE = "correct horse battery"


def srt_publish(srv, streamid, clip, log_path, timeout=60, extra=""):
    url = srv.srt_url(streamid, "&pkt_size=1316" + extra)
    return Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f", "mpegts", url],
                log_path, timeout)


def ts_clip(clip):
    out = clip + ".ts"
    if not os.path.exists(out):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", clip, "-c", "copy", "-f", "mpegts", out],
                       check=True, timeout=60)
    return out


def slt(srv, streamid, ts, log_path, timeout, extra=""):
    """srt-live-transmit publishing a TS file, paced in real time by ffmpeg through a pipe
    (srt-live-transmit cannot poll a regular file, and unpaced it would send the whole file
    before the connection is up)."""
    cmd = (f"ffmpeg -nostdin -v error -re -i '{ts}' -c copy -f mpegts - | "
           f"srt-live-transmit file://con '{srv.srt_url(streamid, extra)}'")
    return Proc(["sh", "-c", cmd], log_path, timeout)


class Srt(unittest.TestCase):
    def test_ffmpeg_h264_and_h265_to_hls(self):
        clip = harness.make_clip(seconds=8)
        hevc = harness.make_clip(name="hevc.mp4", seconds=8, extra=[
            "-c:v", "libx265", "-tag:v", "hvc1", "-x265-params", "keyint=30:min-keyint=30:log-level=error"])
        with Server("srt_hls", hls_segment=1.0) as srv:
            with srt_publish(srv, "#!::r=live/cam,m=publish", clip, os.path.join(srv.dir, "h264.log")) as a, \
                    srt_publish(srv, "publish:live/hevc", hevc, os.path.join(srv.dir, "h265.log")) as b:
                info = srv.wait_for(lambda: (lambda i: i.get("live") and i)(srv.api("/streams/live/cam")[1]),
                                    timeout=15, what="SRT H.264 stream live")
                self.assertEqual(info["publisher"]["protocol"], "srt")
                codecs = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((codecs["video"]["codec"], codecs["video"]["width"]), ("h264", 640))
                self.assertEqual(codecs["audio"]["codec"], "aac")
                srv.wait_for(lambda: srv.api("/streams/live/hevc")[1].get("live"), timeout=15, what="H.265 live")
                for name, vcodec in (("cam", "h264"), ("hevc", "hevc")):
                    srv.wait_for(lambda: len(harness.parse_playlist(
                        srv.http_get(f"/live/{name}/index.m3u8")[2].decode())[1]) >= 2, timeout=15,
                        what=f"{name} segments")
                    probe = harness.ffprobe_json(srv.http_url(f"/live/{name}/index.m3u8"), "-show_streams")
                    streams = {s["codec_type"]: s for s in probe["streams"]}
                    self.assertEqual(streams["video"]["codec_name"], vcodec)
                    self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
                    self.assertEqual(streams["audio"]["codec_name"], "aac")
                self.assertEqual(a.wait(timeout=30), 0, a.output()[-1500:])
                self.assertEqual(b.wait(timeout=30), 0, b.output()[-1500:])
            srv.wait_for(lambda: srv.api("/streams/live/cam")[1]["publisher"] is None, timeout=10,
                         what="publisher gone")
            _, segments = harness.parse_playlist(srv.http_get("/live/cam/index.m3u8")[2].decode())
            self.assertGreaterEqual(len(segments), 5)
            self.assertIn("ENDLIST", srv.http_get("/live/cam/index.m3u8")[2].decode())
            self.assertIn('firstmile_publishers{protocol="srt"} 0', srv.http_get("/metrics")[2].decode())

    def test_srt_live_transmit_and_refusals(self):
        clip = harness.make_clip(seconds=6)
        ts = ts_clip(clip)
        extra = "auth:\n  publish_keys:\n    locked: [goodkey1]\n"
        with WebhookReceiver() as rx:
            rx.respond("/deny", 403, {"reason": "not today"})
            hooks = f"webhooks:\n  on_publish: [\"{rx.url('/deny')}\"]\n"
            srt_extra = f"  passphrases: {{secure: \"{PASSPHRASE}\"}}\n"
            with Server("srt_rules", srt_extra=srt_extra, config_extra=extra) as srv:
                # A bare stream id, published by srt-live-transmit, with the app's passphrase.
                # (No webhook in this server: see the second one below.)
                pub = slt(srv, "secure/slt", ts, os.path.join(srv.dir, "slt.log"), 20,
                          extra=f"&passphrase={PASSPHRASE}")
                try:
                    srv.wait_for(lambda: srv.api("/streams/secure/slt")[1].get("live"), timeout=15,
                                 what="srt-live-transmit stream live")
                finally:
                    pub.stop()
                cases = [
                    ("badkey", "#!::r=locked/badkey,m=publish", "", "Application-defined rejection reason"),
                    ("nopass", "publish:secure/x", "", "Password required"),
                    ("wrongpass", "publish:secure/y", "&passphrase=wrong passphrase!", "Incorrect passphrase"),
                    ("request", "#!::r=live/cam,m=request", "", "Application-defined rejection reason"),
                    ("badid", "#!::m=publish", "", "Application-defined rejection reason"),
                ]
                for name, sid, opts, expect in cases:
                    with self.subTest(name):
                        p = slt(srv, sid, ts, os.path.join(srv.dir, f"{name}.log"), 3, extra=opts)
                        p.wait(timeout=10)
                        self.assertIn(expect, p.output())
                log = srv.log_text()
                self.assertIn("unknown stream key", log)
                self.assertIn("no such stream", log)  # m=request for a stream nobody publishes
                self.assertNotIn("badkey", log.replace("locked/badk", ""), "keys are shortened in logs")
                streams = {s["path"] for s in srv.api("/streams")[1]["streams"]}
                self.assertEqual(streams - {"secure/slt"}, set())
            with Server("srt_webhook", config_extra=hooks) as srv:
                p = srt_publish(srv, "live/denied", clip, os.path.join(srv.dir, "denied.log"), timeout=20)
                self.assertNotEqual(p.wait(timeout=25), 0, "a refused SRT publisher is disconnected")
                self.assertEqual(rx.wait_for("on_publish").json["protocol"], "srt")
                self.assertIn("not today", srv.log_text())
                self.assertEqual(srv.api("/streams")[1]["streams"], [])

    def test_silent_publisher_is_dropped(self):
        clip = harness.make_clip(seconds=20)
        with Server("srt_idle", srt_extra="  peer_idle_timeout: 2s\n") as srv:
            p = srt_publish(srv, "live/idle", clip, os.path.join(srv.dir, "idle.log"))
            try:
                srv.wait_for(lambda: srv.api("/streams/live/idle")[1].get("live"), timeout=15, what="live")
                # The encoder vanishes without closing (ffmpeg runs under `timeout`: stop its child).
                subprocess.run(["pkill", "-STOP", "-P", str(p.proc.pid)], timeout=5)
                stopped = time.monotonic()
                srv.wait_for(lambda: srv.api("/streams/live/idle")[1]["publisher"] is None, timeout=8,
                             interval=0.1, what="silent publisher dropped")
                took = time.monotonic() - stopped
                print(f"silent SRT publisher dropped after {took * 1000:.0f} ms (peer_idle_timeout 2 s)", flush=True)
                self.assertGreater(took, 1.0)
                self.assertLess(took, 4.0)
            finally:
                subprocess.run(["pkill", "-CONT", "-P", str(p.proc.pid)], timeout=5)
                p.stop()


if __name__ == "__main__":
    harness.main()
