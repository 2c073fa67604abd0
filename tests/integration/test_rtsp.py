"""RTSP with real clients: ffmpeg publishes H.264 (with B-frames) and AAC, and H.265, over RTSP
with RTP interleaved in the connection or over UDP (ANNOUNCE, SETUP, RECORD), GStreamer's
rtspclientsink publishes H.264 and MP4A-LATM AAC, and ffprobe reads the HLS that comes out; ffprobe, ffmpeg and
GStreamer's rtspsrc play streams over RTSP (DESCRIBE, SETUP, PLAY, TEARDOWN answered, over
TCP and UDP), whatever published them; a key the app does not accept, a codec the server cannot carry, a
malformed request and a client that never gets to RECORD are refused with a reason; credentials
(Digest where the server knows the secret, Basic for webhooks) carry keys and play tokens."""
import hashlib
import hmac
import os
import socket
import subprocess
import time
import unittest

import harness
from harness import Proc, Server
from webhook_receiver import WebhookReceiver


def rtsp_publish(srv, path, clip, log_path, timeout=60, transport="tcp"):
    return Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy",
                 "-f", "rtsp", "-rtsp_transport", transport, srv.rtsp_url(path)], log_path, timeout)


def frame_types(url):
    """Picture types of the video frames ffprobe decodes from `url` (an HLS playlist)."""
    probe = harness.ffprobe_json(url, "-select_streams", "v:0", "-show_entries", "frame=pict_type")
    return [f.get("pict_type") for f in probe["frames"]]


