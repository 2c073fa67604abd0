"""The operator's side: signed playback URLs (HLS, HTTP-FLV, RTMP), the API's bearer token,
clients and kicks, /metrics checked by promtool, hot reload (SIGHUP and POST) including a bad
file, and hostile requests."""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import unittest
import urllib.parse

import harness
from harness import Proc, Server, publish

PLAY_SECRET = "play-secret-0123456789abcdef"
API_TOKEN = "api-token-0123456789"


def signed(app, stream, expires, secret=PLAY_SECRET):
    token = hmac.new(secret.encode(), f"{app}/{stream}:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"expires={expires}&token={token}"


def bearer(token=API_TOKEN):
    return {"Authorization": f"Bearer {token}"}


class PlayTokens(unittest.TestCase):
    def test_signed_urls_for_hls_flv_and_rtmp(self):
        clip = harness.make_clip(seconds=12)
        extra = f"auth:\n  play: token\n  play_secret: \"{PLAY_SECRET}\"\n"
        with Server("play_tokens", hls_segment=1.0, config_extra=extra) as srv:
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")):
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                good = signed("live", "cam", int(time.time()) + 600)
                playlist = srv.wait_for(
                    lambda: (lambda r: r[0] == 200 and r)(srv.http_get("/live/cam/index.m3u8?" + good)),
                    timeout=15, what="signed playlist")
                status, headers, body = playlist
                self.assertTrue(headers["Cache-Control"].startswith("private"), headers)
                _, segments = harness.parse_playlist(body.decode())
                self.assertTrue(segments)
                # The playlist hands its token on to the segments it lists.
                for seg in segments:
                    self.assertTrue(seg["uri"].endswith("?" + good), seg["uri"])
                self.assertEqual(srv.http_get("/live/cam/" + segments[-1]["uri"])[0], 200)
                bare = segments[-1]["uri"].split("?")[0]
                self.assertEqual(srv.http_get("/live/cam/" + bare)[0], 401)
                # Missing, expired, tampered, for another stream.
                status, _, body = srv.http_get("/live/cam/index.m3u8")
                self.assertEqual(status, 401)
                self.assertIn("token required", json.loads(body)["error"])
                expired = signed("live", "cam", int(time.time()) - 5)
                status, _, body = srv.http_get("/live/cam/index.m3u8?" + expired)
                self.assertEqual((status, json.loads(body)["error"]), (403, "token expired"))
                tampered = good[:-1] + ("0" if good[-1] != "0" else "1")
                self.assertEqual(srv.http_get("/live/cam/index.m3u8?" + tampered)[0], 403)
                other = signed("live", "other", int(time.time()) + 600)
                self.assertEqual(srv.http_get("/live/cam/index.m3u8?" + other)[0], 403)
                moved = good.replace("expires=", "expires=9")
                self.assertEqual(srv.http_get("/live/cam/index.m3u8?" + moved)[0], 403)
                # ffprobe reads the signed HLS end to end.
                probe = harness.ffprobe_json(srv.http_url("/live/cam/index.m3u8?" + good), "-show_streams")
                self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])

                # HTTP-FLV and RTMP players.
                self.assertEqual(srv.http_get("/live/cam.flv")[0], 401)
                out = os.path.join(srv.dir, "flv.flv")
                flv = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.http_url("/live/cam.flv?" + good),
                            "-t", "1", "-c", "copy", out], os.path.join(srv.dir, "flv.log"), 20)
                self.assertEqual(flv.wait(timeout=25), 0, flv.output())
                rtmp_out = os.path.join(srv.dir, "rtmp.flv")
                rtmp = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.rtmp_url("live/cam?" + good),
                             "-t", "1", "-c", "copy", rtmp_out], os.path.join(srv.dir, "rtmp.log"), 20)
                self.assertEqual(rtmp.wait(timeout=25), 0, rtmp.output())
                denied = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.rtmp_url("live/cam?" + expired),
                               "-t", "1", "-c", "copy", os.path.join(srv.dir, "denied.flv")],
                              os.path.join(srv.dir, "denied.log"), 20)
                self.assertNotEqual(denied.wait(timeout=25), 0)
                self.assertIn("NetStream.Play.Failed", srv.log_text())
                self.assertNotIn(good.split("token=")[1], srv.log_text(), "tokens are not logged")


