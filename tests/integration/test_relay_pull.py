"""Relays through the pull seam (pull.sources with rtmp:// and srt:// URLs): the server plays
a stream from an origin and publishes it as its own. Origins nobody on the team wrote: ffmpeg
serving RTMP (`-listen 1`) and SRT (`mode=listener`), and another firstmile whose API shows the
relay as one of its RTMP or SRT players (with an SRT passphrase: a wrong one is refused and
retried, the right one never logged). ffprobe reads the HLS that comes out. Also: the origin restarting (the relay
reconnects and the playlist has a discontinuity), and on demand (started by the first HLS
request, stopped after the last viewer, which the origin sees)."""
import os
import time
import unittest

import harness
from harness import Proc, Server
from test_rtsp_pull import api_call, codecs, pull_config, pulls, wait_live


def rtmp_origin(work, name, clip, port, path="live/src", timeout=60):
    """ffmpeg as an RTMP server: waits for one player on `port`, then sends `clip` in real
    time."""
    return Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f", "flv",
                 "-listen", "1", f"rtmp://127.0.0.1:{port}/{path}"],
                os.path.join(work, f"origin-{name}.log"), timeout)


class RtmpRelay(unittest.TestCase):
    def test_from_ffmpeg_and_after_the_origin_restarts(self):
        work = os.path.join(harness.ARGS.work_dir, "rtmp_relay")
        os.makedirs(work, exist_ok=True)
        clip = harness.make_clip(seconds=8)  # libx264 main profile: B-frames
        port = harness.free_port()
        url = f"rtmp://127.0.0.1:{port}/live/src"
        with Server("rtmp_relay", hls_segment=1.0, hls_extra="  variant: ts\n  window: 30\n",
                    config_extra=pull_config({"live/relay": url})) as srv:
            with rtmp_origin(work, "first", clip, port) as origin:
                info = wait_live(srv, "live/relay")
                self.assertEqual(info["publisher"]["protocol"], "rtmp")
                tracks = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((tracks["video"]["codec"], tracks["video"]["width"]), ("h264", 640))
                self.assertEqual(tracks["audio"]["codec"], "aac")
                p = pulls(srv)["live/relay"]
                self.assertEqual((p["state"], p["url"]), ("live", url))
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/relay/index.m3u8")[2].decode())[1]) >= 3, timeout=15,
                    what="3 segments")
                streams = codecs(srv.http_url("/live/relay/index.m3u8"))
                self.assertEqual((streams["video"]["codec_name"], streams["audio"]["codec_name"]),
                                 ("h264", "aac"))
                self.assertEqual(origin.wait(timeout=30), 0, origin.output()[-1500:])
            # The clip ended: the origin closed, the relay retries.
            srv.wait_for(lambda: pulls(srv)["live/relay"]["state"] == "retrying", timeout=10,
                         what="retrying after the origin closed")
            with rtmp_origin(work, "second", clip, port):
                srv.wait_for(lambda: pulls(srv)["live/relay"]["state"] == "live", timeout=15,
                             what="live again")
                text = srv.wait_for(lambda: (lambda t: "#EXT-X-DISCONTINUITY\n" in t and len(
                    harness.parse_playlist(t)[1]) >= 9 and t)(
                    srv.http_get("/live/relay/index.m3u8")[2].decode()), timeout=20,
                    what="segments after a discontinuity")
                self.assertNotIn("#EXT-X-ENDLIST", text)
            # Every frame of the first run came through: 8 s of 30 fps, from its first keyframe.
            segments = harness.parse_playlist(text)[1]
            first_run = 0.0
            for s in segments:
                if s.get("discontinuity"):
                    break
                first_run += s["duration"]
            print(f"\nrelayed {first_run:.2f} s of the 8 s clip before the restart")
            log = srv.log_text()
            self.assertIn(f"rtmp pull start source=live/relay <- {url}", log)
            self.assertRegex(log, r"rtmp pull stop source=live/relay .* errors=0 .*reason=\"(closed by the origin|the origin said NetStream\.Play\.(Stop|UnpublishNotify))\"")
            self.assertGreaterEqual(pulls(srv)["live/relay"]["attempts"], 2)

    def test_on_demand_from_another_server(self):
        clip = harness.make_clip(seconds=30)
        with Server("rtmp_relay_origin") as origin:
            with harness.publish(origin, "live/src", clip, os.path.join(origin.dir, "publish.log")) as pub:
                wait_live(origin, "live/src")
                url = f"rtmp://127.0.0.1:{origin.rtmp_port}/live/src"
                config = pull_config({"live/relay": {"url": url, "on_demand": True}},
                                     extra="  close_after: 2s\n")
                with Server("rtmp_relay_edge", hls_segment=1.0, config_extra=config) as edge:
                    self.assertEqual(pulls(edge)["live/relay"]["state"], "idle")
                    self.assertEqual(origin.api("/streams/live/src")[1]["viewers"].get("rtmp", 0), 0)
                    # The first HLS request starts the relay and waits for the stream.
                    t0 = time.monotonic()
                    status, _, body = edge.http_get("/live/relay/index.m3u8")
                    self.assertEqual(status, 200, body[:200])
                    print(f"\non demand: the first playlist answered after {time.monotonic() - t0:.2f} s")
                    # The origin sees the relay as one of its RTMP players.
                    origin.wait_for(lambda: origin.api("/streams/live/src")[1]["viewers"].get("rtmp") == 1,
                                    timeout=5, what="the relay playing from the origin")
                    streams = codecs(edge.http_url("/live/relay/index.m3u8"))
                    self.assertEqual(streams["video"]["codec_name"], "h264")
                    # Nobody watches any more: the relay stops, and the origin sees it go.
                    edge.wait_for(lambda: pulls(edge)["live/relay"]["state"] == "idle", timeout=20,
                                  what="idle after the last viewer")
                    origin.wait_for(lambda: origin.api("/streams/live/src")[1]["viewers"].get("rtmp", 0) == 0,
                                    timeout=5, what="the relay gone from the origin")
                    self.assertIn("nobody watching for pull.close_after", edge.log_text())
                pub.stop()


