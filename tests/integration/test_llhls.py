"""HLS with fMP4 segments and Low-Latency HLS, with real clients: ffmpeg publishes over RTMP,
ffprobe reads the playlists, init segments, segments and a single part; raw HTTP/1.1 clients
make blocking playlist reloads (RFC 8216bis 6.2.5.2), 500 of them at once."""
import asyncio
import os
import re
import shutil
import subprocess
import time
import unittest

import harness
from harness import Server, ffprobe_json, publish

PART = 0.2
SEGMENT = 1.0


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


def parts_of(playlist):
    """[(msn, index, uri, independent)] of the EXT-X-PART lines."""
    out = []
    for m in re.finditer(r'#EXT-X-PART:DURATION=([0-9.]+),URI="([^"]+)"(,INDEPENDENT=YES)?', playlist):
        uri = m.group(2)
        seq, idx = re.search(r"(\d+)\.(\d+)\.m4s", uri).groups()
        out.append((int(seq), int(idx), uri, bool(m.group(3)), float(m.group(1))))
    return out


def next_part(playlist):
    """(msn, part) of the part after the last listed one, as a player asks for it."""
    hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="[^"]*?(\d+)\.(\d+)\.m4s', playlist)
    assert hint, playlist
    return int(hint.group(1)), int(hint.group(2))


