"""Pulling from cameras (pull.sources and /api/v1/pulls) with a real RTSP server standing in for
the camera: GStreamer's gst-rtsp-server through Python GI (rtsp_camera.py), serving H.264 and AAC
with Digest or Basic authentication, over TCP and UDP. ffprobe reads the HLS and the RTSP that
come out. Also: the UDP-to-TCP fallback of transport auto (with a G.711 camera whose audio
comes out as AAC), wrong credentials (retried, the
error in the API, the password never in the log), a camera restart (the stream continues after
a discontinuity), and sources added and removed through the API."""
import json
import os
import re
import time
import unittest
import urllib.error
import urllib.request

import harness
from harness import Proc, Server
from test_srt_loss import NamespacePath

CAMERA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rtsp_camera.py")


class Camera(Proc):
    """rtsp_camera.py on a free loopback port; ready once it says so."""

    def __init__(self, work_dir, name, port=None, timeout=120, **options):
        self.port = port or harness.free_port()
        args = ["/usr/bin/python3", CAMERA, "--port", str(self.port)]
        for key, value in options.items():
            args += ["--" + key.replace("_", "-"), str(value)]
        super().__init__(args, os.path.join(work_dir, f"camera-{name}.log"), timeout)
        deadline = time.time() + 15
        while "ready" not in self.output():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("camera stand-in did not start: " + self.output()[-2000:])
            time.sleep(0.05)

    def url(self, path="/cam", user=None, password=None):
        auth = f"{user}:{password}@" if user else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}{path}"


def pull_config(sources, extra=""):
    lines = ["pull:", "  retry_initial: 200ms", "  retry_max: 1s", "  read_timeout: 3s", "  sources:"]
    for path, value in sources.items():
        lines.append(f"    {path}: {json.dumps(value)}")
    return "\n".join(lines) + "\n" + extra


