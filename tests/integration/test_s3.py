"""Live HLS uploaded to an S3-compatible store (s3rver from npm, on loopback; it does not check
signatures, which tests/unit/storage checks against AWS's published examples). Objects are read
back with the AWS CLI. While ffmpeg publishes, the bucket is polled: a playlist in it never
names a segment that is not there. Then faults: the store stopped for 30 s in the middle of a
stream (every segment arrives once, in order, from the spool), and the server killed with
SIGKILL while the store is down (the next start drains the spool)."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

import harness
from harness import Proc, Server

BUCKET = "media"


class S3rver:
    """s3rver on a free loopback port, its objects in `data_dir` (kept across restarts)."""

    def __init__(self, name, data_dir, port=None):
        self.name = name
        self.data_dir = data_dir
        self.port = port or harness.free_port()
        self.proc = None
        self.runs = 0
        shutil.rmtree(data_dir, ignore_errors=True)  # what an earlier run of the test left
        os.makedirs(data_dir, exist_ok=True)

    def start(self):
        binary = os.path.join(harness.ARGS.source_dir, "tests", "s3", "node_modules", ".bin",
                              "s3rver")
        self.runs += 1
        log = os.path.join(harness.ARGS.work_dir, f"{self.name}-s3rver-{self.runs}.log")
        self.proc = Proc([binary, "-d", self.data_dir, "-a", "127.0.0.1", "-p", str(self.port),
                          "--configure-bucket", BUCKET], log, 240)
        deadline = time.time() + 20
        while time.time() < deadline:
            if "listening on" in self.proc.output():
                return self
            if self.proc.proc.poll() is not None:
                raise RuntimeError("s3rver exited: " + self.proc.output())
            time.sleep(0.05)
        raise RuntimeError("s3rver did not start: " + self.proc.output())

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None

    def stored(self):
        """Every "Stored object" line of every run, in order: the keys PUT."""
        keys = []
        for run in range(1, self.runs + 1):
            path = os.path.join(harness.ARGS.work_dir, f"{self.name}-s3rver-{run}.log")
            with open(path, errors="replace") as f:
                keys += re.findall(r'Stored object "([^"]+)" in bucket', f.read())
        return keys

    def url(self, key=""):
        return f"http://127.0.0.1:{self.port}/{BUCKET}/{key}"

    def get(self, key, method="GET"):
        """(status, body) straight from the store (s3rver takes unsigned requests)."""
        req = urllib.request.Request(self.url(key), method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except http.client.HTTPException:
            # s3rver writes an object in place: a read during its overwrite can come short
            # (S3 itself replaces objects atomically). Read again.
            return 0, b""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def aws(store, *args):
    """The AWS CLI against the store; its JSON answer."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_PAGER="")
    binary = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else "aws"
    r = subprocess.run([binary, "--endpoint-url", f"http://127.0.0.1:{store.port}", "--output",
                        "json"] + list(args), capture_output=True, text=True, timeout=60, env=env)
    if r.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed: {r.stderr}")
    return json.loads(r.stdout) if r.stdout.strip() else {}


def list_keys(store, prefix):
    answer = aws(store, "s3api", "list-objects-v2", "--bucket", BUCKET, "--prefix", prefix)
    return sorted(o["Key"] for o in answer.get("Contents", []))


def s3_config(store, spool, extra="", bucket=BUCKET):
    return f"""s3:
  enabled: true
  endpoint: "http://127.0.0.1:{store.port}"
  bucket: {bucket}
  access_key_id: "S3RVER"
  secret_access_key: "S3RVER"
  spool_dir: "{spool}"
{extra}"""


def spooled_text(spool, needle):
    """Whether a spool file holds `needle`."""
    for name in os.listdir(spool):
        if name.endswith(".op"):
            with open(os.path.join(spool, name), "rb") as f:
                if needle in f.read():
                    return True
    return False


def healthz(srv):
    return json.loads(srv.http_get("/healthz")[2])


def metric(srv, name):
    text = srv.http_get("/metrics")[2].decode()
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def playlist_segments(text):
    return [s["uri"] for s in harness.parse_playlist(text)[1]]