async def raw_get(port, path, timeout=10):
    """One HTTP/1.1 GET on its own connection: (status, body, time the answer arrived)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
        arrived = time.monotonic()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body, arrived


class LlHls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clip = harness.make_clip(seconds=40, size="640x360", rate=30, gop=30)

    def start(self, name, variant, hls_extra=""):
        srv = Server(name, hls_segment=SEGMENT,
                     hls_extra=f"  variant: {variant}\n  part_duration: {PART}\n"
                               f"  max_blocking_requests: 1000\n" + hls_extra)
        srv.__enter__()
        self.addCleanup(srv.stop)
        pub = publish(srv, "live/s", self.clip, os.path.join(srv.dir, "publish.log"), timeout=60)
        self.addCleanup(pub.stop)
        return srv, pub

    def playlist(self, srv, query=""):
        status, headers, body = srv.http_get("/live/s/index.m3u8" + query, timeout=10)
        return status, headers, body.decode(errors="replace")

    def wait_segments(self, srv, n):
        def enough():
            status, _, text = self.playlist(srv)
            return text if status == 200 and text.count("#EXTINF") >= n else None
        return srv.wait_for(enough, timeout=30, what=f"{n} segments")

    def probe_bytes(self, data, name):
        path = os.path.join(harness.ARGS.work_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return ffprobe_json(path, "-show_streams", "-show_format")

    def check_streams(self, probe):
        streams = {s["codec_type"]: s for s in probe["streams"]}
        self.assertEqual(streams["video"]["codec_name"], "h264")
        self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
        self.assertEqual(streams["audio"]["codec_name"], "aac")

    def test_fmp4(self):
        srv, _ = self.start("llhls-fmp4", "fmp4")
        text = self.wait_segments(srv, 3)
        self.assertIn("#EXT-X-VERSION:7\n", text)
        self.assertNotIn("EXT-X-PART", text)
        init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1)
        tags, segments = harness.parse_playlist(text)
        status, headers, init_bytes = srv.http_get(f"/live/s/{init}")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        self.assertIn("immutable", headers["Cache-Control"])
        status, headers, seg = srv.http_get(f"/live/s/{segments[0]['uri']}")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        probe = self.probe_bytes(init_bytes + seg, "fmp4-seg.mp4")
        self.check_streams(probe)
        self.assertAlmostEqual(float(probe["format"]["duration"]), segments[0]["duration"], delta=0.1)
        for s in segments:
            self.assertAlmostEqual(s["duration"], SEGMENT, delta=0.05)
        # ffprobe as an HLS client of the playlist.
        probe = ffprobe_json(srv.http_url("/live/s/index.m3u8"), "-show_streams")
        self.check_streams(probe)

    def test_low_latency(self):
        srv, pub = self.start("llhls-ll", "ll")
        text = self.wait_segments(srv, 2)
        self.assertIn("#EXT-X-VERSION:9\n", text)
        self.assertIn("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6.000,"
                      "PART-HOLD-BACK=0.600\n", text)
        self.assertIn("#EXT-X-PART-INF:PART-TARGET=0.200\n", text)
        parts = parts_of(text)
        self.assertTrue(parts)
        for seq, idx, uri, independent, duration in parts:
            self.assertLessEqual(duration, PART)
            self.assertEqual(independent, idx == 0, uri)  # keyframes every 1 s = every segment
        init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1)
        _, _, init_bytes = srv.http_get(f"/live/s/{init}")

        # One part on its own after the init segment: a decodable fMP4 file.
        status, headers, part = srv.http_get(f"/live/s/{parts[0][2]}")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        probe = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", "-count_frames",
                                "-"], input=init_bytes + part, capture_output=True, timeout=30)
        self.assertEqual(probe.returncode, 0, probe.stderr)
        import json
        streams = {s["codec_type"]: s for s in json.loads(probe.stdout)["streams"]}
        self.assertEqual(streams["video"]["codec_name"], "h264")
        self.assertEqual(int(streams["video"]["nb_read_frames"]), 6)  # 0.2 s at 30 fps
        self.check_streams(ffprobe_json(srv.http_url("/live/s/index.m3u8"), "-show_streams"))

        # A blocking reload for the next part returns once it exists.
        _, _, text = self.playlist(srv)
        msn, part = next_part(text)
        t0 = time.monotonic()
        status, headers, blocked = self.playlist(srv, f"?_HLS_msn={msn}&_HLS_part={part}")
        waited = time.monotonic() - t0
        self.assertEqual(status, 200, blocked)
        listed = {(s, i) for s, i, *_ in parts_of(blocked)}
        self.assertTrue((msn, part) in listed or (msn + 1, 0) in listed, blocked)
        self.assertLess(waited, 3 * SEGMENT)
        self.assertIn("max-age=6", headers["Cache-Control"])
        print(f"\nblocking reload for part {msn}.{part}: answered after {waited * 1000:.0f} ms")

        # The preload hint: a request for the hinted part blocks until the part is made.
        hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', blocked).group(1)
        t0 = time.monotonic()
        status, headers, data = srv.http_get(f"/live/s/{hint}")
        print(f"preload hint {hint}: answered after {(time.monotonic() - t0) * 1000:.0f} ms, {len(data)} bytes")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        self.assertEqual(data[4:8], b"moof")

        # 500 blocking reloads at once: released together, no thread more.
        threads_before = threads_of(srv.proc.pid)
        _, _, text = self.playlist(srv)
        msn, part = next_part(text)
        path = f"/live/s/index.m3u8?_HLS_msn={msn}&_HLS_part={part}"
        n = 500

        async def crowd():
            tasks = [asyncio.create_task(raw_get(srv.http_port, path)) for _ in range(n)]
            await asyncio.sleep(0.05)
            threads_during = threads_of(srv.proc.pid)
            results = await asyncio.gather(*tasks)
            return threads_during, results

        threads_during, results = asyncio.run(crowd())
        statuses = [r[0] for r in results]
        arrivals = sorted(r[2] for r in results)
        spread = arrivals[-1] - arrivals[0]
        print(f"{n} blocking reloads: statuses {sorted(set(statuses))}, spread {spread * 1000:.0f} ms, "
              f"threads {threads_before} -> {threads_during}")
        self.assertEqual(statuses, [200] * n)
        # Released together by the part, not one by one: a server that woke waiters part by
        # part would take 500 parts. The bound leaves room for answering 500 requests (and
        # for this client reading them) on a loaded machine or under a sanitizer.
        self.assertLess(spread, 2 * SEGMENT)
        self.assertEqual(threads_during, threads_before)
        # All answered from the snapshot that made the part, or (when answering 500 took longer
        # than a part, as under a sanitizer) from a newer one: each lists parts, none is stale,
        # and there are no more versions than parts made while the answers went out.
        bodies = {r[1] for r in results}
        print(f"{len(bodies)} distinct playlists among the answers")
        self.assertLessEqual(len(bodies), 2 + int(spread / PART))
        for body in bodies:
            self.assertIn(b"#EXT-X-PART:", body)
            self.assertGreaterEqual(int(re.search(rb"#EXT-X-MEDIA-SEQUENCE:(\d+)", body).group(1)) +
                                    body.count(b"#EXTINF:"), msn, "the requested segment is listed")

        # Bad input (RFC 8216bis 6.2.5.2 and our bounds). Queries that depend on the playlist's
        # last segment read it just before they are sent: a segment is 1 s, and the requests
        # before take a while under a sanitizer.
        def last_segment():
            _, _, text = self.playlist(srv)
            _, segs = harness.parse_playlist(text)
            return int(re.search(r"(\d+)\.m4s$", segs[-1]["uri"]).group(1))

        for query, why in [("?_HLS_part=1", "_HLS_part without _HLS_msn"),
                           ("?_HLS_msn=abc", "not a decimal integer"),
                           ("?_HLS_msn=-1", "not a decimal integer"),
                           ("?_HLS_msn=99999999999999999999", "not a decimal integer"),
                           (lambda: f"?_HLS_msn={last_segment() + 3}", "more than two segments"),
                           # Two past the last: past the open segment too, whose limit is
                           # its own parts plus the advance limit.
                           (lambda: f"?_HLS_msn={last_segment() + 2}&_HLS_part=40",
                            "advance part limit"),
                           ("?_HLS_msn=1&_HLS_skip=NO", "_HLS_skip"),
                           ("?_HLS_msn=1&x=%00", "malformed query")]:
            query = query() if callable(query) else query
            status, _, body = self.playlist(srv, query)
            self.assertEqual(status, 400, query)
            self.assertIn(why, body, query)

        # A delta update once the window is longer than the skip boundary.
        srv.wait_for(lambda: self.playlist(srv)[2].count("#EXTINF") >= 9, timeout=20, what="9 segments")
        _, _, text = self.playlist(srv)
        msn, part = next_part(text)
        status, _, delta = self.playlist(srv, f"?_HLS_msn={msn}&_HLS_part={part}&_HLS_skip=YES")
        self.assertEqual(status, 200)
        self.assertRegex(delta, r"#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+\n")
        status, _, body = srv.http_get(f"/live/s/{init.replace('init.mp4', '0.0.m4s')}")
        self.assertEqual(status, 404)  # parts of segment 0 are long gone
        self.assertIn("evicted", body.decode())

        # The publisher leaves: every waiter is released at once with the ENDLIST playlist.
        _, _, text = self.playlist(srv)
        _, segs = harness.parse_playlist(text)
        last = int(re.search(r"(\d+)\.m4s$", segs[-1]["uri"]).group(1))
        waiting_path = f"/live/s/index.m3u8?_HLS_msn={last + 2}"

        async def leave():
            tasks = [asyncio.create_task(raw_get(srv.http_port, waiting_path)) for _ in range(50)]
            await asyncio.sleep(0.1)
            pub.stop()
            return await asyncio.gather(*tasks)

        results = asyncio.run(leave())
        self.assertEqual([r[0] for r in results], [200] * 50)
        for r in results:
            self.assertTrue(r[1].endswith(b"#EXT-X-ENDLIST\n"), r[1][-200:])

    def test_audio_rendition(self):
        """hls.audio_rendition with ll: video.m3u8 and audio.m3u8, aligned, each reporting the
        other (RFC 8216bis 4.4.5.4); master.m3u8 offers the audio as EXT-X-MEDIA (4.4.6.1)."""
        srv, _ = self.start("llhls-renditions", "ll", "  audio_rendition: true\n")

        def get(name, query=""):
            status, headers, body = srv.http_get(f"/live/s/{name}{query}", timeout=10)
            return status, headers, body.decode(errors="replace")

        srv.wait_for(lambda: get("audio.m3u8")[2].count("#EXTINF") >= 3, timeout=30,
                     what="3 audio segments")
        status, headers, master = get("master.m3u8")
        self.assertEqual(status, 200)
        self.assertIn('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,'
                      'AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"\n', master)
        self.assertRegex(master, r'#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,'
                                 r'CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=640x360,'
                                 r'FRAME-RATE=30\.000,AUDIO="audio"\nvideo\.m3u8\n')
        self.assertNotIn("index.m3u8", master)
        # ffprobe as an HLS client of the multivariant playlist finds both, from two playlists.
        probe = ffprobe_json(srv.http_url("/live/s/master.m3u8"), "-show_streams")
        codecs = sorted(s["codec_name"] for s in probe["streams"])
        self.assertEqual(codecs, ["aac", "h264"], probe)

        # Each rendition's init segment and segments carry its own track only.
        for name, kind in [("video.m3u8", "video"), ("audio.m3u8", "audio")]:
            _, _, text = get(name)
            init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text).group(1)
            _, segs = harness.parse_playlist(text)
            _, _, init_bytes = srv.http_get(f"/live/s/{init}")
            _, _, seg = srv.http_get(f"/live/s/{segs[-1]['uri']}")
            streams = self.probe_bytes(init_bytes + seg, f"rendition-{kind}.mp4")["streams"]
            self.assertEqual([s["codec_type"] for s in streams], [kind], name)

        # Aligned: the same segment numbers, durations within one AAC frame (21.3 ms at 48 kHz).
        def by_sequence(text):
            _, segs = harness.parse_playlist(text)
            return {int(re.search(r"(\d+)\.m4s$", s["uri"]).group(1)): s["duration"] for s in segs}

        v, a = by_sequence(get("video.m3u8")[2]), by_sequence(get("audio.m3u8")[2])
        common = sorted(set(v) & set(a))
        self.assertGreaterEqual(len(common), 2, (v, a))
        for seq in common:
            # Segment 0 starts at the first keyframe, its audio with the first audio frame that
            # came after it (here about two frames later): no audio before the first keyframe.
            self.assertAlmostEqual(v[seq], a[seq], delta=0.1 if seq == 0 else 0.023, msg=f"segment {seq}")

        # Rendition reports: each names the other's last part, as the other playlist fetched
        # right after says (or one part behind when a part was made in between).
        def report(text, uri):
            m = re.search(r'#EXT-X-RENDITION-REPORT:URI="' + re.escape(uri) +
                          r'",LAST-MSN=(\d+),LAST-PART=(\d+)\n', text)
            self.assertIsNotNone(m, text)
            return int(m.group(1)), int(m.group(2))

        for first, second in [("video.m3u8", "audio.m3u8"), ("audio.m3u8", "video.m3u8")]:
            _, _, one = get(first)
            _, _, other = get(second)
            reported = report(one, second)
            listed = [(seq, idx) for seq, idx, *_ in parts_of(other)]
            self.assertIn(reported, listed[-2:], f"{first} reports {second} at {reported}; "
                                                 f"it lists {listed[-3:]}")
            print(f"\n{first} reports {second} at {reported}, {second} has {listed[-1]}")

        # A blocking reload on audio.m3u8 for its next part returns once the part exists, and
        # the answer reports the video where it is then.
        _, _, text = get("audio.m3u8")
        msn, part = next_part(text)
        t0 = time.monotonic()
        status, _, blocked = get("audio.m3u8", f"?_HLS_msn={msn}&_HLS_part={part}")
        waited = time.monotonic() - t0
        self.assertEqual(status, 200, blocked)
        listed = {(s, i) for s, i, *_ in parts_of(blocked)}
        self.assertTrue((msn, part) in listed or (msn + 1, 0) in listed, blocked)
        self.assertLess(waited, 3 * SEGMENT)
        report(blocked, "video.m3u8")
        print(f"blocking reload on audio.m3u8 for part {msn}.{part}: answered after "
              f"{waited * 1000:.0f} ms")
        # Its preload hint blocks until the part is made: an audio-only moof+mdat.
        hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', blocked).group(1)
        status, headers, data = srv.http_get(f"/live/s/{hint}")
        self.assertEqual((status, headers["Content-Type"]), (200, "video/mp4"))
        self.assertEqual(data[4:8], b"moof")

        # The muxed playlist is unchanged: no reports, both tracks.
        _, _, muxed = self.playlist(srv)
        self.assertNotIn("RENDITION-REPORT", muxed)
        self.check_streams(ffprobe_json(srv.http_url("/live/s/index.m3u8"), "-show_streams"))

        # The parts-over-target counter of the stream, in the Prometheus text format.
        status, _, metrics = srv.http_get("/metrics")
        self.assertEqual(status, 200)
        metrics = metrics.decode()
        self.assertIn("# TYPE firstmile_hls_parts_over_target_total counter\n", metrics)
        m = re.search(r'firstmile_hls_parts_over_target_total\{app="live",stream="s"\} (\d+)\n', metrics)
        self.assertIsNotNone(m, metrics[-2000:])
        print(f"parts over target: {m.group(1)}")
        promtool = shutil.which("promtool")
        if promtool:
            r = subprocess.run([promtool, "check", "metrics"], input=metrics.encode(), capture_output=True,
                               timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    harness.main()