def api_call(srv, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(srv.http_url("/api/v1" + path), data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def pulls(srv):
    return {f"{p['app']}/{p['stream']}": p for p in srv.api("/pulls")[1]["pulls"]}


def wait_live(srv, path, timeout=20):
    return srv.wait_for(lambda: (lambda i: i.get("live") and i.get("tracks") and i)(
        srv.api(f"/streams/{path}")[1]), timeout=timeout, what=f"{path} live")


def codecs(url):
    probe = harness.ffprobe_json(url, "-show_streams")
    return {s["codec_type"]: s for s in probe["streams"]}


class RtspPull(unittest.TestCase):
    def test_digest_camera_over_tcp_and_udp(self):
        work = os.path.join(harness.ARGS.work_dir, "pull_digest")
        os.makedirs(work, exist_ok=True)
        with Camera(work, "digest", auth="digest", user="admin", password="s3cret-pw") as cam:
            url = cam.url(user="admin", password="s3cret-pw")
            config = pull_config({"live/tcp": {"url": url, "transport": "tcp"},
                                  "live/auto": url})
            with Server("pull_digest", hls_segment=1.0, config_extra=config) as srv:
                for path in ("live/tcp", "live/auto"):
                    info = wait_live(srv, path)
                    self.assertEqual(info["publisher"]["protocol"], "rtsp")
                    tracks = {t["kind"]: t for t in info["tracks"]}
                    self.assertEqual((tracks["video"]["codec"], tracks["video"]["width"]), ("h264", 320))
                    self.assertEqual((tracks["audio"]["codec"], tracks["audio"]["sample_rate"]), ("aac", 44100))
                state = pulls(srv)
                self.assertEqual((state["live/tcp"]["state"], state["live/tcp"]["transport"]), ("live", "tcp"))
                # auto tries UDP first, and UDP gets through on loopback.
                self.assertEqual((state["live/auto"]["state"], state["live/auto"]["transport"]), ("live", "udp"))
                self.assertEqual(state["live/tcp"]["url"], f"rtsp://127.0.0.1:{cam.port}/cam")
                self.assertEqual(state["live/tcp"]["origin"], "config")
                for path in ("live/tcp", "live/auto"):
                    srv.wait_for(lambda: len(harness.parse_playlist(
                        srv.http_get(f"/{path}/index.m3u8")[2].decode())[1]) >= 2, timeout=15,
                        what=f"{path}: 2 segments")
                    streams = codecs(srv.http_url(f"/{path}/index.m3u8"))
                    self.assertEqual(streams["video"]["codec_name"], "h264")
                    self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (320, 240))
                    self.assertEqual(streams["audio"]["codec_name"], "aac")
                # The pulled stream plays over RTSP too.
                streams = codecs(srv.rtsp_url("live/auto"))
                self.assertEqual(set(streams), {"video", "audio"})
                _, _, metrics = srv.http_get("/metrics")
                self.assertIn('firstmile_pull_up{app="live",stream="tcp"} 1', metrics.decode())
            log = srv.log_text()
            self.assertRegex(log, r"rtsp pull stop source=live/tcp .* reason=\"stopped\"")
            self.assertNotIn("s3cret-pw", log)

    def test_basic_auth_and_wrong_credentials(self):
        work = os.path.join(harness.ARGS.work_dir, "pull_basic")
        os.makedirs(work, exist_ok=True)
        with Camera(work, "basic", auth="basic", user="viewer", password="right-pw") as cam:
            config = pull_config({"live/good": {"url": cam.url(user="viewer", password="right-pw"),
                                                "transport": "tcp"},
                                  "live/bad": {"url": cam.url(user="viewer", password="wrong-pw"),
                                               "transport": "tcp"},
                                  "live/none": {"url": cam.url(), "transport": "tcp"}})
            with Server("pull_basic", hls_segment=1.0, config_extra=config) as srv:
                wait_live(srv, "live/good")
                # Between attempts the source waits in "retrying"; a poll may also land in the
                # next attempt's "connecting", so the state is part of what is awaited.
                bad = srv.wait_for(
                    lambda: (lambda p: p["attempts"] >= 3 and p["state"] == "retrying" and p)(
                        pulls(srv)["live/bad"]),
                    timeout=20, what="three attempts with a wrong password, waiting to retry")
                self.assertIn("401", bad["last_error"])
                none = pulls(srv)["live/none"]
                self.assertIn("no credentials", none["last_error"])
                self.assertEqual(srv.api("/streams/live/bad")[0], 404)
            log = srv.log_text()
            self.assertNotIn("right-pw", log)
            self.assertNotIn("wrong-pw", log)

    def test_auto_falls_back_to_tcp(self):
        # A camera that serves RTP over TCP only (as behind a NAT where UDP does not get
        # through): SETUP with UDP is refused, the next attempt uses TCP.
        work = os.path.join(harness.ARGS.work_dir, "pull_fallback")
        os.makedirs(work, exist_ok=True)
        # Its audio is G.711 A-law, as many cameras send: it comes out as AAC.
        with Camera(work, "tcp_only", protocols="tcp", audio="pcma") as cam:
            with Server("pull_fallback", hls_segment=1.0,
                        config_extra=pull_config({"live/cam": cam.url()})) as srv:
                info = wait_live(srv, "live/cam")
                tracks = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((tracks["audio"]["codec"], tracks["audio"]["sample_rate"]), ("aac", 8000))
                self.assertEqual(pulls(srv)["live/cam"]["transport"], "tcp")
                self.assertIn("UDP does not get through: TCP from now on", srv.log_text())
                self.assertIn("tracks=H264/90000,PCMA/8000->AAC", srv.log_text())
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/cam/index.m3u8")[2].decode())[1]) >= 2, timeout=15,
                    what="2 segments")
                # Live: ffprobe reads 2 s of it.
                probe = harness.ffprobe_json(srv.http_url("/live/cam/index.m3u8"), "-select_streams", "a:0",
                                             "-read_intervals", "%+2", "-count_frames", "-show_streams")
                audio = probe["streams"][0]
                self.assertEqual(audio["codec_name"], "aac")
                self.assertGreater(int(audio["nb_read_frames"]), 10)
            self.assertRegex(srv.log_text(), r"rtsp pull stop source=live/cam .* aac_errors=0")

    def test_camera_restart_continues_the_stream(self):
        work = os.path.join(harness.ARGS.work_dir, "pull_restart")
        os.makedirs(work, exist_ok=True)
        port = harness.free_port()
        with Server("pull_restart", hls_segment=1.0, hls_extra="  variant: ts\n  window: 30\n",
                    config_extra=pull_config({"live/cam": f"rtsp://127.0.0.1:{port}/cam"})) as srv:
            with Camera(work, "first", port=port):
                wait_live(srv, "live/cam")
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/cam/index.m3u8")[2].decode())[1]) >= 2, timeout=15,
                    what="2 segments before the restart")
            srv.wait_for(lambda: pulls(srv)["live/cam"]["state"] == "retrying", timeout=10,
                         what="the pull retrying after the camera went away")
            with Camera(work, "second", port=port):
                srv.wait_for(lambda: pulls(srv)["live/cam"]["state"] == "live", timeout=15,
                             what="live again")
                text = srv.wait_for(lambda: (lambda t: "#EXT-X-DISCONTINUITY\n" in t and len(
                    harness.parse_playlist(t)[1]) >= 4 and t)(
                    srv.http_get("/live/cam/index.m3u8")[2].decode()), timeout=20,
                    what="segments after a discontinuity")
                self.assertNotIn("#EXT-X-ENDLIST", text)
                self.assertGreaterEqual(pulls(srv)["live/cam"]["attempts"], 2)
                streams = codecs(srv.http_url("/live/cam/index.m3u8"))
                self.assertEqual(streams["video"]["codec_name"], "h264")

    def test_on_demand_starts_with_a_viewer_and_stops_after_the_last(self):
        work = os.path.join(harness.ARGS.work_dir, "pull_on_demand")
        os.makedirs(work, exist_ok=True)
        with Camera(work, "on_demand") as cam:
            config = pull_config({"live/od": {"url": cam.url(), "on_demand": True}},
                                 extra="  close_after: 1s\n")
            with Server("pull_on_demand", hls_segment=1.0, config_extra=config) as srv:
                state = pulls(srv)["live/od"]
                self.assertEqual((state["state"], state["attempts"], state["on_demand"]), ("idle", 0, True))
                self.assertEqual(srv.api("/streams/live/od")[0], 404)
                # The first HLS request starts the pull and waits for the first segment.
                t0 = time.monotonic()
                status, _, body = srv.http_get("/live/od/index.m3u8", timeout=15)
                waited = time.monotonic() - t0
                print(f"\non-demand HLS playlist after {waited:.2f} s")
                self.assertEqual(status, 200, body)
                self.assertIn(b"#EXTINF", body)
                self.assertEqual(pulls(srv)["live/od"]["state"], "live")
                streams = codecs(srv.http_url("/live/od/index.m3u8"))
                self.assertEqual(set(streams), {"video", "audio"})
                # Nobody watches any more: the pull stops once HLS no longer counts the viewer
                # (three segment durations, at least 6 s) and pull.close_after (1 s) passed.
                srv.wait_for(lambda: pulls(srv)["live/od"]["state"] == "idle", timeout=20,
                             what="the on-demand pull stopped")
                self.assertRegex(srv.log_text(),
                                 r"rtsp pull stop source=live/od .* reason=\"nobody watching for pull.close_after\"")
                srv.wait_for(lambda: srv.api("/streams/live/od")[1].get("publisher") is None, timeout=5,
                             what="publisher gone")
                # An RTSP player starts it again, and once it left (an RTSP viewer is counted
                # while connected) an RTMP player, which waits for it as for any publisher.
                streams = codecs(srv.rtsp_url("live/od"))
                self.assertEqual(set(streams), {"video", "audio"})
                self.assertEqual(pulls(srv)["live/od"]["attempts"], 2)
                srv.wait_for(lambda: pulls(srv)["live/od"]["state"] == "idle", timeout=10,
                             what="stopped after the RTSP player")
                streams = codecs(srv.rtmp_url("live/od"))
                self.assertEqual(set(streams), {"video", "audio"})
                self.assertEqual(pulls(srv)["live/od"]["attempts"], 3)
                # While the stream lingers with its ended playlist, an HLS request still starts
                # the pull rather than get the old playlist.
                srv.wait_for(lambda: pulls(srv)["live/od"]["state"] == "idle", timeout=10,
                             what="stopped after the RTMP player")
                status, _, body = srv.http_get("/live/od/index.m3u8", timeout=15)
                self.assertEqual(status, 200)
                self.assertNotIn(b"#EXT-X-ENDLIST", body)
                self.assertEqual(pulls(srv)["live/od"]["attempts"], 4)

    def test_a_lossy_link_is_counted_and_the_stream_goes_on(self):
        # The camera in a network namespace this test makes, behind a veth pair that drops 2%
        # of the packets each way (test_srt_loss's path); RTP over UDP, no retransmission.
        if not NamespacePath.available():
            self.skipTest("needs root, ip and tc or nft for a lossy network namespace")
        work = os.path.join(harness.ARGS.work_dir, "pull_loss")
        os.makedirs(work, exist_ok=True)
        with NamespacePath(loss_percent=2) as path:
            port = harness.free_port()
            cam = Proc(["ip", "netns", "exec", path.ns, "/usr/bin/python3", CAMERA, "--address",
                        path.ns_ip, "--port", str(port), "--gop", "12"],
                       os.path.join(work, "camera.log"), 90)
            with cam:
                deadline = time.time() + 15
                while "ready" not in cam.output():
                    self.assertLess(time.time(), deadline, cam.output())
                    time.sleep(0.05)
                config = pull_config({"live/lossy": {"url": f"rtsp://{path.ns_ip}:{port}/cam",
                                                     "transport": "udp"}})
                with Server("pull_loss", hls_segment=1.0, config_extra=config) as srv:
                    wait_live(srv, "live/lossy")
                    # Media through the lossy link until losses were seen and counted and 4
                    # segments made: the stream goes on (video resumes at the next keyframe,
                    # every 0.5 s) without a reconnection.
                    def lost_and_segments():
                        i = srv.api("/streams/live/lossy")[1]
                        n = len(harness.parse_playlist(srv.http_get("/live/lossy/index.m3u8")[2].decode())[1])
                        return i["publisher"]["rtsp"]["packets_lost"] > 0 and n >= 4 and i
                    info = srv.wait_for(lost_and_segments, timeout=40, what="losses counted, 4 segments")
                    self.assertTrue(info["live"])
                    self.assertEqual(pulls(srv)["live/lossy"]["attempts"], 1, "no reconnection")
                    link = info["publisher"]["rtsp"]
                    self.assertEqual(info["clients"][0]["rtsp"], link)
                    print(f"\nover {path.method} at 2%: {link['packets_lost']} RTP packets lost")
                    metrics = srv.http_get("/metrics")[2].decode()
                    lost = re.search(r'firstmile_rtp_packets_lost_total\{protocol="rtsp",role="publisher"\} (\d+)',
                                     metrics)
                    self.assertIsNotNone(lost, metrics[-2000:])
                    self.assertGreaterEqual(int(lost.group(1)), link["packets_lost"])
                    streams = codecs(srv.http_url("/live/lossy/index.m3u8"))
                    self.assertEqual(streams["video"]["codec_name"], "h264")
                self.assertRegex(srv.log_text(), r"rtsp pull stop source=live/lossy .* lost_packets=[1-9]")

    def test_api_adds_and_removes_sources(self):
        work = os.path.join(harness.ARGS.work_dir, "pull_api")
        os.makedirs(work, exist_ok=True)
        with Camera(work, "api") as cam:
            with Server("pull_api", hls_segment=1.0) as srv:
                self.assertEqual(srv.api("/pulls"), (200, {"pulls": []}))
                status, body = api_call(srv, "POST", "/pulls",
                                        {"app": "live", "stream": "door", "url": cam.url()})
                self.assertEqual(status, 201, body)
                self.assertEqual((body["app"], body["stream"], body["origin"]), ("live", "door", "api"))
                wait_live(srv, "live/door")
                self.assertEqual(pulls(srv)["live/door"]["state"], "live")
                # Refusals, each with its reason.
                status, body = api_call(srv, "POST", "/pulls",
                                        {"app": "live", "stream": "door", "url": cam.url()})
                self.assertEqual(status, 409, body)
                status, body = api_call(srv, "POST", "/pulls",
                                        {"app": "live", "stream": "x", "url": "http://example.invalid/"})
                self.assertEqual(status, 400, body)
                self.assertIn("rtsp://", body)
                status, body = api_call(srv, "POST", "/pulls",
                                        {"app": "live", "stream": "x", "url": cam.url(), "transport": "quic"})
                self.assertEqual(status, 400, body)
                self.assertEqual(api_call(srv, "POST", "/pulls", {"app": "../x", "stream": "y",
                                                                   "url": cam.url()})[0], 400)
                self.assertEqual(api_call(srv, "POST", "/pulls", ["not", "an", "object"])[0], 400)
                # Removed: the publisher goes, and the stream ends.
                self.assertEqual(api_call(srv, "DELETE", "/pulls/live/door"), (200, {"removed": 1}))
                srv.wait_for(lambda: srv.api("/streams/live/door")[0] == 404 or
                             srv.api("/streams/live/door")[1]["publisher"] is None, timeout=10,
                             what="publisher gone")
                self.assertEqual(srv.api("/pulls"), (200, {"pulls": []}))
                self.assertEqual(api_call(srv, "DELETE", "/pulls/live/door")[0], 404)
                # Added again while the stream lingers: the new source publishes to it (from
                # whichever worker it runs on), and is stopped there.
                self.assertEqual(api_call(srv, "POST", "/pulls", {"app": "live", "stream": "door",
                                                                  "url": cam.url(), "transport": "tcp"})[0], 201)
                srv.wait_for(lambda: pulls(srv)["live/door"]["state"] == "live", timeout=15,
                             what="live again")
                wait_live(srv, "live/door")
                self.assertEqual(api_call(srv, "DELETE", "/pulls/live/door"), (200, {"removed": 1}))
                srv.wait_for(lambda: len(re.findall(r"rtsp pull stop source=live/door .* reason=\"stopped\"",
                                                    srv.log_text())) == 2, timeout=10,
                             what="both pulls stopped")


if __name__ == "__main__":
    harness.main()