class Api(unittest.TestCase):
    def test_bearer_token_clients_kick_and_metrics(self):
        clip = harness.make_clip(seconds=30)
        with Server("api", config_extra=f"api:\n  token: \"{API_TOKEN}\"\n") as srv:
            self.assertEqual(srv.http_get("/api/v1/streams")[0], 401)
            status, headers, _ = srv.http_get("/api/v1/streams", headers=bearer("wrong-token-00000000"))
            self.assertEqual(status, 401)
            self.assertIn("Bearer", headers.get("WWW-Authenticate", ""))
            self.assertEqual(srv.http_get("/metrics")[0], 401)
            self.assertEqual(srv.http_get("/healthz")[0], 200, "health checks need no token")
            status, _, body = srv.http_get("/api/v1/server", headers=bearer())
            self.assertEqual(status, 200)
            server = json.loads(body)
            self.assertEqual(len(server["config_hash"]), 64)

            pub = publish(srv, "live/kickme", clip, os.path.join(srv.dir, "publish.log"), timeout=60)
            try:
                api = lambda path: json.loads(srv.http_get("/api/v1" + path, headers=bearer())[2])
                srv.wait_for(lambda: api("/streams/live/kickme").get("live"), timeout=10, what="live")
                viewer = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", srv.rtmp_url("live/kickme"),
                               "-c", "copy", "-f", "flv", "/dev/null"], os.path.join(srv.dir, "viewer.log"), 40)
                clients = srv.wait_for(lambda: (lambda c: len(c) >= 2 and c)(api("/clients")["clients"]),
                                       timeout=10, what="publisher and viewer")
                kinds = {c["kind"]: c for c in clients}
                self.assertEqual(kinds["publisher"]["protocol"], "rtmp")
                self.assertEqual(kinds["viewer"]["stream"], "kickme")
                self.assertTrue(kinds["viewer"]["address"].startswith("127.0.0.1:"))
                detail = api("/streams/live/kickme")
                self.assertEqual({c["id"] for c in detail["clients"]}, {c["id"] for c in clients})

                # Metrics while live, checked by Prometheus' own tool.
                status, headers, metrics = srv.http_get("/metrics", headers=bearer())
                self.assertEqual(status, 200)
                self.assertIn("text/plain; version=0.0.4", headers["Content-Type"])
                text = metrics.decode()
                self.assertIn('firstmile_publishers{protocol="rtmp"} 1', text)
                self.assertIn('firstmile_viewers{protocol="rtmp"} 1', text)
                promtool = shutil.which("promtool")
                if promtool:
                    r = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True,
                                       timeout=30)
                    self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())

                # Kick the viewer by id, then the publisher by stream.
                vid = kinds["viewer"]["id"]
                status, _, body = srv.http_get(f"/api/v1/clients/{vid}", method="DELETE", headers=bearer())
                self.assertEqual((status, json.loads(body)), (200, {"kicked": 1}))
                self.assertNotEqual(viewer.wait(timeout=10), None)
                self.assertEqual(srv.http_get(f"/api/v1/clients/{vid}", method="DELETE", headers=bearer())[0], 404)
                self.assertEqual(srv.http_get("/api/v1/clients/abc", method="DELETE", headers=bearer())[0], 400)
                kicked_at = time.monotonic()
                status, _, body = srv.http_get("/api/v1/streams/live/kickme", method="DELETE", headers=bearer())
                self.assertEqual((status, json.loads(body)), (200, {"kicked": 1}))
                srv.wait_for(lambda: api("/streams/live/kickme")["publisher"] is None, timeout=1,
                             interval=0.02, what="publisher gone within a second")
                gone = time.monotonic() - kicked_at
                rc = pub.wait(timeout=10)
                print(f"kick: publisher detached after {gone * 1000:.0f} ms, ffmpeg exited after "
                      f"{(time.monotonic() - kicked_at) * 1000:.0f} ms", flush=True)
                self.assertNotEqual(rc, 0)
                self.assertLess(time.monotonic() - kicked_at, 1.0, "ffmpeg is disconnected within a second")
                self.assertIn("kicked through the API", srv.log_text())
                stop_text = srv.http_get("/metrics", headers=bearer())[2].decode()
                bytes_out = [l for l in stop_text.splitlines() if l.startswith('firstmile_bytes_out_total{protocol="rtmp"}')]
                self.assertGreater(float(bytes_out[0].split()[-1]), 10000)
            finally:
                pub.stop()