class SrtRelay(unittest.TestCase):
    def test_from_ffmpeg_in_listener_mode(self):
        work = os.path.join(harness.ARGS.work_dir, "srt_relay")
        os.makedirs(work, exist_ok=True)
        clip = harness.make_clip(seconds=8)
        port = harness.free_udp_port()
        url = f"srt://127.0.0.1:{port}?latency=200"
        with Server("srt_relay", hls_segment=1.0, hls_extra="  variant: ts\n  window: 30\n",
                    config_extra=pull_config({"live/relay": url})) as srv:
            origin = Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f",
                           "mpegts", f"srt://127.0.0.1:{port}?mode=listener&pkt_size=1316"],
                          os.path.join(work, "origin.log"), 60)
            with origin:
                info = wait_live(srv, "live/relay")
                self.assertEqual(info["publisher"]["protocol"], "srt")
                # The caller's link, measured by libsrt, as for an SRT publisher.
                link = srv.wait_for(lambda: srv.api("/streams/live/relay")[1]["publisher"].get("srt"),
                                    timeout=5, what="SRT link statistics")
                self.assertGreater(link["rtt_ms"], 0)
                tracks = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((tracks["video"]["codec"], tracks["audio"]["codec"]), ("h264", "aac"))
                self.assertEqual((pulls(srv)["live/relay"]["state"], pulls(srv)["live/relay"]["url"]),
                                 ("live", url))
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/relay/index.m3u8")[2].decode())[1]) >= 3, timeout=15,
                    what="3 segments")
                self.assertEqual(origin.wait(timeout=30), 0, origin.output()[-1500:])
            srv.wait_for(lambda: pulls(srv)["live/relay"]["state"] == "retrying", timeout=15,
                         what="retrying after the origin closed")
            streams = codecs(srv.http_url("/live/relay/index.m3u8"))
            self.assertEqual((streams["video"]["codec_name"], streams["audio"]["codec_name"]),
                             ("h264", "aac"))
            _, segments = harness.parse_playlist(srv.http_get("/live/relay/index.m3u8")[2].decode())
            total = sum(s["duration"] for s in segments)
            print(f"\nrelayed over SRT: {total:.2f} s of the 8 s clip")
            self.assertGreater(total, 6.5)
            self.assertRegex(srv.log_text(), r"srt pull stop source=live/relay .*reason=\"closed by the origin\"")

    def test_from_another_server_with_a_passphrase(self):
        clip = harness.make_clip(seconds=30)
        passphrase = "relay-passphrase-0123"
        with Server("srt_relay_origin", srt_extra=f"  passphrases: {{live: \"{passphrase}\"}}\n") as origin:
            with harness.publish(origin, "live/src", clip, os.path.join(origin.dir, "publish.log")) as pub:
                wait_live(origin, "live/src")
                url = (f"srt://127.0.0.1:{origin.srt_port}?streamid=read:live/src"
                       f"&passphrase={passphrase}")
                wrong = url.replace(passphrase, "not-the-passphrase")
                with Server("srt_relay_edge", hls_segment=1.0,
                            config_extra=pull_config({"live/relay": url, "live/wrong": wrong})) as edge:
                    wait_live(edge, "live/relay")
                    origin.wait_for(lambda: origin.api("/streams/live/src")[1]["viewers"].get("srt") == 1,
                                    timeout=5, what="the relay playing from the origin over SRT")
                    edge.wait_for(lambda: len(harness.parse_playlist(
                        edge.http_get("/live/relay/index.m3u8")[2].decode())[1]) >= 2, timeout=15,
                        what="2 segments")
                    streams = codecs(edge.http_url("/live/relay/index.m3u8"))
                    self.assertEqual(streams["video"]["codec_name"], "h264")
                    # A wrong passphrase: refused by the origin, retried, the reason in the API.
                    bad = edge.wait_for(lambda: (lambda p: p["last_error"] and p)(pulls(edge)["live/wrong"]),
                                        timeout=15, what="the wrong passphrase's error")
                    print(f"\nwrong passphrase: {bad['last_error']}")
                    self.assertIn("passphrase", bad["last_error"].lower())
                    self.assertIn("passphrase=***", pulls(edge)["live/relay"]["url"])
                    self.assertNotIn(passphrase, edge.log_text())
                    self.assertNotIn(passphrase, edge.http_get("/api/v1/pulls")[2].decode())
                    # Removed through the API: the relay ends and the origin sees its player go.
                    self.assertEqual(api_call(edge, "DELETE", "/pulls/live/relay"), (200, {"removed": 1}))
                    origin.wait_for(lambda: origin.api("/streams/live/src")[1]["viewers"].get("srt", 0) == 0,
                                    timeout=5, what="the relay gone from the origin")
                pub.stop()


if __name__ == "__main__":
    harness.main()
