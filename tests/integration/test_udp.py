"""Plain UDP / MPEG-TS ingest (udp.inputs) with real clients: ffmpeg sends H.264/AAC in TS over
UDP and ffprobe reads the HLS; a second source and garbage on the same port do not disturb the
publisher; silence ends the publish (ENDLIST) within udp.idle_timeout; garbage datagrams do not
hurt the server; a kick holds the source back, then it publishes again (DISCONTINUITY); static
stream keys refuse an input without a key; bad udp.inputs and a taken port fail the start."""
import json
import os
import random
import re
import socket
import time
import unittest
import urllib.request

import harness
from harness import Proc, Server


def udp_publish(port, clip, log_path, timeout=60):
    url = f"udp://127.0.0.1:{port}?pkt_size=1316"
    return Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f", "mpegts", url],
                log_path, timeout)


def udp_config(inputs, idle="1s", extra=""):
    lines = "".join(f"    {path}: \"127.0.0.1:{port}\"\n" for path, port in inputs.items())
    return f"udp:\n  inputs:\n{lines}  idle_timeout: {idle}\n{extra}"


def send_garbage(port, count=200):
    """Random datagrams, TS-sized packets with the wrong sync byte, 1-byte and 65000-byte
    datagrams, from one source port; returns that port."""
    rng = random.Random(7)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("127.0.0.1", port))
        for i in range(count):
            kind = i % 4
            if kind == 0:
                data = rng.randbytes(rng.randint(2, 1500))
            elif kind == 1:
                data = (b"\x48" + rng.randbytes(187)) * 7
            elif kind == 2:
                data = b"\x47"
            else:
                data = b"\x47" + rng.randbytes(64999)
            s.send(data)
            time.sleep(0.002)
        return s.getsockname()[1]


def live_info(srv, path):
    info = srv.api(f"/streams/{path}")[1]
    return info if info.get("live") else None


def segments_of(srv, path):
    return harness.parse_playlist(srv.http_get(f"/{path}/index.m3u8")[2].decode())[1]


