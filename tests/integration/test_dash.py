"""MPEG-DASH output: ffmpeg publishes H.264/AAC over RTMP; the MPD is valid XML with the live
attributes, ffprobe (the dash demuxer) finds both streams, the segment being produced is listed last
in the SegmentTimeline and delivered chunk by chunk before it is complete, DASH viewers and bytes are
in /metrics, play webhooks see protocol "dash", and a publisher that leaves ends the presentation (a
reconnect starts a new Period)."""
import datetime
import hashlib
import hmac
import http.client
import os
import shutil
import subprocess
import threading
import time
import unittest
import xml.etree.ElementTree as ET

import harness
from harness import Server, ffprobe_json, publish
from webhook_receiver import WebhookReceiver

NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}
MPD = "/live/dash/index.mpd"
WIDTH, HEIGHT = 640, 360
SEGMENT = 2.0
CHUNK = 0.5


def dash_server(name, extra=""):
    return Server(name, hls_segment=SEGMENT,
                  config_extra=f"dash:\n  enabled: true\n  low_latency: true\n  chunk_duration: {CHUNK}\n" + extra)


def parse_mpd(body):
    return ET.fromstring(body)


def adaptation_sets(root):
    period = root.findall("d:Period", NS)[-1]
    return {a.get("contentType"): a for a in period.findall("d:AdaptationSet", NS)}


def next_number(aset):
    """The $Number$ after the last segment the SegmentTimeline lists. In low-latency mode the last
    one listed is the segment being produced (open_number)."""
    tmpl = aset.find("d:SegmentTemplate", NS)
    n = int(tmpl.get("startNumber"))
    for s in tmpl.find("d:SegmentTimeline", NS).findall("d:S", NS):
        n += 1 + int(s.get("r", "0"))
    return n


def open_number(aset):
    """Low latency: the segment in progress, listed last with its expected duration."""
    return next_number(aset) - 1


def metric(text, name, labels):
    """The value of one sample in a Prometheus text exposition (None when absent)."""
    prefix = name + "{" + labels + "} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    return None


def media_url(aset, number, rep_id):
    tmpl = aset.find("d:SegmentTemplate", NS)
    return "/live/dash/" + tmpl.get("media").replace("$RepresentationID$", rep_id).replace("$Number$", str(number))