class Reload(unittest.TestCase):
    def test_sighup_and_post_reload_keep_the_stream(self):
        clip = harness.make_clip(seconds=30)
        keys = "auth:\n  publish_keys:\n    live:\n      key_one_000: cam\n"
        with Server("reload", config_extra=keys) as srv:
            with publish(srv, "live/key_one_000", clip, os.path.join(srv.dir, "publish.log"), timeout=60):
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                hash_before = srv.api("/server")[1]["config_hash"]
                with open(srv.config_path) as f:
                    original = f.read()
                # SIGHUP with a new key (and a changed listener, which needs a restart).
                with open(srv.config_path, "w") as f:
                    f.write(original.replace("key_one_000: cam", "key_two_000: cam2").replace(
                        "level: debug", "level: debug\n  format: text"))
                srv.proc.send_signal(signal.SIGHUP)
                srv.wait_for(lambda: srv.api("/server")[1]["reloads"] == 1, timeout=5, what="reload")
                self.assertNotEqual(srv.api("/server")[1]["config_hash"], hash_before)
                bad = publish(srv, "live/key_one_000x", clip, os.path.join(srv.dir, "old.log"), timeout=20)
                self.assertNotEqual(bad.wait(timeout=25), 0)
                with publish(srv, "live/key_two_000", clip, os.path.join(srv.dir, "new.log"), timeout=60):
                    srv.wait_for(lambda: srv.api("/streams/live/cam2")[1].get("live"), timeout=10, what="new key")
                # The first stream went on all along.
                before = srv.api("/streams/live/cam")[1]["bytes_in"]
                # A broken file is refused through the API and nothing changes.
                with open(srv.config_path, "w") as f:
                    f.write(original + "webhooks:\n  timeout: banana\n")
                status, _, body = srv.http_get("/api/v1/reload", method="POST")
                self.assertEqual(status, 422)
                self.assertIn("webhooks.timeout", json.loads(body)["error"])
                self.assertEqual(srv.api("/server")[1]["reloads"], 1)
                # A listener change is reported as needing a restart.
                with open(srv.config_path, "w") as f:
                    f.write(original.replace("workers: 2", "workers: 3"))
                status, _, body = srv.http_get("/api/v1/reload", method="POST")
                self.assertEqual(status, 200, body)
                self.assertEqual(json.loads(body)["restart_needed"], ["workers"])
                time.sleep(0.5)
                info = srv.api("/streams/live/cam")[1]
                self.assertTrue(info["live"])
                self.assertGreater(info["bytes_in"], before)
                self.assertEqual(info["publishes"], 1, "the live stream was never dropped")
                self.assertIn("configuration reloaded", srv.log_text())
                self.assertIn("reload refused", srv.log_text())


class HostileRequests(unittest.TestCase):
    def raw(self, srv, data, read=65536):
        with socket.create_connection(("127.0.0.1", srv.http_port), timeout=5) as s:
            s.sendall(data)
            chunks = b""
            try:
                while True:
                    c = s.recv(read)
                    if not c:
                        break
                    chunks += c
                    if b"\r\n\r\n" in chunks and len(chunks) > 200:
                        break
            except socket.timeout:
                pass
            return chunks

    def test_traversal_long_names_and_huge_bodies(self):
        with Server("hostile", http_extra="  max_body_bytes: 64KiB\n") as srv:
            for path in ["/live/%2e%2e/index.m3u8", "/%2e%2e/%2e%2e/index.m3u8", "/live/a%00b/index.m3u8",
                         "/live/..%2f..%2fetc/index.m3u8", "/api/v1/streams/%2e%2e/x",
                         "/live/" + "a" * 300 + "/index.m3u8", "/live/" + "b" * 300 + ".flv",
                         "/api/v1/streams/live/" + "c" * 300]:
                status = srv.http_get(path)[0]
                self.assertIn(status, (400, 404), path)
            answer = self.raw(srv, b"POST /api/v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
                              + b"x" * 100000)
            self.assertIn(b" 413 ", answer.split(b"\r\n")[0])
            self.assertEqual(srv.http_get("/api/v1/streams", method="DELETE")[0], 405)
            self.assertEqual(srv.http_get("/api/v1/reload")[0], 405)
            self.assertTrue(srv.alive())
            self.assertEqual(srv.http_get("/healthz")[0], 200)


if __name__ == "__main__":
    harness.main()
