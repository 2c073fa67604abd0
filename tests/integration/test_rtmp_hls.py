"""ffmpeg publishes H.264/AAC over RTMP; ffprobe reads the HLS output; the API describes it."""
import os
import unittest

import harness
from harness import Server, publish, ffprobe_json, parse_playlist


class RtmpToHls(unittest.TestCase):
    def test_default_is_low_latency_and_plays_in_ffmpeg(self):
        """With no HLS configuration, index.m3u8 is Low-Latency HLS (fMP4 parts, blocking
        reloads), and a player that ignores the LL tags (ffmpeg) plays its segments."""
        clip = harness.make_clip(seconds=14, size="640x360", rate=30, gop=30)
        with Server("hls-default") as srv:
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")) as pub:
                text = srv.wait_for(lambda: (lambda r: r[0] == 200 and r[2].decode())(
                    srv.http_get("/live/cam/index.m3u8")), timeout=15, what="playlist")
                self.assertIn("#EXT-X-VERSION:9\n", text)
                self.assertIn("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES", text)
                self.assertIn("#EXT-X-PART-INF:PART-TARGET=0.200\n", text)
                self.assertIn("#EXT-X-PRELOAD-HINT:TYPE=PART", text)
                tags, segments = parse_playlist(text)
                self.assertTrue(tags["EXT-X-MAP"].startswith('URI="'), text)
                self.assertTrue(all(s["uri"].endswith(".m4s") for s in segments), text)
                out = os.path.join(srv.dir, "copy.mp4")
                copy = harness.Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.http_url("/live/cam/index.m3u8"),
                                     "-t", "4", "-c", "copy", out], os.path.join(srv.dir, "copy.log"), 40)
                self.assertEqual(copy.wait(timeout=45), 0, copy.output()[-2000:])
                probe = ffprobe_json(out, "-show_streams", "-show_format")
                self.assertEqual({s["codec_name"] for s in probe["streams"]}, {"h264", "aac"})
                self.assertGreaterEqual(float(probe["format"]["duration"]), 3.5)
                self.assertIsNone(pub.proc.poll())

    def test_publish_hls_api_endlist(self):
        clip = harness.make_clip(seconds=10, size="640x360", rate=30, gop=30)
        with Server("hls", hls_segment=2.0, hls_extra="  variant: ts\n") as srv:
            with publish(srv, "live/mystream", clip, os.path.join(srv.dir, "publish.log")) as pub:
                # The playlist appears once the first 2 s segment is complete.
                text = srv.wait_for(lambda: (lambda r: r[0] == 200 and r[2].decode())(
                    srv.http_get("/live/mystream/index.m3u8")), timeout=15, what="playlist")
                status, headers, _ = srv.http_get("/live/mystream/index.m3u8")
                self.assertEqual(headers.get("Content-Type"), "application/vnd.apple.mpegurl")
                self.assertIn("max-age", headers.get("Cache-Control", ""))
                self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")

                # The API, while live.
                status, info = srv.api("/streams/live/mystream")
                self.assertEqual(status, 200)
                self.assertTrue(info["live"])
                self.assertEqual(info["publisher"]["protocol"], "rtmp")
                self.assertTrue(info["publisher"]["address"].startswith("127.0.0.1:"))
                video = [t for t in info["tracks"] if t["kind"] == "video"][0]
                audio = [t for t in info["tracks"] if t["kind"] == "audio"][0]
                self.assertEqual((video["codec"], video["width"], video["height"]), ("h264", 640, 360))
                self.assertEqual(video["profile"], "Main")
                self.assertTrue(video["codec_string"].startswith("avc1.4d"), video["codec_string"])
                self.assertAlmostEqual(video["frame_rate"], 30, delta=1)
                self.assertEqual((audio["codec"], audio["sample_rate"], audio["channels"]), ("aac", 48000, 2))
                self.assertEqual(audio["codec_string"], "mp4a.40.2")
                srv.wait_for(lambda: srv.api("/streams/live/mystream")[1]["tracks"][0]["bitrate"] > 0,
                             timeout=5, what="measured bitrate")
                status, listing = srv.api("/streams")
                self.assertEqual([s["path"] for s in listing["streams"]], ["live/mystream"])

                # ffprobe reads the live playlist: codecs and resolution.
                probe = ffprobe_json(srv.http_url("/live/mystream/index.m3u8"), "-show_streams")
                kinds = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual(kinds["video"]["codec_name"], "h264")
                self.assertEqual((kinds["video"]["width"], kinds["video"]["height"]), (640, 360))
                self.assertEqual(kinds["audio"]["codec_name"], "aac")
                self.assertEqual(int(kinds["audio"]["sample_rate"]), 48000)
                # ffprobe fetched segments: it counts as one HLS viewer (by address).
                self.assertEqual(srv.api("/streams/live/mystream")[1]["viewers"]["hls"], 1)

                # The multivariant playlist names the media playlist with what a player needs
                # to choose it, and ffprobe follows it to the same streams.
                status, headers, body = srv.http_get("/live/mystream/master.m3u8")
                self.assertEqual(status, 200)
                master = body.decode()
                self.assertRegex(master, r'#EXT-X-STREAM-INF:BANDWIDTH=\d{6,7},AVERAGE-BANDWIDTH=\d+,'
                                         r'CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=640x360,'
                                         r'FRAME-RATE=30\.000\nindex\.m3u8\n')
                probe = ffprobe_json(srv.http_url("/live/mystream/master.m3u8"), "-show_streams")
                self.assertEqual({s["codec_name"] for s in probe["streams"]}, {"h264", "aac"})

                self.assertEqual(pub.wait(timeout=40), 0, pub.output()[-2000:])

            # The publisher left: the playlist ends, and every segment is near the target.
            text = srv.wait_for(lambda: (lambda t: "#EXT-X-ENDLIST" in t and t)(
                srv.http_get("/live/mystream/index.m3u8")[2].decode()), timeout=10, what="ENDLIST")
            tags, segments = parse_playlist(text)
            self.assertEqual(tags["EXT-X-TARGETDURATION"], "2")
            self.assertGreaterEqual(len(segments), 4)
            for seg in segments[:-1]:
                self.assertAlmostEqual(seg["duration"], 2.0, delta=0.05, msg=text)
            self.assertLessEqual(segments[-1]["duration"], 2.1)
            total = sum(s["duration"] for s in segments)

            # Continuous timestamps across segments: concatenate and read every packet.
            data = b""
            for seg in segments:
                status, headers, body = srv.http_get(f"/live/mystream/{seg['uri']}")
                self.assertEqual(status, 200)
                self.assertEqual(headers.get("Content-Type"), "video/mp2t")
                self.assertIn("immutable", headers.get("Cache-Control", ""))
                self.assertEqual(len(body) % 188, 0)
                data += body
            joined = os.path.join(srv.dir, "joined.ts")
            with open(joined, "wb") as f:
                f.write(data)
            packets = ffprobe_json(joined, "-show_packets", "-show_entries",
                                   "packet=codec_type,dts_time,flags")["packets"]
            video_dts = [float(p["dts_time"]) for p in packets if p["codec_type"] == "video"]
            audio_dts = [float(p["dts_time"]) for p in packets if p["codec_type"] == "audio"]
            self.assertGreater(len(video_dts), 25 * total)
            for series in (video_dts, audio_dts):
                steps = [b - a for a, b in zip(series, series[1:])]
                self.assertTrue(all(0 < s < 0.1 for s in steps), f"gap or reorder in dts: {max(steps)}")
            self.assertAlmostEqual(video_dts[-1] - video_dts[0], total, delta=0.2)
            # Every segment starts with a keyframe.
            self.assertIn("K", [p for p in packets if p["codec_type"] == "video"][0]["flags"])

            self.assertTrue(srv.alive())


if __name__ == "__main__":
    harness.main()
