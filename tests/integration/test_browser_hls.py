"""hls.js in headless Chromium plays the server's HLS while ffmpeg publishes H.264/AAC over RTMP:
MPEG-TS segments, fMP4 segments, and Low-Latency HLS with parts. See tests/browser/play.mjs."""
import os
import re
import unittest

import browser_player
import harness
from harness import Server, publish

PLAY_SECONDS = 10
CLIP_SECONDS = 30  # covers server start, the first segment, player start and PLAY_SECONDS
WIDTH, HEIGHT = 640, 360
# LL-HLS part length in these tests: the default. (hls.js skipped a segment's last part of 0.2 s
# or less when the segment showed complete with it; the server now shows it complete one part
# later, see test_browser_startups.py.)
LL_PART = 0.2
LL_PART_ALTERNATE_AUDIO = 0.34
# The longest pause tolerated once playing (a loaded machine, the sanitizer build).
LL_MAX_STALL = 0.35


class BrowserHls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = browser_player.missing_prerequisites(harness.ARGS.source_dir)
        if missing:
            # scripts/setup.sh test installs all of it: a missing piece is a broken setup, not a
            # reason to pass.
            raise AssertionError(f"browser tests: {missing}")
        cls.clip = harness.make_clip(seconds=CLIP_SECONDS, size=f"{WIDTH}x{HEIGHT}", rate=30, gop=30)

    def start_server(self, name, hls_extra=""):
        """The server with `hls_extra` under hls:. A server that refuses one of those keys as
        unknown has not got the feature yet: the test is skipped, saying which key."""
        srv = Server(name, hls_segment=1.0, hls_extra=hls_extra)
        try:
            srv.__enter__()
        except RuntimeError as e:
            srv.stop()  # closes its log
            m = re.search(r"\b(hls\.[a-z_]+)[^\n]*unknown key", str(e))
            if m and m.group(1) in hls_extra_keys(hls_extra):
                self.skipTest(f"server has no {m.group(1)} yet ({m.group(0).strip()})")
            raise
        self.addCleanup(srv.stop)
        return srv

    def play_live(self, srv, low_latency=False, playlist="index.m3u8", ready=None):
        """Publishes the clip in real time and plays the playlist in Chromium once `ready` (the
        playlist itself by default) answers; returns the report."""
        pub = publish(srv, "live/browser", self.clip, os.path.join(srv.dir, "publish.log"), timeout=CLIP_SECONDS + 30)
        self.addCleanup(pub.stop)
        ready = ready or playlist
        srv.wait_for(lambda: srv.http_get(f"/live/browser/{ready}")[0] == 200, timeout=15, what=ready)
        status, report, stderr = browser_player.play(
            harness.ARGS.source_dir, srv.http_url(f"/live/browser/{playlist}"),
            os.path.join(srv.dir, "play.json"), seconds=PLAY_SECONDS, low_latency=low_latency,
            hls_config=self.hls_log_config(srv))
        self.assertIsNotNone(report, f"play.mjs exit {status}, no report: {stderr[-2000:]}")
        self.assertEqual(status, 0, f"play.mjs exit {status}: {browser_player.brief(report)}\n{stderr[-1000:]}")
        self.assertTrue(pub.proc.poll() is None, "publisher ended before playback did: " + pub.output()[-1000:])
        return report

    @staticmethod
    def hls_log_config(srv):
        """FM_HLS_LOG=1 (diagnosis only: it changes hls.js's timing): hls.js's own log goes to
        hls.log in the server's directory."""
        if not os.environ.get("FM_HLS_LOG"):
            return None
        os.environ["FM_HLS_LOG_FILE"] = os.path.join(srv.dir, "hls.log")
        return {"debug": "capture"}

    def check_playback(self, r, max_stall):
        msg = browser_player.brief(r)
        self.assertTrue(r["started"], msg)
        self.assertEqual(r["fatal_errors"], 0, msg)
        self.assertGreaterEqual(r["played_seconds"], PLAY_SECONDS - 0.5, msg)
        self.assertGreaterEqual(r["current_time_advanced"], r["played_seconds"] - 2, msg)
        self.assertLess(r["longest_stall_events"], max_stall, msg)
        self.assertLess(r["longest_stall_frozen"], max_stall, msg)
        self.assertEqual((r["video_width"], r["video_height"]), (WIDTH, HEIGHT), msg)
        # One SourceBuffer per track (TS, separate fMP4 tracks) or one "audiovideo" buffer with
        # both codecs (muxed fMP4).
        codecs = [c.strip().lower() for b in (r["buffer_codecs"] or {}).values() for c in b["codec"].split(",")]
        self.assertTrue(any(c.startswith("avc1.") for c in codecs), msg)
        self.assertTrue(any(c.startswith("mp4a.40") for c in codecs), msg)
        self.assertTrue(r["level"] and r["level"]["live"], msg)
        self.assertGreater(r["fragments_loaded"] + r["parts_loaded"], 0, msg)

    def test_ts(self):
        srv = self.start_server("browser-ts", hls_extra="  variant: ts\n")
        r = self.play_live(srv)
        self.check_playback(r, max_stall=1.0)
        self.assertGreaterEqual(r["fragments_loaded"], PLAY_SECONDS - 2, browser_player.brief(r))

    def test_fmp4(self):
        srv = self.start_server("browser-fmp4", hls_extra="  variant: fmp4\n")
        r = self.play_live(srv)
        self.check_playback(r, max_stall=1.0)
        self.assertGreaterEqual(r["fragments_loaded"], PLAY_SECONDS - 2, browser_player.brief(r))

    def test_low_latency(self):
        part = LL_PART
        srv = self.start_server("browser-ll", hls_extra=f"  variant: ll\n  part_duration: {part}\n")
        r = self.play_live(srv, low_latency=True)
        msg = browser_player.brief(r)
        # No stall longer than LL_MAX_STALL once playing. The frozen-currentTime measure has the
        # sampling period (100 ms) as its resolution, hence one sample of slack there.
        self.check_playback(r, max_stall=LL_MAX_STALL + 0.1)
        self.assertLessEqual(r["longest_stall_events"], LL_MAX_STALL, msg)
        self.assertTrue(r["level"]["partTarget"] > 0 and r["level"]["canBlockReload"], msg)
        self.assertGreater(r["parts_loaded"], 0, msg)
        self.assertIsNotNone(r["latency"]["median"], msg)
        self.assertLess(r["latency"]["median"], 3.0, msg)

    def test_low_latency_alternate_audio(self):
        """hls.audio_rendition: hls.js plays master.m3u8, the video rendition with the audio one
        as alternate audio (EXT-X-MEDIA), both LL-HLS with rendition reports."""
        # With alternate audio and 0.2 s parts hls.js (1.7.4) still stops loading parts at times
        # (after a part of each track, for several seconds, then it loads whole segments): not
        # the skipped last part the held segment prevents. Parts of a third of the GOP avoid it.
        part = LL_PART_ALTERNATE_AUDIO
        srv = self.start_server("browser-ll-audio", hls_extra=f"  variant: ll\n  part_duration: {part}\n"
                                                              "  audio_rendition: true\n")
        # Once audio.m3u8 has a segment, master.m3u8 lists the renditions.
        r = self.play_live(srv, low_latency=True, playlist="master.m3u8", ready="audio.m3u8")
        msg = browser_player.brief(r)
        # check_playback() less its SourceBuffer codecs: play.mjs keeps the last BUFFER_CODECS
        # event only, which with alternate audio is the audio track's.
        self.assertTrue(r["started"], msg)
        self.assertEqual(r["fatal_errors"], 0, msg)
        self.assertGreaterEqual(r["played_seconds"], PLAY_SECONDS - 0.5, msg)
        self.assertGreaterEqual(r["current_time_advanced"], r["played_seconds"] - 2, msg)
        self.assertLessEqual(r["longest_stall_events"], LL_MAX_STALL, msg)
        self.assertLess(r["longest_stall_frozen"], LL_MAX_STALL + 0.1, msg)
        self.assertEqual((r["video_width"], r["video_height"]), (WIDTH, HEIGHT), msg)
        self.assertTrue(r["level"] and r["level"]["live"], msg)
        # One variant whose CODECS name both, and an audio SourceBuffer of its own: the audio
        # came from audio.m3u8 (muxed fMP4 would make one "audiovideo" buffer).
        self.assertEqual(len(r["levels"]), 1, msg)
        self.assertTrue(r["levels"][0]["videoCodec"].startswith("avc1."), msg)
        self.assertEqual(r["levels"][0]["audioCodec"], "mp4a.40.2", msg)
        self.assertIn("audio", r["buffer_codecs"] or {}, msg)
        self.assertNotIn("audiovideo", r["buffer_codecs"] or {}, msg)
        self.assertTrue(r["level"]["partTarget"] > 0 and r["level"]["canBlockReload"], msg)
        self.assertGreater(r["parts_loaded"], 0, msg)
        self.assertIsNotNone(r["latency"]["median"], msg)
        print(f"\nalternate audio, LL-HLS: latency median {r['latency']['median']:.2f} s, "
              f"longest stall {r['longest_stall_events']:.2f} s, parts loaded {r['parts_loaded']}")
        # hls.js plays alternate audio about one part further behind since a segment shows
        # complete one part later (2.67 and 2.87 s against 2.32 and 2.46 s before, 0.34 s parts,
        # docs/benchmarks.md); muxed it does not (test_browser_startups.py).
        self.assertLess(r["latency"]["median"], 3.5, msg)


def hls_extra_keys(hls_extra):
    return {"hls." + line.split(":")[0].strip() for line in hls_extra.splitlines() if ":" in line}


if __name__ == "__main__":
    harness.main()
