"""Players: ffmpeg over RTMP and HTTP-FLV, rtmpdump (librtmp, digest handshake), a player that
arrives before the publisher, and a publisher that leaves while players watch."""
import os
import time
import unittest

import harness
from harness import Proc, Server, ffprobe_json, publish
from rtmp_client import RtmpClient, amf_null, chunk


def probe_frames(path):
    info = ffprobe_json(path, "-show_streams", "-count_frames")
    return {s["codec_type"]: s for s in info["streams"]}


class Play(unittest.TestCase):
    def test_rtmp_flv_and_rtmpdump_players(self):
        clip = harness.make_clip(seconds=10)
        with Server("play") as srv:
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")):
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                out_rtmp = os.path.join(srv.dir, "rtmp.flv")
                out_flv = os.path.join(srv.dir, "http.flv")
                out_dump = os.path.join(srv.dir, "rtmpdump.flv")
                rtmp = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.rtmp_url("live/cam"),
                             "-t", "3", "-c", "copy", out_rtmp], os.path.join(srv.dir, "rtmp.log"), 20)
                flv = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.http_url("/live/cam.flv"),
                            "-t", "3", "-c", "copy", out_flv], os.path.join(srv.dir, "flv.log"), 20)
                dump = Proc(["rtmpdump", "-q", "--live", "-r", srv.rtmp_url("live/cam"), "-o", out_dump],
                            os.path.join(srv.dir, "rtmpdump.log"), 4)
                # While they play, the API counts them per output.
                viewers = srv.wait_for(lambda: (lambda v: v["rtmp"] >= 2 and v["flv"] >= 1 and v)(
                    srv.api("/streams/live/cam")[1]["viewers"]), timeout=10, what="viewers in the API")
                self.assertGreaterEqual(viewers["rtmp"], 2)
                self.assertEqual(rtmp.wait(timeout=25), 0, rtmp.output())
                self.assertEqual(flv.wait(timeout=25), 0, flv.output())
                self.assertEqual(dump.wait(timeout=10), 124, dump.output())  # live: stopped by timeout

            for path in (out_rtmp, out_flv):
                streams = probe_frames(path)
                self.assertEqual(streams["video"]["codec_name"], "h264")
                self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
                self.assertEqual(streams["audio"]["codec_name"], "aac")
                # 3 s at 30 fps; the player starts at the cached keyframe, so it gets them all.
                self.assertGreaterEqual(int(streams["video"]["nb_read_frames"]), 85, path)
                self.assertGreaterEqual(int(streams["audio"]["nb_read_frames"]), 130, path)
            with open(out_dump, "rb") as f:
                head = f.read(3)
            self.assertEqual(head, b"FLV")
            streams = probe_frames(out_dump)
            self.assertGreaterEqual(int(streams["video"]["nb_read_frames"]), 60)
            self.assertIn("rtmp play start", srv.log_text())
            self.assertTrue(srv.alive())

    def test_player_waits_for_publisher_and_sees_it_leave(self):
        clip = harness.make_clip(seconds=4)
        with Server("waiting") as srv:
            out = os.path.join(srv.dir, "early.flv")
            player = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.rtmp_url("live/later"),
                           "-c", "copy", out], os.path.join(srv.dir, "player.log"), 30)
            srv.wait_for(lambda: srv.api("/streams/live/later")[1]["viewers"]["rtmp"] == 1,
                         timeout=10, what="waiting player")
            pub = publish(srv, "live/later", clip, os.path.join(srv.dir, "publish.log"))
            self.assertEqual(pub.wait(timeout=20), 0, pub.output())
            # The player stays connected after the publisher leaves (it was told the stream ended);
            # stop it and check what it got.
            time.sleep(0.5)
            player.stop()
            streams = probe_frames(out)
            self.assertGreaterEqual(int(streams["video"]["nb_read_frames"]), 100)
            self.assertIn("rtmp publish stop", srv.log_text())

    def test_player_messages_while_playing(self):
        """What a player sends after play: a ping is answered behind the media, closeStream and a
        broken chunk stream end that player only, each with a log line."""
        clip = harness.make_clip(seconds=20)
        with Server("playmsgs") as srv:
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")):
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                pinger = RtmpClient(srv.rtmp_port)
                pinger.handshake()
                pinger.connect()
                pinger.play("cam")
                pinger.recv_exact(4096)  # playing: media arrives
                # User control PingRequest (6) with a value; the answer is PingResponse (7).
                pinger.sock.sendall(chunk(2, 4, bytes.fromhex("00061234abcd")))
                got, deadline = b"", time.time() + 5
                while bytes.fromhex("00071234abcd") not in got and time.time() < deadline:
                    got = got[-8:] + pinger.sock.recv(65536)
                self.assertIn(bytes.fromhex("00071234abcd"), got, "no ping response")
                pinger.command("closeStream", 0, amf_null(), stream_id=1)
                self.assertTrue(pinger.closed_within(5), "closeStream did not end the player")
                srv.wait_for(lambda: "play stopped by client" in srv.log_text(), timeout=5,
                             what="log of the stopped player")

                broken = RtmpClient(srv.rtmp_port)
                broken.handshake()
                broken.connect()
                broken.play("cam")
                broken.recv_exact(4096)
                broken.sock.sendall(bytes([0xC0 | 9]) + b"\x00" * 64)  # type-3 chunk, no header before
                self.assertTrue(broken.closed_within(5), "a broken chunk stream did not end the player")
                srv.wait_for(lambda: "rtmp protocol error" in srv.log_text(), timeout=5,
                             what="log of the protocol error")
                pinger.close()
                broken.close()
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1]["viewers"]["rtmp"] == 0,
                             timeout=5, what="both players gone")
                # The stream carries on for the next player.
                out = os.path.join(srv.dir, "after.flv")
                after = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.rtmp_url("live/cam"),
                              "-t", "2", "-c", "copy", out], os.path.join(srv.dir, "after.log"), 20)
                self.assertEqual(after.wait(timeout=25), 0, after.output())
                self.assertGreaterEqual(int(probe_frames(out)["video"]["nb_read_frames"]), 55)
            self.assertTrue(srv.alive())

    def test_http_flv_of_unknown_stream_is_404(self):
        with Server("flv404") as srv:
            status, headers, body = srv.http_get("/live/nothing.flv")
            self.assertEqual(status, 404)
            self.assertIn(b"stream not found", body)
            status, _, body = srv.http_get("/live/nothing/index.m3u8")
            self.assertEqual(status, 404)
            self.assertIn(b"stream not found", body)


if __name__ == "__main__":
    harness.main()