class Rtsp(unittest.TestCase):
    def test_ffmpeg_publishes_h264_aac_over_tcp(self):
        clip = harness.make_clip(seconds=8)  # libx264 main profile: B-frames
        # A window that keeps the whole clip, to count its frames at the end.
        with Server("rtsp_tcp", hls_segment=1.0, hls_extra="  variant: ts\n  window: 20\n") as srv:
            with rtsp_publish(srv, "live/cam", clip, os.path.join(srv.dir, "ffmpeg.log")) as pub:
                info = srv.wait_for(lambda: (lambda i: i.get("live") and i.get("tracks") and i)(
                    srv.api("/streams/live/cam")[1]), timeout=15, what="RTSP stream live")
                self.assertEqual(info["publisher"]["protocol"], "rtsp")
                tracks = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((tracks["video"]["codec"], tracks["video"]["width"],
                                  tracks["video"]["height"]), ("h264", 640, 360))
                self.assertEqual((tracks["audio"]["codec"], tracks["audio"]["sample_rate"]), ("aac", 48000))
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/cam/index.m3u8")[2].decode())[1]) >= 3, timeout=15, what="3 segments")
                probe = harness.ffprobe_json(srv.http_url("/live/cam/index.m3u8"), "-show_streams")
                streams = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual(streams["video"]["codec_name"], "h264")
                self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
                self.assertEqual(streams["audio"]["codec_name"], "aac")
                self.assertEqual(streams["audio"]["channels"], 2)
                # Audio and video start together: the tracks are aligned by their first packets.
                skew = abs(float(streams["video"]["start_time"]) - float(streams["audio"]["start_time"]))
                print(f"\nvideo/audio start skew in the HLS output: {skew * 1000:.0f} ms")
                self.assertLess(skew, 0.25)
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1500:])
            srv.wait_for(lambda: srv.api("/streams/live/cam")[1]["publisher"] is None, timeout=10,
                         what="publisher gone")
            text = srv.http_get("/live/cam/index.m3u8")[2].decode()
            self.assertIn("ENDLIST", text)
            _, segments = harness.parse_playlist(text)
            total = sum(s["duration"] for s in segments)
            print(f"{len(segments)} segments, {total:.2f} s of the 8 s clip")
            self.assertGreater(total, 7.0)
            # The B-frames came through in order: decoded types include B, the first is I.
            types = frame_types(srv.http_url("/live/cam/index.m3u8"))
            self.assertEqual(types[0], "I")
            self.assertIn("B", types)
            print(f"{len(types)} video frames decoded from the HLS, {types.count('B')} B-frames")
            self.assertGreaterEqual(len(types), 220)  # of 240: the first GOP may start late
            log = srv.log_text()
            self.assertIn("rtsp publish start stream=live/", log)
            self.assertRegex(log, r"rtsp publish stop .* lost_packets=0 malformed_packets=0 dropped_frames=0")
            # ffmpeg's sender reports were read, and receiver reports went back (every 5 s).
            self.assertRegex(log, r"rtsp publish stop .* sender_reports=[1-9]\d* receiver_reports=[1-9]")
            self.assertIn('firstmile_publishers{protocol="rtsp"} 0', srv.http_get("/metrics")[2].decode())

    def test_ffmpeg_publishes_over_udp(self):
        clip = harness.make_clip(seconds=6)
        with Server("rtsp_udp", hls_segment=1.0, hls_extra="  variant: ts\n  window: 20\n") as srv:
            with rtsp_publish(srv, "live/udp", clip, os.path.join(srv.dir, "ffmpeg.log"), transport="udp") as pub:
                srv.wait_for(lambda: srv.api("/streams/live/udp")[1].get("live"), timeout=15, what="live")
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1500:])
            srv.wait_for(lambda: srv.api("/streams/live/udp")[1]["publisher"] is None, timeout=10,
                         what="publisher gone")
            probe = harness.ffprobe_json(srv.http_url("/live/udp/index.m3u8"), "-show_streams")
            streams = {s["codec_type"]: s for s in probe["streams"]}
            self.assertEqual((streams["video"]["codec_name"], streams["audio"]["codec_name"]), ("h264", "aac"))
            types = frame_types(srv.http_url("/live/udp/index.m3u8"))
            print(f"\nover UDP: {len(types)} video frames decoded from the HLS, {types.count('B')} B-frames")
            self.assertGreaterEqual(len(types), 160)  # of 180
            log = srv.log_text()
            # ffmpeg's sender reports on the RTCP ports, receiver reports back to its RTCP port.
            self.assertRegex(log, r"rtsp publish stop .* sender_reports=[1-9]\d* receiver_reports=[1-9]")
            # The server's ports went back to the pool: a second publish over UDP gets a pair.
            with rtsp_publish(srv, "live/udp2", clip, os.path.join(srv.dir, "again.log"), transport="udp") as again:
                srv.wait_for(lambda: srv.api("/streams/live/udp2")[1].get("live"), timeout=15, what="live again")
                again.stop()

    def test_gstreamer_publishes_h264_and_latm(self):
        # GStreamer's RTSP RECORD client: another packetizer (its AAC goes as MP4A-LATM), its own
        # SDP and RTCP.
        with Server("rtsp_gst", hls_segment=1.0, hls_extra="  variant: ts\n") as srv:
            pipeline = (f"videotestsrc is-live=true num-buffers=600 ! video/x-raw,width=320,height=240,"
                        f"framerate=30/1 ! x264enc tune=zerolatency key-int-max=30 ! h264parse ! "
                        f"rtspclientsink location={srv.rtsp_url('live/gst')} protocols=tcp name=s "
                        f"audiotestsrc is-live=true ! audioconvert ! avenc_aac ! aacparse ! s.")
            with Proc(["gst-launch-1.0", "-q"] + pipeline.split(), os.path.join(srv.dir, "gst.log"), 40) as gst:
                info = srv.wait_for(lambda: (lambda i: i.get("live") and i.get("tracks") and i)(
                    srv.api("/streams/live/gst")[1]), timeout=15, what="GStreamer stream live")
                self.assertEqual(info["publisher"]["protocol"], "rtsp")
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/gst/index.m3u8")[2].decode())[1]) >= 3, timeout=15, what="3 segments")
                probe = harness.ffprobe_json(srv.http_url("/live/gst/index.m3u8"), "-show_streams")
                streams = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual((streams["video"]["codec_name"], streams["video"]["width"]), ("h264", 320))
                self.assertEqual(streams["audio"]["codec_name"], "aac")
                gst.stop()
            srv.wait_for(lambda: srv.api("/streams/live/gst")[1]["publisher"] is None, timeout=10,
                         what="publisher gone")
            types = frame_types(srv.http_url("/live/gst/index.m3u8"))  # the ended playlist
            self.assertEqual(types[0], "I")
            self.assertGreaterEqual(len(types), 60)
            log = srv.log_text()
            self.assertIn("tracks=MP4A-LATM/", log)
            self.assertRegex(log, r"rtsp publish stop .* lost_packets=0 malformed_packets=0 dropped_frames=0")

    def test_ffmpeg_publishes_h265(self):
        hevc = harness.make_clip(name="hevc.mp4", seconds=5, extra=[
            "-c:v", "libx265", "-tag:v", "hvc1", "-x265-params", "keyint=30:min-keyint=30:log-level=error"])
        with Server("rtsp_h265", hls_segment=1.0) as srv:
            with rtsp_publish(srv, "live/hevc", hevc, os.path.join(srv.dir, "ffmpeg.log")) as pub:
                srv.wait_for(lambda: len(harness.parse_playlist(
                    srv.http_get("/live/hevc/index.m3u8")[2].decode())[1]) >= 2, timeout=15,
                    what="H.265 segments")
                probe = harness.ffprobe_json(srv.http_url("/live/hevc/index.m3u8"), "-show_streams")
                streams = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual(streams["video"]["codec_name"], "hevc")
                self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
                self.assertEqual(streams["audio"]["codec_name"], "aac")
                # Published over RTSP, played over RTSP: H.265 from the hvcC into the SDP.
                probe = harness.ffprobe_json(srv.rtsp_url("live/hevc"), "-rtsp_transport", "tcp",
                                             "-show_streams")
                streams = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual((streams["video"]["codec_name"], streams["video"]["width"]), ("hevc", 640))
                self.assertEqual(streams["audio"]["codec_name"], "aac")
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1500:])

    def test_play(self):
        clip = harness.make_clip(seconds=10)
        with Server("rtsp_play", hls_segment=1.0) as srv:
            # Published over RTMP, played over RTSP: any stream plays, whatever published it.
            with harness.publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")) as pub:
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=15, what="live")
                probe = harness.ffprobe_json(srv.rtsp_url("live/cam"), "-rtsp_transport", "tcp", "-show_streams")
                streams = {s["codec_type"]: s for s in probe["streams"]}
                self.assertEqual(streams["video"]["codec_name"], "h264")
                self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
                self.assertEqual((streams["audio"]["codec_name"], streams["audio"]["sample_rate"],
                                  streams["audio"]["channels"]), ("aac", "48000", 2))
                # MP4, not MPEG-TS: ffmpeg's RTSP reader gives the first H.264 packet no timestamp
                # (its parser's doing, with or without B-frames), which its TS muxer refuses.
                # Two players at once, one over TCP and one over UDP, sharing the fan-out.
                outs = {t: os.path.join(srv.dir, f"played-{t}.mp4") for t in ("tcp", "udp")}
                players = [Proc(["ffmpeg", "-nostdin", "-v", "info", "-rtsp_transport", t, "-i",
                                 srv.rtsp_url("live/cam"), "-t", "4", "-c", "copy", "-y", out],
                                os.path.join(srv.dir, f"player-{t}.log"), 30) for t, out in outs.items()]
                try:
                    viewers = srv.wait_for(lambda: srv.api("/streams/live/cam")[1]["viewers"].get("rtsp") == 2,
                                           timeout=10, what="two RTSP viewers")
                    self.assertTrue(viewers)
                    self.assertIn('firstmile_viewers{protocol="rtsp"} 2', srv.http_get("/metrics")[2].decode())
                    for p in players:
                        self.assertEqual(p.wait(timeout=30), 0, p.output()[-1500:])
                finally:
                    for p in players:
                        p.stop()
                pub.stop()
            for transport, out in outs.items():
                # What each player wrote decodes without an error, starting at a keyframe.
                check = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-"],
                                       capture_output=True, text=True, timeout=60)
                self.assertEqual(check.returncode, 0)
                self.assertEqual(check.stderr.strip(), "", transport)
                packets = harness.ffprobe_json(out, "-select_streams", "v:0", "-show_entries",
                                               "packet=flags")["packets"]
                print(f"\nplayed over RTSP/{transport}: {len(packets)} video packets, the first flagged "
                      f"{packets[0]['flags']}")
                self.assertIn("K", packets[0]["flags"])  # the player starts at a keyframe
                self.assertGreaterEqual(len(packets), 90)  # 4 s at 30 fps, minus what started the copy
            probe = harness.ffprobe_json(out, "-show_streams")
            self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "h264"])
            log = srv.log_text()
            self.assertIn("rtsp play start stream=live/", log)
            self.assertIn("transport=udp", log)
            self.assertRegex(log, r"rtsp play stop .* bytes=[1-9]")
            # A stream nobody publishes: DESCRIBE answers 404.
            r = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", srv.rtsp_url("live/none")],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("404", r.stderr)

    def test_gstreamer_plays_over_tcp_and_udp(self):
        # Another player: GStreamer's rtspsrc, which proposes its own interleaved channels and
        # follows the server's answer (the server keeps video on 0-1 and audio on 2-3 for every
        # player, whatever was proposed: the packets are framed once for all).
        clip = harness.make_clip(seconds=20)
        with Server("rtsp_gst_play") as srv:
            with harness.publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")):
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=15, what="live")
                outs = {}
                for transport in ("tcp", "udp"):
                    out = os.path.join(srv.dir, f"gst-{transport}.mkv")
                    pipeline = (f"rtspsrc location={srv.rtsp_url('live/cam')} protocols={transport} "
                                f"latency=200 name=src src. ! rtph264depay ! h264parse ! matroskamux name=mux "
                                f"! filesink location={out} src. ! rtpmp4gdepay ! aacparse ! mux.")
                    gst = subprocess.Popen(["timeout", "30", "gst-launch-1.0", "-e", "-q"] + pipeline.split(),
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                    time.sleep(5)
                    gst.send_signal(2)  # SIGINT: -e turns it into an end of stream, the file is closed
                    output = gst.communicate(timeout=20)[0]
                    self.assertEqual(gst.returncode, 0, output[-1500:])
                    outs[transport] = out
                # A raw client that sets audio up first on channels 0-1 is told 2-3 and gets its
                # audio there.
                with socket.create_connection(("127.0.0.1", srv.rtsp_port), timeout=5) as s:
                    url = srv.rtsp_url("live/cam")
                    def ask(text):
                        s.sendall(text.encode())
                        data = b""
                        while b"\r\n\r\n" not in data:
                            data += s.recv(65536)
                        head, _, rest = data.partition(b"\r\n\r\n")
                        length = int(next((l.split(b":")[1] for l in head.split(b"\r\n")
                                           if l.lower().startswith(b"content-length:")), b"0"))
                        while len(rest) < length:
                            rest += s.recv(65536)
                        return head.decode()
                    self.assertIn("200 OK", ask(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n"))
                    head = ask(f"SETUP {url}/trackID=1 RTSP/1.0\r\nCSeq: 2\r\n"
                               f"Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n")
                    self.assertIn("interleaved=2-3", head)
                    session = next(l.split(":", 1)[1].strip().split(";")[0] for l in head.split("\r\n")
                                   if l.lower().startswith("session:"))
                    s.sendall(f"PLAY {url} RTSP/1.0\r\nCSeq: 3\r\nSession: {session}\r\n\r\n".encode())
                    data, deadline = b"", time.time() + 10
                    while time.time() < deadline and data.count(b"$\x02") < 5:
                        data += s.recv(65536)
                    self.assertGreaterEqual(data.count(b"$\x02"), 5)
            for transport, out in outs.items():
                probe = harness.ffprobe_json(out, "-count_frames", "-show_streams")
                streams = {st["codec_type"]: st for st in probe["streams"]}
                frames = int(streams["video"]["nb_read_frames"])
                print(f"\nGStreamer played over RTSP/{transport}: {frames} video frames, "
                      f"{streams['audio']['nb_read_frames']} audio frames")
                self.assertEqual((streams["video"]["codec_name"], streams["audio"]["codec_name"]), ("h264", "aac"))
                self.assertGreaterEqual(frames, 90)  # 5 s at 30 fps, minus the start
                check = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", out, "-f", "null", "-"],
                                       capture_output=True, text=True, timeout=60)
                # Matroska from rtph264depay has no decode times for B-frames: the null muxer's
                # complaints about them are GStreamer's file, not decoding errors.
                errors = [l for l in check.stderr.splitlines()
                          if "monotonically increasing dts" not in l and "Last message repeated" not in l]
                self.assertEqual(errors, [], transport)

    def test_g711_from_ffmpeg_becomes_aac(self):
        # ffmpeg announces G.711 µ-law as the static payload type 0, with no rtpmap.
        clip = harness.make_clip(name="mulaw.mkv", seconds=6,
                                 extra=["-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1", "-f", "matroska"])
        with Server("rtsp_g711", hls_segment=1.0, hls_extra="  variant: ts\n  window: 20\n") as srv:
            with rtsp_publish(srv, "live/g711", clip, os.path.join(srv.dir, "ffmpeg.log")) as pub:
                info = srv.wait_for(lambda: (lambda i: i.get("live") and i.get("tracks") and i)(
                    srv.api("/streams/live/g711")[1]), timeout=15, what="live")
                tracks = {t["kind"]: t for t in info["tracks"]}
                self.assertEqual((tracks["audio"]["codec"], tracks["audio"]["sample_rate"],
                                  tracks["audio"]["channels"]), ("aac", 8000, 1))
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1500:])
            srv.wait_for(lambda: "ENDLIST" in srv.http_get("/live/g711/index.m3u8")[2].decode(),
                         timeout=10, what="the playlist ended")
            probe = harness.ffprobe_json(srv.http_url("/live/g711/index.m3u8"), "-select_streams", "a:0",
                                         "-count_frames", "-show_streams")
            audio = probe["streams"][0]
            self.assertEqual((audio["codec_name"], audio["sample_rate"]), ("aac", "8000"))
            # 6 s at 8 kHz in 1024-sample frames: about 47, all decoded.
            print(f"\nG.711 -> AAC: {audio['nb_read_frames']} AAC frames decoded from the HLS")
            self.assertGreaterEqual(int(audio["nb_read_frames"]), 40)
            self.assertRegex(srv.log_text(), r"rtsp publish start .* tracks=H264/90000,PCMU/8000->AAC")

    def test_refusals(self):
        clip = harness.make_clip(seconds=4)
        extra = "auth:\n  publish_keys:\n    locked: [goodkey1]\n"
        with Server("rtsp_refusals", config_extra=extra,
                    rtsp_extra="  handshake_timeout: 1s\n") as srv:
            # A key the app does not accept: RECORD answered 401 (credentials could carry the
            # key), and ffmpeg, which has none, gives up.
            with rtsp_publish(srv, "locked/badkey", clip, os.path.join(srv.dir, "badkey.log"),
                              timeout=20) as bad:
                self.assertNotEqual(bad.wait(timeout=20), 0)
            self.assertIn("401", bad.output())
            srv.wait_for(lambda: "rtsp challenged stream=locked/" in srv.log_text(), timeout=5,
                         what="refusal logged")
            # A codec the server does not carry: ANNOUNCE answered 415 with the reason.
            mp2 = harness.make_clip(name="mp2.mkv", seconds=2, extra=["-c:a", "mp2", "-f", "matroska"])
            with rtsp_publish(srv, "live/mp2", mp2, os.path.join(srv.dir, "mp2.log"), timeout=20) as p:
                self.assertNotEqual(p.wait(timeout=20), 0)
            self.assertIn("415", p.output())
            self.assertIn("no supported codec among payload type 14", srv.log_text())  # MPEG audio
            # Not RTSP at all: 400, and the connection is closed.
            with socket.create_connection(("127.0.0.1", srv.rtsp_port), timeout=5) as s:
                s.sendall(b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
                answer = s.recv(4096)
                self.assertTrue(answer.startswith(b"RTSP/1.0 400"), answer)
                self.assertEqual(s.recv(4096), b"")
            # A client that never gets to RECORD is closed after rtsp.handshake_timeout.
            with socket.create_connection(("127.0.0.1", srv.rtsp_port), timeout=5) as s:
                s.sendall(b"OPTIONS rtsp://127.0.0.1/live/x RTSP/1.0\r\nCSeq: 1\r\n\r\n")
                answer = s.recv(4096)
                self.assertIn(b"Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD", answer)
                t0 = time.monotonic()
                self.assertEqual(s.recv(4096), b"")
                waited = time.monotonic() - t0
                self.assertLess(waited, 4.0)
            # The server carries on: the right key publishes.
            with rtsp_publish(srv, "locked/goodkey1", clip, os.path.join(srv.dir, "good.log")) as good:
                srv.wait_for(lambda: srv.api("/streams/locked/goodkey1")[1].get("live"), timeout=15,
                             what="the right key publishes")
                good.stop()

    def test_credentials(self):
        # rtsp://USER:PASSWORD@...: the password is the secret the URL would otherwise carry.
        # Static keys and signed URLs are known to the server, so it offers Digest (which
        # ffmpeg prefers); a webhook holds its own secrets, so only Basic is offered there.
        clip = harness.make_clip(seconds=30)
        secret = "play-secret-0123456789abcdef"
        extra = (f"auth:\n  publish_keys:\n    locked: {{sk_cam_1: cam1}}\n  play: token\n"
                 f"  play_secret: \"{secret}\"\n")
        with Server("rtsp_credentials", config_extra=extra) as srv:
            url = lambda creds, path: f"rtsp://{creds}@127.0.0.1:{srv.rtsp_port}/{path}"
            with Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f", "rtsp",
                       "-rtsp_transport", "tcp", url("encoder:sk_cam_1", "locked/cam1")],
                      os.path.join(srv.dir, "publish.log"), 60) as pub:
                srv.wait_for(lambda: srv.api("/streams/locked/cam1")[1].get("live"), timeout=15,
                             what="published with the key as the password")
                log = srv.log_text()
                self.assertIn("rtsp challenged stream=locked/", log)
                self.assertNotIn("sk_cam_1", log)
                # The name is public (the key was the password): logged in full.
                self.assertIn("rtsp publish start stream=locked/cam1", log)
                # A wrong password: asked again, then refused; the publisher carries on.
                with Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy",
                           "-f", "rtsp", "-rtsp_transport", "tcp", url("encoder:wrong", "locked/cam2")],
                          os.path.join(srv.dir, "wrong.log"), 20) as wrong:
                    self.assertNotEqual(wrong.wait(timeout=20), 0)
                self.assertIn("401", wrong.output())
                # A raw DESCRIBE: 401 with a Digest and a Basic challenge, Digest first.
                with socket.create_connection(("127.0.0.1", srv.rtsp_port), timeout=5) as s:
                    s.sendall(f"DESCRIBE {srv.rtsp_url('locked/cam1')} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
                    answer = s.recv(4096).decode()
                self.assertTrue(answer.startswith("RTSP/1.0 401"), answer)
                challenges = [l.split(":", 1)[1].strip() for l in answer.split("\r\n")
                              if l.lower().startswith("www-authenticate:")]
                self.assertEqual([c.split()[0] for c in challenges], ["Digest", "Basic"], answer)
                # Playing with a signed URL's expiry as the user name and its token as the password.
                expires = int(time.time()) + 300
                token = hmac.new(secret.encode(), f"locked/cam1:{expires}".encode(),
                                 hashlib.sha256).hexdigest()
                probe = harness.ffprobe_json(url(f"{expires}:{token}", "locked/cam1"),
                                             "-rtsp_transport", "tcp", "-show_streams")
                self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "h264"])
                for creds in (f"{expires}:{'0' * 64}", f"{expires + 1}:{token}", None):
                    target = url(creds, "locked/cam1") if creds else srv.rtsp_url("locked/cam1")
                    r = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", target],
                                       capture_output=True, text=True, timeout=30)
                    self.assertNotEqual(r.returncode, 0, creds)
                    self.assertIn("401", r.stderr, creds)
                self.assertNotIn(token, srv.log_text())
                pub.stop()

        # A webhook decides: Basic only, and the backend gets the user name and the password.
        with WebhookReceiver() as hooks:
            extra = (f"webhooks:\n  on_publish: [\"{hooks.url('/publish')}\"]\n"
                     f"  on_play: [\"{hooks.url('/play')}\"]\nauth:\n  play: webhook\n")
            with Server("rtsp_credentials_hook", config_extra=extra) as srv:
                # The first decision (the path, no credentials) is refused; the second allowed.
                hooks.respond("/publish", status=403, body={"reason": "credentials please"}, times=1)
                url = lambda creds, path: f"rtsp://{creds}@127.0.0.1:{srv.rtsp_port}/{path}"
                with Proc(["ffmpeg", "-nostdin", "-v", "info", "-re", "-i", clip, "-c", "copy", "-f",
                           "rtsp", "-rtsp_transport", "tcp", url("alice:sk_hook_9", "live/show")],
                          os.path.join(srv.dir, "publish.log"), 60) as pub:
                    srv.wait_for(lambda: srv.api("/streams/live/show")[1].get("live"), timeout=15,
                                 what="published after the webhook allowed the credentials")
                    first, second = hooks.requests("/publish")[:2]
                    self.assertEqual((first.json["key"], first.json.get("user")), ("show", None))
                    self.assertEqual((second.json["stream"], second.json["key"], second.json["user"],
                                      second.json["protocol"]), ("show", "sk_hook_9", "alice", "rtsp"))
                    self.assertNotIn("sk_hook_9", srv.log_text())
                    with socket.create_connection(("127.0.0.1", srv.rtsp_port), timeout=5) as s:
                        hooks.respond("/play", status=403, times=1)
                        s.sendall(f"DESCRIBE {srv.rtsp_url('live/show')} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
                        answer = s.recv(4096).decode()
                    self.assertTrue(answer.startswith("RTSP/1.0 401"), answer)
                    self.assertIn("WWW-Authenticate: Basic", answer)
                    self.assertNotIn("Digest", answer)
                    hooks.respond("/play", status=403, times=1)
                    probe = harness.ffprobe_json(url("bob:pw_7", "live/show"), "-rtsp_transport", "tcp",
                                                 "-show_streams")
                    self.assertEqual(sorted(s["codec_name"] for s in probe["streams"]), ["aac", "h264"])
                    last = hooks.requests("/play")[-1]
                    self.assertEqual((last.json["user"], last.json["password"], last.json["protocol"]),
                                     ("bob", "pw_7", "rtsp"))
                    pub.stop()


if __name__ == "__main__":
    harness.main()