class Udp(unittest.TestCase):
    def test_ffmpeg_to_hls_with_a_foreign_source_then_endlist(self):
        clip = harness.make_clip(seconds=8)
        port = harness.free_udp_port()
        with Server("udp_hls", hls_segment=1.0, config_extra=udp_config({"live/cam": port})) as srv:
            with udp_publish(port, clip, os.path.join(srv.dir, "a.log")) as a:
                info = srv.wait_for(lambda: live_info(srv, "live/cam"), timeout=15, what="UDP stream live")
                publisher = info["publisher"]
                self.assertEqual(publisher["protocol"], "udp")
                self.assertTrue(publisher["address"].startswith("127.0.0.1:"), publisher)
                codecs = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((codecs["video"]["codec"], codecs["video"]["width"]), ("h264", 640))
                self.assertEqual(codecs["audio"]["codec"], "aac")
                self.assertIn('firstmile_publishers{protocol="udp"} 1', srv.http_get("/metrics")[2].decode())

                # A second encoder and a garbage sender on the same port, from other source ports.
                with udp_publish(port, clip, os.path.join(srv.dir, "b.log"), timeout=4) as b:
                    garbage_port = send_garbage(port, count=100)
                    b.wait(timeout=10)
                self.assertEqual(srv.api("/streams/live/cam")[1]["publisher"]["address"], publisher["address"])
                srv.wait_for(lambda: len(segments_of(srv, "live/cam")) >= 3, timeout=15, what="segments")
                probe = harness.ffprobe_json(srv.http_url("/live/cam/index.m3u8"), "-show_streams")
                streams = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual(streams["video"]["codec_name"], "h264")
                self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
                self.assertEqual(streams["audio"]["codec_name"], "aac")
                self.assertEqual(a.wait(timeout=30), 0, a.output()[-1500:])
                ended = time.monotonic()

            # Silence ends the publish: ENDLIST within udp.idle_timeout (1 s) and a margin.
            srv.wait_for(lambda: "#EXT-X-ENDLIST" in srv.http_get("/live/cam/index.m3u8")[2].decode(),
                         timeout=5, interval=0.05, what="ENDLIST after silence")
            took = time.monotonic() - ended
            print(f"UDP publish ended {took * 1000:.0f} ms after the encoder stopped (idle_timeout 1 s)",
                  flush=True)
            self.assertGreater(took, 0.8)
            self.assertLess(took, 3.0)
            self.assertIsNone(srv.api("/streams/live/cam")[1]["publisher"])
            text = srv.http_get("/live/cam/index.m3u8")[2].decode()
            tags, segments = harness.parse_playlist(text)
            self.assertGreaterEqual(len(segments), 5)
            self.assertFalse(any(s["discontinuity"] for s in segments), text)
            for s in segments[:-1]:
                self.assertGreater(s["duration"], 0.5, text)
                self.assertLess(s["duration"], 1.6, text)
            log = srv.log_text()
            self.assertIn("udp foreign source dropped", log)
            self.assertIn(f"source=127.0.0.1:{garbage_port}", log)
            # The foreign datagrams never reached the first publisher's demuxer.
            stop = re.search(r"udp publish stop stream=live/…\(3\) .*frames=(\d+) .*cc_errors=(\d+) "
                             r"sync_errors=(\d+) overflow_bytes=0 reason=\"no data for 1000 ms\"", log)
            self.assertIsNotNone(stop, log[-3000:])
            self.assertGreater(int(stop.group(1)), 300)
            self.assertEqual((stop.group(2), stop.group(3)), ("0", "0"))
            self.assertIn('firstmile_publishers{protocol="udp"} 0', srv.http_get("/metrics")[2].decode())

    def test_garbage_then_publish_kick_and_reconnect(self):
        clip = harness.make_clip(seconds=20)
        port = harness.free_udp_port()
        with Server("udp_garbage", hls_segment=1.0, config_extra=udp_config({"live/cam": port})) as srv:
            garbage_port = send_garbage(port, count=400)
            # The garbage source made a publish without tracks; silence ends it.
            srv.wait_for(lambda: "udp publish stop" in srv.log_text(), timeout=5, what="garbage publish ended")
            self.assertTrue(srv.alive())
            self.assertIn(f"peer=127.0.0.1:{garbage_port}", srv.log_text())
            with udp_publish(port, clip, os.path.join(srv.dir, "pub.log")) as p:
                srv.wait_for(lambda: live_info(srv, "live/cam"), timeout=15, what="live after garbage")
                srv.wait_for(lambda: len(segments_of(srv, "live/cam")) >= 2, timeout=10, what="segments")
                discontinuities = sum(s["discontinuity"] for s in segments_of(srv, "live/cam"))
                # A kick ends the publish and holds the source back a while, though it keeps sending.
                req = urllib.request.Request(srv.http_url("/api/v1/streams/live/cam"), method="DELETE")
                with urllib.request.urlopen(req, timeout=5) as r:
                    self.assertEqual(json.loads(r.read()), {"kicked": 1})
                kicked = time.monotonic()
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1]["publisher"] is None, timeout=3,
                             what="kicked")
                time.sleep(2)
                self.assertIsNone(srv.api("/streams/live/cam")[1]["publisher"])
                # Then it is a new publish of the same stream: a reconnect.
                srv.wait_for(lambda: live_info(srv, "live/cam"), timeout=10, what="back after the hold")
                back = time.monotonic() - kicked
                self.assertGreater(back, 4.0)
                srv.wait_for(lambda: sum(s["discontinuity"] for s in segments_of(srv, "live/cam")) >
                             discontinuities,
                             timeout=10, what="DISCONTINUITY after the reconnect")
                p.stop()
            self.assertIn("kicked through the API", srv.log_text())

    def test_static_keys_refuse_an_input_without_a_key(self):
        clip = harness.make_clip(seconds=6)
        denied, allowed = harness.free_udp_port(), harness.free_udp_port()
        keys = "auth:\n  publish_keys:\n    locked: [goodkey1]\n"
        cfg = udp_config({"locked/cam": denied, "locked/goodkey1": allowed}, extra=keys)
        with Server("udp_keys", config_extra=cfg) as srv:
            with udp_publish(denied, clip, os.path.join(srv.dir, "denied.log"), timeout=20) as d, \
                    udp_publish(allowed, clip, os.path.join(srv.dir, "allowed.log"), timeout=20):
                srv.wait_for(lambda: live_info(srv, "locked/goodkey1"), timeout=15, what="keyed input live")
                time.sleep(4)
                streams = {s["path"] for s in srv.api("/streams")[1]["streams"]}
                self.assertEqual(streams, {"locked/goodkey1"})
                self.assertEqual(d.wait(timeout=20), 0)
            log = srv.log_text()
            refusals = re.findall(r"udp refused stream=locked/…\(3\) peer=127\.0\.0\.1:\d+ "
                                  r"reason=\"unknown stream key\"", log)
            # Tried again every 3 s while the encoder sends (about 6 s), never per datagram.
            self.assertGreaterEqual(len(refusals), 1, log[-3000:])
            self.assertLessEqual(len(refusals), 3, log[-3000:])
            self.assertNotIn("locked/cam", log, "stream names are shortened in udp logs (they may be keys)")

    def test_bad_inputs_fail_the_start(self):
        cases = [
            ("name", "udp:\n  inputs:\n    cam1: \"127.0.0.1:9\"\n", "udp.inputs (line"),
            ("address", "udp:\n  inputs:\n    live/cam: \"127.0.0.1\"\n", "is not host:port"),
        ]
        for name, cfg, expect in cases:
            with self.subTest(name):
                with self.assertRaises(RuntimeError) as e:
                    with Server(f"udp_bad_{name}", config_extra=cfg):
                        pass
                self.assertIn(expect, str(e.exception))
                self.assertIn("udp.inputs", str(e.exception))
        # A port already taken: the start fails naming the input and the address.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            with self.assertRaises(RuntimeError) as e:
                with Server("udp_bad_bind", config_extra=udp_config({"live/cam": port})):
                    pass
            self.assertIn(f"udp input live/cam 127.0.0.1:{port}", str(e.exception))


if __name__ == "__main__":
    harness.main()