class PlaylistWatch:
    """Polls the bucket as a CDN would: every playlist version seen must name only segments
    that are there."""

    def __init__(self, store, key):
        self.store, self.key = store, key
        self.prefix = key.rsplit("/", 1)[0] + "/"
        self.seen, self.missing = set(), []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        while not self.stop_event.is_set():
            try:
                status, body = self.store.get(self.key)
                text = body.decode() if status == 200 else None
                if text and text not in self.seen:
                    self.seen.add(text)
                    for uri in playlist_segments(text):
                        status = self.store.get(self.prefix + uri, method="HEAD")[0]
                        if status == 404:
                            self.missing.append((uri, text))
                        elif status != 200:
                            # No answer (the test stopped the store): ask again next round.
                            self.seen.discard(text)
                            break
            except OSError:
                pass  # the store is down
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()


class LiveUpload(unittest.TestCase):
    def test_segments_then_playlists_with_headers_and_retention(self):
        work = os.path.join(harness.ARGS.work_dir, "live")
        os.makedirs(work, exist_ok=True)
        clip = harness.make_clip(seconds=10)
        with S3rver("live", os.path.join(work, "bucket")) as store, \
                Server("s3_live", hls_segment=1.0, hls_extra="  variant: fmp4\n  window: 3\n",
                       config_extra=s3_config(store, os.path.join(work, "spool"),
                                              "  retention: 1s\n"
                                              "  public_url: \"https://cdn.example.com/\"\n")) as srv:
            self.assertEqual(healthz(srv)["s3"]["ok"], True)
            with PlaylistWatch(store, "live/cam/index.m3u8") as watch:
                with harness.publish(srv, "live/cam", clip, os.path.join(work, "publish.log")) as pub:
                    # The API says where the stream is in the bucket and behind the CDN.
                    info = srv.wait_for(lambda: (lambda r: r[0] == 200 and r[1])(
                        srv.api("/streams/live/cam")), timeout=10, what="the stream in the API")
                    self.assertEqual(info["s3"], {"key": "live/cam/index.m3u8",
                                                  "url": "https://cdn.example.com/live/cam/index.m3u8"})
                    self.assertEqual(pub.wait(timeout=40), 0, pub.output()[-1500:])
                srv.wait_for(lambda: "#EXT-X-ENDLIST" in store.get("live/cam/index.m3u8")[1].decode(),
                             timeout=15, what="the ended playlist in the bucket")
                # Retention: the segments that left the window go 1 s later.
                srv.wait_for(lambda: len([k for k in list_keys(store, "live/cam/")
                                          if k.endswith(".m4s")]) <= 4,
                             timeout=15, what="segments past the retention deleted")
            self.assertEqual(watch.missing, [])
            self.assertGreaterEqual(len(watch.seen), 5, "the poller saw the playlist change")

            final = store.get("live/cam/index.m3u8")[1].decode()
            names = playlist_segments(final)
            self.assertEqual(len(names), 3)
            keys = list_keys(store, "live/cam/")
            for uri in names:
                self.assertIn("live/cam/" + uri, keys)
            init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', final).group(1)
            self.assertIn("live/cam/" + init, keys)

            # Headers as a CDN needs them, read back by the AWS CLI.
            head = aws(store, "s3api", "head-object", "--bucket", BUCKET, "--key", "live/cam/index.m3u8")
            self.assertEqual(head["ContentType"], "application/vnd.apple.mpegurl")
            self.assertEqual(head["CacheControl"], "public, max-age=1")
            head = aws(store, "s3api", "head-object", "--bucket", BUCKET, "--key", "live/cam/" + names[-1])
            self.assertEqual(head["ContentType"], "video/iso.segment")
            self.assertEqual(head["CacheControl"], "public, max-age=86400, immutable")
            head = aws(store, "s3api", "head-object", "--bucket", BUCKET, "--key", "live/cam/" + init)
            self.assertEqual(head["ContentType"], "video/mp4")
            # The bytes in the bucket are the server's own.
            local = os.path.join(work, "last.m4s")
            aws(store, "s3api", "get-object", "--bucket", BUCKET, "--key", "live/cam/" + names[-1], local)
            status, _, served = srv.http_get("/live/cam/" + names[-1])
            if status == 200:
                with open(local, "rb") as f:
                    self.assertEqual(f.read(), served)

            # What ffprobe reads from the bucket is the stream.
            info = harness.ffprobe_json(store.url("live/cam/index.m3u8"), "-show_streams")
            self.assertEqual(sorted(s["codec_name"] for s in info["streams"]), ["aac", "h264"])
            # Each object once.
            stored = store.stored()
            segments = [k for k in stored if k.endswith(".m4s")]
            self.assertEqual(len(segments), len(set(segments)))
            self.assertGreaterEqual(len(segments), 9)
            self.assertGreater(metric(srv, "firstmile_s3_deletes_total"), 0)
            self.assertEqual(metric(srv, "firstmile_s3_up"), 1)
            log = srv.log_text()
            self.assertIn("s3 store ready", log)
            self.assertNotIn("S3RVER", log)