def timed_get(port, path, timeout=20):
    """GET over a fresh connection; returns (status, headers, body, seconds to the first body byte,
    seconds to the last)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.monotonic()
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        headers = {k.lower(): v for k, v in r.getheaders()}
        body = bytearray()
        first = None
        while True:
            piece = r.read1(65536) if hasattr(r, "read1") else r.read(65536)
            if not piece:
                break
            if first is None:
                first = time.monotonic() - t0
            body += piece
        return r.status, headers, bytes(body), first, time.monotonic() - t0
    finally:
        conn.close()


class Dash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clip = harness.make_clip(seconds=40, size=f"{WIDTH}x{HEIGHT}", rate=30, gop=60)

    def start(self, name, extra=""):
        srv = dash_server(name, extra)
        srv.__enter__()
        self.addCleanup(srv.stop)
        return srv

    def wait_mpd(self, srv, predicate=lambda root: True, timeout=20, what="MPD"):
        def ready():
            status, headers, body = srv.http_get(MPD)
            if status != 200:
                return None
            root = parse_mpd(body)
            return (headers, root) if predicate(root) else None
        return srv.wait_for(ready, timeout=timeout, what=what)

    def test_live_mpd_probe_and_chunked_delivery(self):
        srv = self.start("dash-live")
        pub = publish(srv, "live/dash", self.clip, os.path.join(srv.dir, "publish.log"), timeout=70)
        self.addCleanup(pub.stop)
        # Three segments listed, so there is something to play and to probe.
        headers, root = self.wait_mpd(
            srv, lambda r: len(adaptation_sets(r)) == 2 and next_number(adaptation_sets(r)["video"]) > 3,
            timeout=30)
        self.assertEqual(headers["Content-Type"], "application/dash+xml")
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")

        # The MPD: ISO/IEC 23009-1 dynamic presentation, DASH-IF IOP live profile.
        self.assertEqual(root.get("type"), "dynamic")
        for attr in ("availabilityStartTime", "publishTime", "minimumUpdatePeriod", "timeShiftBufferDepth",
                     "suggestedPresentationDelay", "maxSegmentDuration", "minBufferTime"):
            self.assertTrue(root.get(attr), f"MPD@{attr} missing")
        ast = datetime.datetime.fromisoformat(root.get("availabilityStartTime").replace("Z", "+00:00"))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - ast).total_seconds()), 60)
        self.assertIn("urn:mpeg:dash:profile:isoff-live:2011", root.get("profiles"))
        # The server's clock in the MPD itself (no dash.time_url set): never the request's Host,
        # which a cache would keep and serve to everybody.
        utc = root.find("d:UTCTiming", NS)
        self.assertEqual(utc.get("schemeIdUri"), "urn:mpeg:dash:utc:direct:2014")
        direct = datetime.datetime.fromisoformat(utc.get("value").replace("Z", "+00:00"))
        self.assertLess(abs((direct - now).total_seconds()), 10)
        status, _, body = srv.http_get("/time")
        self.assertEqual(status, 200)
        server_now = datetime.datetime.fromisoformat(body.decode().replace("Z", "+00:00"))
        self.assertLess(abs((server_now - now).total_seconds()), 10)

        sets = adaptation_sets(root)
        video, audio = sets["video"], sets["audio"]
        vrep, arep = video.find("d:Representation", NS), audio.find("d:Representation", NS)
        self.assertTrue(vrep.get("codecs").startswith("avc1.4d"), vrep.get("codecs"))  # Main profile
        self.assertEqual((vrep.get("width"), vrep.get("height"), vrep.get("frameRate")), (str(WIDTH), str(HEIGHT), "30"))
        self.assertGreater(int(vrep.get("bandwidth")), 100000)
        self.assertEqual(arep.get("codecs"), "mp4a.40.2")
        self.assertEqual(arep.get("audioSamplingRate"), "48000")
        self.assertEqual(arep.find("d:AudioChannelConfiguration", NS).get("value"), "2")
        for aset, timescale in ((video, "90000"), (audio, "48000")):
            tmpl = aset.find("d:SegmentTemplate", NS)
            self.assertEqual(tmpl.get("timescale"), timescale)
            self.assertIn("$Number$", tmpl.get("media"))
            self.assertEqual(tmpl.get("availabilityTimeComplete"), "false")
            self.assertAlmostEqual(float(tmpl.get("availabilityTimeOffset")), SEGMENT - CHUNK)
            durations = [int(s.get("d")) / int(timescale) for s in tmpl.find("d:SegmentTimeline", NS)]
            for d in durations:
                self.assertAlmostEqual(d, SEGMENT, delta=0.05)
            status, h, init = srv.http_get("/live/dash/" + tmpl.get("initialization"))
            self.assertEqual(status, 200)
            self.assertEqual(init[4:8], b"ftyp")
            self.assertIn("immutable", h["Cache-Control"])

        # ffprobe with the dash demuxer finds one video and one audio stream.
        probe = ffprobe_json(srv.http_url(MPD), "-show_streams", timeout=60)
        streams = {s["codec_type"]: s for s in probe["streams"]}
        self.assertEqual(streams["video"]["codec_name"], "h264")
        self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (WIDTH, HEIGHT))
        self.assertEqual(streams["audio"]["codec_name"], "aac")
        self.assertEqual(int(streams["audio"]["sample_rate"]), 48000)

        # Chunked delivery: as soon as a new segment is listed, ask for it: the last one listed is
        # the one being made.
        _, root = self.wait_mpd(srv)
        listed = next_number(adaptation_sets(root)["video"])
        _, root = self.wait_mpd(srv, lambda r: next_number(adaptation_sets(r)["video"]) > listed, what="a new segment")
        sets = adaptation_sets(root)
        n = open_number(sets["video"])
        path = media_url(sets["video"], n, "v")
        status, h, body, first, last = timed_get(srv.http_port, path)
        print(f"\nchunked segment {n}: first byte after {first:.3f} s, last after {last:.3f} s, {len(body)} bytes",
              flush=True)
        self.assertEqual(status, 200)
        self.assertEqual(h.get("transfer-encoding"), "chunked")
        self.assertEqual(body[4:8], b"moof")
        self.assertLess(first, 1.0)  # about one chunk (0.5 s)
        self.assertGreater(last - first, 0.7)  # the rest came as the segment was produced
        # The chunked answer has the bytes of the complete segment.
        status, h, complete = srv.http_get(path)
        self.assertEqual(status, 200)
        self.assertEqual(int(h["Content-Length"]), len(complete))
        self.assertEqual(complete, body)
        # A segment not produced yet (two ahead) is not available.
        self.assertEqual(srv.http_get(media_url(sets["video"], n + 3, "v"))[0], 404)

        # Metrics: this client is a DASH viewer (distinct recent address) and the segment bytes it
        # got are counted (the init segments, the chunked segment and the complete one at least).
        status, _, body = srv.http_get("/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertEqual(metric(text, "firstmile_viewers", 'protocol="dash"'), 1, text[-3000:])
        sent = metric(text, "firstmile_bytes_out_total", 'protocol="dash"')
        self.assertGreaterEqual(sent, 2 * len(complete), text[-3000:])
        self.assertEqual(metric(text, "firstmile_bytes_out_total", 'protocol="hls"'), 0)
        if shutil.which("promtool"):
            check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
            self.assertEqual(check.returncode, 0, check.stdout.decode() + check.stderr.decode())
        self.assertTrue(pub.proc.poll() is None, pub.output()[-1000:])

    def test_publisher_leaving_ends_and_reconnect_starts_a_period(self):
        srv = self.start("dash-end")
        pub = publish(srv, "live/dash", self.clip, os.path.join(srv.dir, "publish.log"), timeout=70)
        self.addCleanup(pub.stop)
        _, root = self.wait_mpd(srv, lambda r: next_number(adaptation_sets(r)["video"]) > 2, timeout=30)
        first_period = root.findall("d:Period", NS)[-1].get("id")

        # A request waiting for chunks of the open segment ends when the publisher leaves.
        sets = adaptation_sets(root)
        path = media_url(sets["audio"], open_number(sets["audio"]), "a")
        result = {}
        t = threading.Thread(target=lambda: result.update(r=timed_get(srv.http_port, path, timeout=15)))
        t.start()
        time.sleep(0.3)
        pub.stop()
        t.join(20)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["r"][0], 200)
        self.assertEqual(result["r"][2][4:8], b"moof")

        _, ended = self.wait_mpd(srv, lambda r: r.get("mediaPresentationDuration") is not None, what="ended MPD")
        self.assertIsNone(ended.get("minimumUpdatePeriod"))
        self.assertEqual(ended.get("type"), "dynamic")

        pub2 = publish(srv, "live/dash", self.clip, os.path.join(srv.dir, "publish2.log"), timeout=70)
        self.addCleanup(pub2.stop)
        _, again = self.wait_mpd(
            srv, lambda r: r.get("minimumUpdatePeriod") is not None
            and r.findall("d:Period", NS)[-1].get("id") != first_period, timeout=30, what="new Period")
        periods = again.findall("d:Period", NS)
        self.assertIsNone(again.get("mediaPresentationDuration"))
        self.assertEqual(len(adaptation_sets(again)), 2)
        new_init = adaptation_sets(again)["video"].find("d:SegmentTemplate", NS).get("initialization")
        self.assertEqual(srv.http_get("/live/dash/" + new_init)[0], 200)
        print(f"\nperiods after reconnect: {[(p.get('id'), p.get('start')) for p in periods]}", flush=True)

    def test_signed_urls_reach_segments(self):
        secret = "0123456789abcdef-dash"
        srv = self.start("dash-auth", f"auth:\n  play: token\n  play_secret: \"{secret}\"\n")
        pub = publish(srv, "live/dash", self.clip, os.path.join(srv.dir, "publish.log"), timeout=70)
        self.addCleanup(pub.stop)
        expires = int(time.time()) + 600
        token = hmac.new(secret.encode(), f"live/dash:{expires}".encode(), hashlib.sha256).hexdigest()
        query = f"expires={expires}&token={token}"
        srv.wait_for(lambda: srv.http_get(f"{MPD}?{query}")[0] == 200, timeout=30, what="signed MPD")
        self.assertIn(srv.http_get(MPD)[0], (401, 403))
        status, headers, body = srv.http_get(f"{MPD}?{query}")
        self.assertTrue(headers["Cache-Control"].startswith("private"), headers["Cache-Control"])
        sets = adaptation_sets(parse_mpd(body))
        tmpl = sets["video"].find("d:SegmentTemplate", NS)
        # The query rides on every SegmentTemplate URL (players drop the MPD's own query when they
        # resolve relative URLs).
        self.assertTrue(tmpl.get("media").endswith("?" + query), tmpl.get("media"))
        self.assertTrue(tmpl.get("initialization").endswith("?" + query), tmpl.get("initialization"))
        number = int(tmpl.get("startNumber"))
        self.assertEqual(srv.http_get("/live/dash/" + tmpl.get("initialization"))[0], 200)
        self.assertEqual(srv.http_get(media_url(sets["video"], number, "v"))[0], 200)
        bare = media_url(sets["video"], number, "v").split("?")[0]
        self.assertIn(srv.http_get(bare)[0], (401, 403))

    def test_the_clock_url_is_the_operators_never_the_requests_host(self):
        """dash.time_url: the UTCTiming http-iso source is the configured URL whatever Host a
        request sends (a shared cache keeps the MPD for everybody)."""
        srv = self.start("dash-time", "  time_url: \"https://live.example.com/time\"\n")
        pub = publish(srv, "live/dash", self.clip, os.path.join(srv.dir, "publish.log"), timeout=70)
        self.addCleanup(pub.stop)
        self.wait_mpd(srv, timeout=30)
        status, headers, body = srv.http_get(MPD, headers={"Host": "evil.example"})
        self.assertEqual(status, 200)
        self.assertNotIn(b"evil.example", body)
        utc = parse_mpd(body).find("d:UTCTiming", NS)
        self.assertEqual(utc.get("schemeIdUri"), "urn:mpeg:dash:utc:http-iso:2014")
        self.assertEqual(utc.get("value"), "https://live.example.com/time")

    def test_play_webhook_sees_protocol_dash(self):
        with WebhookReceiver() as rx:
            rx.respond("/hooks/on_play", 204)
            srv = self.start("dash-webhook", f"auth:\n  play: webhook\nwebhooks:\n  on_play: [\"{rx.url('/hooks/on_play')}\"]\n"
                                             "  timeout: 2s\n")
            pub = publish(srv, "live/dash", self.clip, os.path.join(srv.dir, "publish.log"), timeout=70)
            self.addCleanup(pub.stop)
            _, root = self.wait_mpd(srv, lambda r: len(adaptation_sets(r)) == 2, timeout=30)
            # The MPD and its segments: one decision for this address and protocol (cached).
            tmpl = adaptation_sets(root)["video"].find("d:SegmentTemplate", NS)
            self.assertEqual(srv.http_get("/live/dash/" + tmpl.get("initialization"))[0], 200)
            self.assertEqual(srv.http_get(media_url(adaptation_sets(root)["video"], int(tmpl.get("startNumber")), "v"))[0], 200)
            play = rx.wait_for("on_play", timeout=10).json
            self.assertEqual((play["app"], play["stream"], play["protocol"]), ("live", "dash", "dash"))
            # HLS from the same address asks again, as protocol "hls": one cache per protocol.
            # (DASH lists the segment in progress; the HLS playlist comes with the first one complete.)
            srv.wait_for(lambda: srv.http_get("/live/dash/index.m3u8")[0] == 200, timeout=10, what="HLS playlist")
            rx.wait_count("on_play", 2, timeout=10)
            protocols = sorted(r.json["protocol"] for r in rx.requests(event="on_play"))
            self.assertEqual(protocols, ["dash", "hls"], protocols)


if __name__ == "__main__":
    harness.main()
