"""Publish auth and lifecycle webhooks against a real HTTP receiver: allow with a rename,
signatures, every event's body; deny, 500, timeout, non-JSON answers; static keys; fail-open;
and a receiver that hangs does not slow the media."""
import json
import os
import socket
import urllib.request
import time
import unittest

import harness
from harness import Proc, Server, publish
from webhook_receiver import WebhookReceiver

SECRET = "whsec-integration-0123456789"


def hooks_config(receiver, events=("on_publish", "on_unpublish", "on_play", "on_stop", "on_hls_segment"),
                 timeout="2s", extra=""):
    lines = ["webhooks:"]
    for e in events:
        lines.append(f"  {e}: [\"{receiver.url('/hooks/' + e)}\"]")
    lines.append(f"  secret: \"{SECRET}\"")
    lines.append(f"  timeout: {timeout}")
    lines.append("  retry_backoff: 100ms")
    return "\n".join(lines) + "\n" + extra


class Webhooks(unittest.TestCase):
    def test_allow_with_rename_and_every_lifecycle_event(self):
        clip = harness.make_clip(seconds=6)
        with WebhookReceiver(secret=SECRET) as rx:
            rx.respond("/hooks/on_publish", 200, {"stream": "channel-42"})
            rx.respond("/hooks/on_unpublish", 204)
            rx.respond("/hooks/on_play", 204)
            rx.respond("/hooks/on_stop", 204)
            rx.respond("/hooks/on_hls_segment", 204)
            with Server("hooks_allow", hls_segment=1.0, config_extra=hooks_config(rx)) as srv:
                with publish(srv, "live/sk_live_abcdef123456?session=7", clip,
                             os.path.join(srv.dir, "publish.log")) as pub:
                    req = rx.wait_for("on_publish", timeout=10)
                    self.assertTrue(req.signature_ok, "the signature must verify")
                    body = req.json
                    self.assertEqual(body["app"], "live")
                    self.assertEqual(body["key"], "sk_live_abcdef123456")
                    self.assertEqual(body["stream"], "sk_live_abcdef123456")
                    self.assertEqual(body["params"], {"session": "7"})
                    self.assertEqual(body["protocol"], "rtmp")
                    self.assertEqual(body["client_ip"], "127.0.0.1")
                    self.assertGreater(body["client_port"], 0)
                    self.assertEqual(req.headers["X-Firstmile-Delivery"], body["id"])
                    # Published under the public name only.
                    srv.wait_for(lambda: srv.api("/streams/live/channel-42")[1].get("live"), timeout=10,
                                 what="renamed stream live")
                    self.assertEqual(srv.http_get("/live/sk_live_abcdef123456/index.m3u8")[0], 404)
                    # A viewer produces on_play and on_stop.
                    flv = Proc(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i",
                                srv.http_url("/live/channel-42.flv?viewer=9"), "-t", "1.5", "-c", "copy",
                                os.path.join(srv.dir, "view.flv")], os.path.join(srv.dir, "view.log"), 20)
                    self.assertEqual(flv.wait(timeout=25), 0, flv.output())
                    play = rx.wait_for("on_play", timeout=10).json
                    self.assertEqual((play["stream"], play["protocol"]), ("channel-42", "flv"))
                    self.assertEqual(play["params"], {"viewer": "9"})
                    stop = rx.wait_for("on_stop", timeout=10).json
                    self.assertEqual(stop["protocol"], "flv")
                    self.assertGreater(stop["bytes_out"], 10000)
                    seg = rx.wait_for("on_hls_segment", timeout=15).json
                    self.assertEqual(seg["stream"], "channel-42")
                    self.assertTrue(seg["uri"].endswith(".m4s"))  # the default: LL-HLS, fMP4
                    self.assertGreater(seg["duration"], 0.5)
                    self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-2000:])
                unpub = rx.wait_for("on_unpublish", timeout=10).json
                self.assertEqual(unpub["stream"], "channel-42")
                self.assertGreater(unpub["bytes_in"], 100000)
                self.assertGreater(unpub["duration"], 3)
                for r in rx.requests():
                    self.assertTrue(r.signature_ok, r)
                # Kept alive: the requests share connections, and the metrics count them.
                reqs = rx.requests()
                peers = {r.extra["peer"] for r in reqs}
                self.assertLess(len(peers), len(reqs), f"{len(reqs)} requests, a connection each")

                def counted(kind):
                    prefix = f'firstmile_webhook_connections_total{{connection="{kind}"}} '
                    for line in srv.http_get("/metrics")[2].decode().splitlines():
                        if line.startswith(prefix):
                            return float(line[len(prefix):])
                    return None
                # The receiver records a request before it answers: wait for the last answers.
                srv.wait_for(lambda: counted("opened") == len(peers)
                             and counted("reused") == len(reqs) - len(peers), timeout=5,
                             what=f"{len(peers)} connections opened, {len(reqs) - len(peers)} reused")
                # Segment events are one per segment, in order.
                seqs = [r.json["sequence"] for r in rx.requests(event="on_hls_segment")]
                self.assertEqual(seqs, sorted(set(seqs)))
                # The secret key never appears whole in the log (but for this test's own probe above).
                leaks = [line for line in srv.log_text().splitlines()
                         if "sk_live_abcdef123456" in line and 'target="/live/sk_live_abcdef123456/' not in line]
                self.assertEqual(leaks, [])

    def test_refusals_deny_500_timeout_and_bad_answers(self):
        clip = harness.make_clip(seconds=3)
        with WebhookReceiver(secret=SECRET) as rx:
            with Server("hooks_deny", config_extra=hooks_config(rx, ("on_publish",), timeout="700ms")) as srv:
                cases = [
                    ("deny", dict(status=403, body={"reason": "key revoked"}), "key revoked"),
                    ("error500", dict(status=500, body=b"oops"), "refused by the authorization service"),
                    ("hang", dict(hang=True), "authorization service unavailable"),
                    ("notjson", dict(status=200, body=b"<html>ok</html>"), "not a JSON object"),
                    ("badname", dict(status=200, body={"stream": "../etc"}), "invalid stream"),
                    ("huge", dict(status=200, body=b"{\"a\":\"" + b"x" * 200000 + b"\"}"),
                     "authorization answer refused"),
                ]
                for name, rule, reason in cases:
                    with self.subTest(name):
                        rx.respond("/hooks/on_publish", **rule)
                        started = time.monotonic()
                        p = publish(srv, f"live/{name}", clip, os.path.join(srv.dir, f"{name}.log"), timeout=20)
                        rc = p.wait(timeout=25)
                        elapsed = time.monotonic() - started
                        self.assertNotEqual(rc, 0, f"{name}: publisher should be refused")
                        self.assertLess(elapsed, 8, f"{name}: refusal took {elapsed:.1f}s")
                        log = srv.log_text()
                        self.assertIn(reason, log)
                        self.assertIn("NetStream.Publish.Unauthorized", log)
                self.assertEqual(srv.api("/streams")[1]["streams"], [], "a refused publisher leaves no stream")
                metrics = srv.http_get("/metrics")[2].decode()
                self.assertIn('firstmile_auth_refusals_total{kind="publish",reason="webhook"} 2', metrics)
                self.assertIn('firstmile_auth_refusals_total{kind="publish",reason="webhook_error"} 4', metrics)
                self.assertTrue(srv.alive())

    def test_static_keys_and_fail_open(self):
        clip = harness.make_clip(seconds=3)
        # A receiver that is not there at all (a closed port).
        dead = socket.socket()
        dead.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}/hooks/on_publish"
        dead.close()
        extra = f"""auth:
  publish_keys:
    live:
      sk_good_0001: cam-1
  webhook_fail_open: true
webhooks:
  on_publish: ["{dead_url}"]
  timeout: 500ms
"""
        with Server("static_keys", config_extra=extra) as srv:
            bad = publish(srv, "live/sk_wrong_0001", clip, os.path.join(srv.dir, "bad.log"), timeout=20)
            self.assertNotEqual(bad.wait(timeout=25), 0)
            self.assertIn("unknown stream key", srv.log_text())
            with publish(srv, "live/sk_good_0001", clip, os.path.join(srv.dir, "good.log")) as good:
                srv.wait_for(lambda: srv.api("/streams/live/cam-1")[1].get("live"), timeout=10, what="cam-1 live")
                self.assertEqual(good.wait(timeout=20), 0, good.output()[-2000:])
            self.assertIn("auth.webhook_fail_open", srv.log_text())
            self.assertNotIn("sk_good_0001", srv.log_text())

    def test_example_backend_walkthrough(self):
        """examples/backend/README.md, step by step, with the real example backend."""
        clip = harness.make_clip(seconds=5)
        port = harness.free_port()
        backend_py = os.path.join(harness.ARGS.source_dir, "examples", "backend", "backend.py")
        keys = os.path.join(harness.ARGS.source_dir, "examples", "backend", "keys.json")
        play_secret = "example-play-secret-0123"
        work = os.path.join(harness.ARGS.work_dir, "example_backend")
        os.makedirs(work, exist_ok=True)
        backend = Proc(["/usr/bin/python3", backend_py, "--listen", f"127.0.0.1:{port}", "--secret", SECRET,
                        "--keys", keys, "--play-secret", play_secret], os.path.join(work, "backend.log"), 120)
        try:
            base = f"http://127.0.0.1:{port}"
            events = ("on_publish", "on_unpublish", "on_play", "on_stop", "on_hls_segment")
            hooks = "webhooks:\n" + "".join(f"  {e}: [{base}/hooks/{e}]\n" for e in events)
            hooks += f"  secret: \"{SECRET}\"\nauth:\n  play: token\n  play_secret: \"{play_secret}\"\n"
            with Server("example_backend", hls_segment=1.0, config_extra=hooks) as srv:
                def get_json(url):
                    with urllib.request.urlopen(url, timeout=5) as r:
                        return json.loads(r.read())
                harness_wait = srv.wait_for
                harness_wait(lambda: get_json(base + "/channels"), timeout=10, what="backend up")
                refused = publish(srv, "live/sk_live_old999", clip, os.path.join(srv.dir, "old.log"), timeout=20)
                self.assertNotEqual(refused.wait(timeout=25), 0, "a disabled key is refused")
                with publish(srv, "live/sk_live_abc123", clip, os.path.join(srv.dir, "publish.log")) as pub:
                    harness_wait(lambda: srv.api("/streams/live/channel-42")[1].get("live"), timeout=10,
                                 what="channel-42 live")
                    channels = {c["channel"]: c for c in get_json(base + "/channels")["channels"]}
                    self.assertTrue(channels["channel-42"]["live"])
                    query = get_json(base + "/sign?app=live&stream=channel-42&ttl=600")["query"]
                    status = harness_wait(lambda: (lambda r: r[0] == 200 and r)(
                        srv.http_get("/live/channel-42/index.m3u8?" + query)), timeout=10, what="signed HLS")
                    self.assertEqual(status[0], 200)
                    self.assertEqual(srv.http_get("/live/channel-42/index.m3u8")[0], 401)
                    self.assertEqual(pub.wait(timeout=30), 0)
                harness_wait(lambda: not {c["channel"]: c for c in get_json(base + "/channels")["channels"]}
                             ["channel-42"]["live"], timeout=10, what="backend saw on_unpublish")
            log = backend.output()
            self.assertIn("on_publish", log)
            self.assertNotIn("sk_live_abc123", log, "the backend never logs a key in full")
            self.assertIn("refuse reason='stream key disabled'", log)
            self.assertIn("allow stream=channel-42", log)
            self.assertIn("event=on_unpublish app=live stream=channel-42", log)
            self.assertNotIn("signature", log.lower(), "every request carried a valid signature")
        finally:
            backend.stop()

    def test_hanging_receiver_does_not_slow_media(self):
        clip = harness.make_clip(seconds=8)
        with WebhookReceiver() as rx:
            for e in ("on_unpublish", "on_play", "on_stop", "on_hls_segment"):
                rx.respond("/hooks/" + e, hang=True)
            events = ("on_unpublish", "on_play", "on_stop", "on_hls_segment")
            with Server("hooks_hang", hls_segment=1.0,
                        config_extra=hooks_config(rx, events, timeout="5s")) as srv:
                with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log")):
                    srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                    # Read HTTP-FLV for 4 s and note when bytes arrive: a media thread blocked on a
                    # webhook would show a gap as long as the webhook timeout (5 s).
                    arrivals = []
                    s = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5)
                    s.sendall(b"GET /live/cam.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                    end = time.monotonic() + 4
                    total = 0
                    while time.monotonic() < end:
                        data = s.recv(65536)
                        if not data:
                            break
                        total += len(data)
                        arrivals.append(time.monotonic())
                    s.close()
                    self.assertGreater(len(rx.requests()), 0, "the receiver should be hanging on requests")
                    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
                    print(f"hanging receiver: {total} bytes in {len(arrivals)} reads, longest pause "
                          f"{max(gaps) * 1000:.0f} ms", flush=True)
                    self.assertGreater(total, 200000)
                    self.assertLess(max(gaps), 1.0, f"longest pause between media bytes: {max(gaps):.2f}s")
                    # HLS keeps being cut on time too (1 s segments, ~5 s published by now).
                    segments = harness.parse_playlist(srv.http_get("/live/cam/index.m3u8")[2].decode())[1]
                    self.assertGreaterEqual(len(segments), 3)
                queue = [line for line in srv.http_get("/metrics")[2].decode().splitlines()
                         if line.startswith("firstmile_webhook_queue")]
                self.assertTrue(queue and float(queue[0].split()[-1]) >= 1, queue)


if __name__ == "__main__":
    harness.main()
