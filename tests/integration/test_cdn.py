"""The CDN-ready origin (docs/cdn.md). Against firstmile itself: entity tags and Last-Modified,
conditional GET (304), HEAD, byte ranges (206, 416) and gzip playlists, read with Python's
http client. Then nginx as the caching edge, configured by docs/cdn/nginx-edge.conf as shipped
(only its ports and cache directory changed): segments cached, many viewers asking for the same
new part make one origin request, LL-HLS blocking requests pass through, an unchanged playlist
is revalidated with a 304, and hls.js in headless Chromium plays LL-HLS through the edge.
Last, docs/cdn/nginx-bucket.conf in front of the bucket firstmile uploads to (s3rver, as in
test_s3.py): the stream read through it by ffprobe, from the cache the second time."""
import concurrent.futures
import gzip
import os
import re
import shutil
import time
import unittest
import urllib.error
import urllib.request

import browser_player
import harness
from harness import Proc, Server, publish
from test_s3 import BUCKET, S3rver, s3_config

CLIP_SECONDS = 45  # the whole class shares one live stream
STREAM = "live/cdn"


def media_uris(playlist):
    """The segment URIs of a playlist (not the parts), oldest first."""
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


class Nginx:
    """nginx running docs/cdn/`conf` on a free loopback port, with the shipped file's listen
    line, cache directory and `changes` (old, new) replaced, nothing else."""

    def __init__(self, work, conf, listen, cache_dir, changes):
        self.dir = os.path.join(work, "nginx")
        self.port = harness.free_port()
        # nginx loads the cache it finds on disk: an earlier run's would answer for this one.
        shutil.rmtree(self.dir, ignore_errors=True)
        for sub in ("cache", "tmp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        with open(os.path.join(harness.ARGS.source_dir, "docs", "cdn", conf)) as f:
            edge = f.read()
        for old, new in [(listen, f"listen 127.0.0.1:{self.port};"),
                         (cache_dir, os.path.join(self.dir, "cache"))] + changes:
            if old not in edge:
                raise AssertionError(f"docs/cdn/{conf} no longer has {old!r}")
            edge = edge.replace(old, new)
        with open(os.path.join(self.dir, "edge.conf"), "w") as f:
            f.write(edge)
        tmp = os.path.join(self.dir, "tmp")
        user = "user root;\n" if os.geteuid() == 0 else ""
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""{user}daemon off;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {self.dir}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {self.dir}/edge.conf;
}}
""")
        self.proc = Proc(["nginx", "-p", self.dir, "-e", os.path.join(self.dir, "error.log"),
                          "-c", os.path.join(self.dir, "nginx.conf")],
                         os.path.join(self.dir, "stdout.log"), 300)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                self.get("/healthz")
                return
            except OSError:
                if self.proc.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + self.proc.output() + self.error_log())

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, headers=None, timeout=10):
        req = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def stop(self):
        self.proc.stop()


class Cdn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clip = harness.make_clip(name="cdn.mp4", seconds=CLIP_SECONDS, size="640x360", rate=30,
                                     gop=30)
        cls.srv = Server("cdn", hls_segment=1.0, hls_extra="  variant: ll\n")
        cls.srv.__enter__()
        cls.pub = publish(cls.srv, STREAM, cls.clip, os.path.join(cls.srv.dir, "publish.log"),
                          timeout=CLIP_SECONDS + 30)
        try:
            cls.srv.wait_for(lambda: len(media_uris(cls.playlist())) >= 3, timeout=20,
                             what="three segments")
            cls.edge = Nginx(cls.srv.dir, "nginx-edge.conf", "listen 80;",
                             "/var/cache/nginx/firstmile",
                             [("server 127.0.0.1:8080;", f"server 127.0.0.1:{cls.srv.http_port};")])
        except BaseException:
            cls.pub.stop()
            cls.srv.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "edge", None):
            cls.edge.stop()
        cls.pub.stop()
        cls.srv.stop()

    @classmethod
    def playlist(cls):
        status, _, body = cls.srv.http_get(f"/{STREAM}/index.m3u8")
        return body.decode() if status == 200 else ""

    def origin_requests(self, target):
        """How many requests for `target` the origin logged, and their statuses."""
        pattern = re.compile(r'http request peer=\S+ method=(\w+) target="' + re.escape(target) +
                             r'" status=(\d+)')
        return [m.groups() for m in pattern.finditer(self.srv.log_text())]

    def test_origin_validators_conditional_and_ranges(self):
        srv = self.srv
        segment = f"/{STREAM}/{media_uris(self.playlist())[0]}"
        status, h, body = srv.http_get(segment)
        self.assertEqual(status, 200)
        etag, modified = h.get("ETag"), h.get("Last-Modified")
        self.assertRegex(etag or "", r'^"[0-9a-f]{16}"$')
        self.assertRegex(modified or "", r"^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$")
        self.assertEqual(h.get("Accept-Ranges"), "bytes")
        self.assertIn("immutable", h.get("Cache-Control", ""))
        size = len(body)
        self.assertGreater(size, 1000)

        # HEAD: the same fields, no body.
        status, hh, empty = srv.http_get(segment, method="HEAD")
        self.assertEqual((status, hh.get("ETag"), hh.get("Content-Length"), empty),
                         (200, etag, str(size), b""))
        # Revalidation by tag, and by date once the segment is more than a second old.
        status, h304, empty = srv.http_get(segment, headers={"If-None-Match": etag})
        self.assertEqual((status, empty, h304.get("ETag")), (304, b"", etag))
        self.assertIn("immutable", h304.get("Cache-Control", ""))
        status, _, _ = srv.http_get(segment, headers={"If-None-Match": '"other"'})
        self.assertEqual(status, 200)
        srv.wait_for(lambda: srv.http_get(segment, headers={"If-Modified-Since": modified})[0] == 304,
                     timeout=5, what="304 on If-Modified-Since")
        # Ranges.
        status, hr, part = srv.http_get(segment, headers={"Range": "bytes=0-99"})
        self.assertEqual((status, part, hr.get("Content-Range")),
                         (206, body[:100], f"bytes 0-99/{size}"))
        status, hr, part = srv.http_get(segment, headers={"Range": "bytes=-10"})
        self.assertEqual((status, part), (206, body[-10:]))
        status, hr, part = srv.http_get(segment, headers={"Range": f"bytes={size}-"})
        self.assertEqual((status, hr.get("Content-Range")), (416, f"bytes */{size}"))
        self.assertIn(b"past the end", part)
        status, _, whole = srv.http_get(segment, headers={"Range": "bytes=0-1", "If-Range": '"stale"'})
        self.assertEqual((status, whole), (200, body))

    def test_origin_gzips_playlists_for_those_that_ask(self):
        srv = self.srv
        path = f"/{STREAM}/index.m3u8"
        status, h, raw = srv.http_get(path, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(h.get("Content-Encoding"), "gzip")
        self.assertEqual(h.get("Vary"), "Accept-Encoding")
        self.assertTrue(h.get("ETag", "").endswith('-gz"'), h)
        text = gzip.decompress(raw).decode()
        self.assertTrue(text.startswith("#EXTM3U"), text[:100])
        self.assertLess(len(raw), len(text))
        status, h, plain = srv.http_get(path)
        self.assertEqual(status, 200)
        self.assertNotIn("Content-Encoding", h)
        self.assertEqual(h.get("Vary"), "Accept-Encoding")
        # A playlist not changed since its tag was given answers 304 (LL-HLS playlists change
        # every part, so ask until two requests fall between the same two parts).
        def not_modified():
            _, h1, _ = srv.http_get(path)
            return srv.http_get(path, headers={"If-None-Match": h1["ETag"]})[0] == 304
        srv.wait_for(not_modified, timeout=5, interval=0.02, what="304 on an unchanged playlist")

    def test_edge_caches_segments_and_collapses_requests(self):
        uris = media_uris(self.playlist())
        # A segment nobody fetched yet: the first edge request misses, the next ones hit.
        segment = f"/{STREAM}/{uris[-1]}"
        statuses = []
        bodies = set()
        for _ in range(4):
            status, h, body = self.edge.get(segment)
            self.assertEqual(status, 200)
            statuses.append(h.get("X-Cache-Status"))
            bodies.add(body)
        self.assertEqual(statuses, ["MISS", "HIT", "HIT", "HIT"])
        self.assertEqual(len(bodies), 1)
        self.assertEqual(bodies.pop(), self.srv.http_get(segment)[2])
        self.assertEqual(len(self.origin_requests(segment)), 2)  # the edge's one and ours

        # Twelve viewers ask at once for the part the playlist hints at (not made yet): the
        # origin holds one request until the part exists, the edge answers all twelve from it.
        hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', self.playlist())
        self.assertIsNotNone(hint, self.playlist()[-500:])
        part = f"/{STREAM}/{hint.group(1)}"
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda _: self.edge.get(part), range(12)))
        self.assertEqual([a[0] for a in answers], [200] * 12)
        self.assertEqual(len({a[2] for a in answers}), 1)
        self.assertGreater(len(answers[0][2]), 0)
        self.assertEqual(len(self.origin_requests(part)), 1, self.origin_requests(part))

    def test_edge_passes_blocking_requests_and_revalidates(self):
        text = self.playlist()
        msn = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1)) + len(media_uris(text))
        # The segment after the last complete one, first part: held by the origin until made.
        target = f"/{STREAM}/index.m3u8?_HLS_msn={msn}&_HLS_part=0"
        start = time.time()
        status, h, body = self.edge.get(target)
        self.assertEqual(status, 200, body[:300])
        self.assertRegex(body.decode(), rf'URI="[^"]*-{msn}\.0\.m4s"')
        self.assertEqual(h.get("X-Cache-Status"), "MISS")
        self.assertLess(time.time() - start, 5)
        # The same version again: the edge has it.
        status, h, body2 = self.edge.get(target)
        self.assertEqual((status, h.get("X-Cache-Status"), body2), (200, "HIT", body))
        # A live playlist: cached for its max-age (1 s for LL-HLS), then asked again.
        path = f"/{STREAM}/index.m3u8"
        # (A pair of requests may straddle the expiry: up to three pairs.)
        pairs = []
        for _ in range(3):
            pairs.append((self.edge.get(path)[1].get("X-Cache-Status"),
                          self.edge.get(path)[1].get("X-Cache-Status")))
            if pairs[-1][1] == "HIT":
                break
        self.assertEqual(pairs[-1][1], "HIT", pairs)
        self.assertIn(pairs[0][0], ("MISS", "EXPIRED", "REVALIDATED"), pairs)
        # Gzip through the edge for those that ask, plain for the others (Vary).
        status, hz, raw = self.edge.get(path, headers={"Accept-Encoding": "gzip"})
        self.assertEqual((status, hz.get("Content-Encoding")), (200, "gzip"))
        self.assertTrue(gzip.decompress(raw).startswith(b"#EXTM3U"))
        _, hp, plain = self.edge.get(path)
        self.assertNotIn("Content-Encoding", hp)
        self.assertTrue(plain.startswith(b"#EXTM3U"))

        # An ended stream's playlist no longer changes: once its max-age (2 s) passes, the
        # edge revalidates it and the origin answers 304. (nginx keeps an answer until the end
        # of the second its max-age ends in: 2 to 3 s here.)
        ended = "live/ended"
        short = harness.make_clip(name="cdn-short.mp4", seconds=3, size="320x180", rate=30, gop=30)
        pub = publish(self.srv, ended, short, os.path.join(self.srv.dir, "publish-ended.log"),
                      timeout=30, realtime=False)
        pub.wait(timeout=30)
        ended_path = f"/{ended}/index.m3u8"
        self.srv.wait_for(lambda: b"#EXT-X-ENDLIST" in self.srv.http_get(ended_path)[2], timeout=10,
                          what="the ended playlist")
        status, h, first = self.edge.get(ended_path)
        self.assertEqual((status, h.get("Cache-Control")), (200, "public, max-age=2"))
        self.assertEqual(h.get("X-Cache-Status"), "MISS")
        time.sleep(3.1)
        status, h, again = self.edge.get(ended_path)
        self.assertEqual((status, h.get("X-Cache-Status"), again), (200, "REVALIDATED", first))
        self.assertIn(("GET", "304"), self.origin_requests(ended_path))

    def test_hlsjs_plays_through_the_edge(self):
        missing = browser_player.missing_prerequisites(harness.ARGS.source_dir)
        if missing:
            raise AssertionError(f"browser tests: {missing}")
        status, report, stderr = browser_player.play(
            harness.ARGS.source_dir, self.edge.url(f"/{STREAM}/index.m3u8"),
            os.path.join(self.srv.dir, "play.json"), seconds=8, low_latency=True)
        self.assertIsNotNone(report, f"play.mjs exit {status}, no report: {stderr[-2000:]}")
        msg = browser_player.brief(report)
        self.assertEqual(status, 0, f"{msg}\n{stderr[-1000:]}")
        self.assertTrue(report["started"], msg)
        self.assertEqual(report["fatal_errors"], 0, msg)
        self.assertGreaterEqual(report["played_seconds"], 7.5, msg)
        # The player's requests went through the edge, and the edge served some from its cache.
        with open(os.path.join(self.edge.dir, "access.log")) as f:
            log = f.read()
        self.assertIn(".m4s", log)
        self.assertTrue(self.pub.proc.poll() is None, "the publisher ended before the player")


class CdnBucket(unittest.TestCase):
    """nginx in front of the bucket: what firstmile uploaded, served to players from its cache."""

    def test_bucket_through_the_edge(self):
        store = S3rver("cdn_bucket", os.path.join(harness.ARGS.work_dir, "cdn_bucket-data")).start()
        self.addCleanup(store.stop)
        config = s3_config(store, os.path.join(harness.ARGS.work_dir, "cdn_bucket-spool"))
        srv = Server("cdn_bucket", hls_segment=1.0, hls_extra="  variant: fmp4\n",
                     config_extra=config)
        srv.__enter__()
        self.addCleanup(srv.stop)
        edge = Nginx(srv.dir, "nginx-bucket.conf", "listen 81;", "/var/cache/nginx/bucket",
                     [("server 127.0.0.1:9000;", f"server 127.0.0.1:{store.port};"),
                      ("Host 127.0.0.1:9000;", f"Host 127.0.0.1:{store.port};"),
                      ("proxy_pass http://bucket_store/media/;",
                       f"proxy_pass http://bucket_store/{BUCKET}/;")])
        self.addCleanup(edge.stop)
        # A whole short stream (faster than real time); its final playlist in the bucket.
        clip = harness.make_clip(name="cdn-bucket.mp4", seconds=6, size="320x180", rate=30, gop=30)
        pub = publish(srv, "live/bkt", clip, os.path.join(srv.dir, "publish.log"), timeout=30,
                      realtime=False)
        self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1000:])
        playlist = "/live/bkt/index.m3u8"
        srv.wait_for(lambda: b"#EXT-X-ENDLIST" in store.get("live/bkt/index.m3u8")[1], timeout=20,
                     what="the final playlist in the bucket")

        status, h, text = edge.get(playlist)
        self.assertEqual(status, 200, text[:300])
        self.assertEqual(h.get("X-Cache-Status"), "MISS")
        self.assertEqual(h.get("Content-Type"), "application/vnd.apple.mpegurl")
        self.assertNotIn("x-amz-request-id", {k.lower() for k in h})
        uris = media_uris(text.decode())
        self.assertGreaterEqual(len(uris), 4, text)
        segment = f"/live/bkt/{uris[1]}"
        status, h, body = edge.get(segment)
        self.assertEqual((status, h.get("X-Cache-Status")), (200, "MISS"))
        self.assertIn("immutable", h.get("Cache-Control", ""))
        self.assertTrue(h.get("ETag"), h)  # the store's
        status, h, again = edge.get(segment + "?token=anything")  # the bucket ignores queries
        self.assertEqual((status, h.get("X-Cache-Status"), again), (200, "HIT", body))
        self.assertEqual(body, store.get(f"live/bkt/{uris[1]}")[1])
        # Only reads get through.
        req = urllib.request.Request(edge.url(segment), method="DELETE")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(refused.exception.code, 403)
        self.assertEqual(store.get(f"live/bkt/{uris[1]}")[0], 200)

        # ffprobe reads the whole stream through the edge: every frame of the clip.
        info = harness.ffprobe_json(edge.url(playlist), "-count_frames", "-show_streams")
        video = [s for s in info["streams"] if s["codec_type"] == "video"]
        audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
        self.assertEqual((len(video), len(audio)), (1, 1), info)
        self.assertEqual(video[0]["codec_name"], "h264")
        self.assertEqual(audio[0]["codec_name"], "aac")
        self.assertGreaterEqual(int(video[0]["nb_read_frames"]), 6 * 30 - 2)
        with open(os.path.join(edge.dir, "access.log")) as f:
            self.assertGreater(f.read().count(".m4s"), len(uris))


if __name__ == "__main__":
    harness.main()