class Faults(unittest.TestCase):
    def test_store_down_30s_mid_stream_loses_nothing(self):
        work = os.path.join(harness.ARGS.work_dir, "outage")
        os.makedirs(work, exist_ok=True)
        spool = os.path.join(work, "spool")
        shutil.rmtree(spool, ignore_errors=True)
        clip = harness.make_clip(name="clip34.mp4", seconds=34)
        store = S3rver("outage", os.path.join(work, "bucket"))
        store.start()
        try:
            with Server("s3_outage", hls_segment=1.0, hls_extra="  window: 60\n",
                        config_extra=s3_config(store, spool, "  retention: keep\n")) as srv:
                with PlaylistWatch(store, "live/cam/index.m3u8") as watch, \
                        harness.publish(srv, "live/cam", clip, os.path.join(work, "publish.log")) as pub:
                    srv.wait_for(lambda: len(store.stored()) >= 4, timeout=20, what="first uploads")
                    store.stop()
                    down_at = time.time()
                    srv.wait_for(lambda: healthz(srv)["status"] == "degraded", timeout=10,
                                 what="healthz degraded")
                    srv.wait_for(lambda: healthz(srv)["s3"]["spool_bytes"] > 0, timeout=10,
                                 what="objects spooled")
                    self.assertTrue(os.listdir(spool))
                    time.sleep(max(0.0, 30 - (time.time() - down_at)))
                    spooled = healthz(srv)["s3"]["spool_bytes"]
                    store.start()
                    self.assertEqual(pub.wait(timeout=40), 0, pub.output()[-1500:])
                srv.wait_for(lambda: "#EXT-X-ENDLIST" in store.get("live/cam/index.m3u8")[1].decode(),
                             timeout=60, what="the ended playlist in the bucket")
                srv.wait_for(lambda: healthz(srv)["s3"]["queued"] == 0, timeout=30, what="drained")
                self.assertEqual(healthz(srv)["status"], "ok")
                self.assertGreater(metric(srv, "firstmile_s3_failed_attempts_total"), 0)
                log = srv.log_text()
            print(f"\nspooled {spooled} bytes during the 30 s outage")
            self.assertGreater(spooled, 100_000)
            self.assertIn("s3 store reachable again", log)
            # The failures name the object's file, not its key: the key holds the stream's name,
            # which may be a publisher's key.
            failures = [l for l in log.splitlines() if "s3 upload failed" in l]
            self.assertTrue(failures)
            self.assertEqual([l for l in failures if "live/cam" in l], [])
            self.assertEqual([f for f in os.listdir(spool) if f.endswith(".op")], [])

            final = store.get("live/cam/index.m3u8")[1].decode()
            names = playlist_segments(final)
            # 34 s of 1 s segments, every one in the playlist and in the bucket.
            self.assertGreaterEqual(len(names), 32)
            keys = set(list_keys(store, "live/cam/"))
            self.assertEqual([n for n in names if "live/cam/" + n not in keys], [])
            stored = store.stored()
            segments = [k for k in stored if k.endswith(".m4s")]
            self.assertEqual(len(segments), len(set(segments)), "a segment stored twice")
            # In order: started in order, several at once (s3.concurrency, 8), so each segment is
            # stored less than 8 places from where it would be one at a time.
            order = [names.index(k[len("live/cam/"):]) for k in segments]
            for i in range(1, len(order)):
                self.assertGreater(order[i], max(order[:i]) - 8, order)
            # No playlist version in the bucket named a segment that was not there.
            self.assertEqual(watch.missing, [])
            info = harness.ffprobe_json(store.url("live/cam/index.m3u8"), "-show_format")
            self.assertGreater(float(info["format"]["duration"]), 31)
        finally:
            store.stop()

    def test_sigkill_while_the_store_is_down_then_the_spool_drains(self):
        work = os.path.join(harness.ARGS.work_dir, "sigkill")
        os.makedirs(work, exist_ok=True)
        spool = os.path.join(work, "spool")
        shutil.rmtree(spool, ignore_errors=True)
        clip = harness.make_clip(seconds=10)
        store = S3rver("sigkill", os.path.join(work, "bucket"))  # not started yet
        config = s3_config(store, spool, "  retention: keep\n")
        srv = Server("s3_sigkill", hls_segment=1.0, hls_extra="  window: 30\n", config_extra=config)
        with srv:
            self.assertEqual(healthz(srv)["status"], "degraded")
            with harness.publish(srv, "live/cam", clip, os.path.join(work, "publish.log")) as pub:
                self.assertEqual(pub.wait(timeout=40), 0, pub.output()[-1500:])
            # Spooled down to the ended playlist (the spool's files are whole once renamed).
            srv.wait_for(lambda: spooled_text(spool, b"#EXT-X-ENDLIST"), timeout=15,
                         what="the ended playlist spooled")
            srv.stop(sig=signal.SIGKILL)
        spooled = sorted(f for f in os.listdir(spool) if f.endswith(".op"))
        self.assertGreaterEqual(len(spooled), 10)
        with store, Server("s3_sigkill", hls_segment=1.0, config_extra=config) as again:
            again.wait_for(lambda: healthz(again)["s3"]["queued"] == 0 and
                           healthz(again)["status"] == "ok", timeout=30, what="spool drained")
            log = again.log_text()
            status, body = store.get("live/cam/index.m3u8")
            self.assertEqual(status, 200)
            final = body.decode()
            keys = set(list_keys(store, "live/cam/"))
        self.assertRegex(log, r"s3 spool holds \d+ objects \(\d+ bytes\) from an earlier run")
        self.assertEqual([f for f in os.listdir(spool) if f.endswith(".op")], [])
        self.assertIn("#EXT-X-ENDLIST", final)
        names = playlist_segments(final)
        self.assertGreaterEqual(len(names), 9)
        self.assertEqual([n for n in names if "live/cam/" + n not in keys], [])

    def test_a_bucket_that_does_not_exist(self):
        work = os.path.join(harness.ARGS.work_dir, "nobucket")
        os.makedirs(work, exist_ok=True)
        spool = os.path.join(work, "spool")
        shutil.rmtree(spool, ignore_errors=True)
        clip = harness.make_clip(name="clip4.mp4", seconds=4)
        with S3rver("nobucket", os.path.join(work, "bucket")) as store, \
                Server("s3_nobucket", hls_segment=1.0,
                       config_extra=s3_config(store, spool, bucket="no-such-bucket")) as srv:
            h = srv.wait_for(lambda: (lambda h: h["s3"]["error"] and h)(healthz(srv)), timeout=10,
                             what="the start check's error")
            self.assertEqual(h["status"], "degraded")
            self.assertEqual(h["s3"]["error"], "HTTP 404: the bucket does not exist")
            with harness.publish(srv, "live/cam", clip, os.path.join(work, "publish.log")) as pub:
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1500:])
            srv.wait_for(lambda: spooled_text(spool, b"#EXT-X-ENDLIST"), timeout=15,
                         what="the stream spooled")
            # The store refuses everything: tried again every 30 s, not in a storm.
            self.assertLessEqual(metric(srv, "firstmile_s3_failed_attempts_total"), 8 + 1)
            self.assertIn("NoSuchBucket", healthz(srv)["s3"]["error"])
            self.assertEqual(metric(srv, "firstmile_s3_up"), 0)
            # Live delivery goes on from memory meanwhile.
            status, _, body = srv.http_get("/live/cam/index.m3u8")
            self.assertEqual(status, 200)
            self.assertIn("#EXT-X-ENDLIST", body.decode())
            self.assertIn('s3 store check failed error="HTTP 404: the bucket does not exist"',
                          srv.log_text())


if __name__ == "__main__":
    harness.main()
