"""dash.js and Shaka Player in headless Chromium play the server's MPEG-DASH output (low-latency,
chunked) while ffmpeg publishes H.264/AAC over RTMP. See tests/browser/play_dash.mjs and
play_shaka.mjs."""
import json
import os
import unittest

import browser_player
import harness
from harness import Server, publish

PLAY_SECONDS = 10
CLIP_SECONDS = 40  # covers server start, the first segments, player start and PLAY_SECONDS
WIDTH, HEIGHT = 640, 360


def play_dash(source_dir, url, log_path, seconds=PLAY_SECONDS, start_timeout=20, settings=None, script="play_dash.mjs",
              settings_option="--dash-settings"):
    """Runs play_dash.mjs (dash.js) or play_shaka.mjs (with settings_option "--shaka-config"); returns
    (exit status, report or None, stderr). Bounded, stopped by PID."""
    cmd = ["node", os.path.join(browser_player.browser_dir(source_dir), script), "--url", url,
           "--seconds", str(seconds), "--start-timeout", str(start_timeout), "--chromium", browser_player.CHROMIUM]
    if settings:
        cmd += [settings_option, json.dumps(settings)]
    return browser_player.run_script(source_dir, cmd, log_path, seconds + start_timeout + 40)


class BrowserDash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = browser_player.missing_prerequisites(harness.ARGS.source_dir)
        for pkg in ("dashjs", "shaka-player"):
            if not missing and not os.path.isdir(os.path.join(browser_player.browser_dir(harness.ARGS.source_dir),
                                                              "node_modules", pkg)):
                missing = f"missing tests/browser/node_modules/{pkg} (run scripts/setup.sh test)"
        if missing:
            raise AssertionError(f"browser tests: {missing}")
        cls.clip = harness.make_clip(seconds=CLIP_SECONDS, size=f"{WIDTH}x{HEIGHT}", rate=30, gop=30)

    def start(self, name):
        """A server with low-latency DASH (1 s segments, 0.25 s chunks) and ffmpeg publishing to it;
        returns (server, publisher) once the MPD is served."""
        srv = Server(name, hls_segment=1.0,
                     config_extra="dash:\n  enabled: true\n  low_latency: true\n  chunk_duration: 0.25\n")
        srv.__enter__()
        self.addCleanup(srv.stop)
        pub = publish(srv, "live/browser", self.clip, os.path.join(srv.dir, "publish.log"), timeout=CLIP_SECONDS + 30)
        self.addCleanup(pub.stop)
        srv.wait_for(lambda: srv.http_get("/live/browser/index.mpd")[0] == 200, timeout=15, what="MPD")
        return srv, pub

    def assert_played(self, status, r, stderr, pub, script):
        """What both players must show: playback for PLAY_SECONDS without a fatal error or a stall of
        a second or more, at the published size."""
        self.assertIsNotNone(r, f"{script} exit {status}, no report: {stderr[-2000:]}")
        msg = browser_player.brief(r)
        self.assertEqual(status, 0, f"{script} exit {status}: {msg}\n{stderr[-1000:]}")
        self.assertTrue(r["started"], msg)
        self.assertTrue(r["dynamic"], msg)
        self.assertEqual(r["fatal_errors"], 0, msg)
        self.assertGreaterEqual(r["played_seconds"], PLAY_SECONDS - 0.5, msg)
        self.assertGreaterEqual(r["current_time_advanced"], r["played_seconds"] - 2, msg)
        self.assertLess(r["longest_stall_events"], 1.0, msg)
        self.assertLess(r["longest_stall_frozen"], 1.0, msg)
        self.assertEqual((r["video_width"], r["video_height"]), (WIDTH, HEIGHT), msg)
        self.assertIsNotNone(r["latency"]["median"], msg)
        self.assertTrue(pub.proc.poll() is None, "publisher ended before playback did: " + pub.output()[-1000:])
        return msg

    def test_shaka_plays_low_latency(self):
        srv, pub = self.start("browser-shaka")
        status, r, stderr = play_dash(harness.ARGS.source_dir, srv.http_url("/live/browser/index.mpd"),
                                      os.path.join(srv.dir, "play.json"), script="play_shaka.mjs",
                                      settings_option="--shaka-config")
        if r and r.get("latency"):
            print(f"\nShaka {r.get('shaka_version')}: live latency median {r['latency']['median']} s "
                  f"(p90 {r['latency']['p90']}, target {r.get('target_latency')}), to the seek range end "
                  f"{r.get('edge_latency_median')} s, longest stall {r['longest_stall_events']} s, "
                  f"low-latency mode {r.get('low_latency_mode')}", flush=True)
        msg = self.assert_played(status, r, stderr, pub, "play_shaka.mjs")
        variant = r.get("variant") or {}
        self.assertIn("avc1.", variant.get("videoCodec") or "", msg)
        self.assertIn("mp4a.40.2", variant.get("audioCodec") or "", msg)

    def test_dashjs_plays_low_latency(self):
        srv, pub = self.start("browser-dash")
        status, r, stderr = play_dash(harness.ARGS.source_dir, srv.http_url("/live/browser/index.mpd"),
                                      os.path.join(srv.dir, "play.json"))
        self.assertIsNotNone(r, f"play_dash.mjs exit {status}, no report: {stderr[-2000:]}")
        print(f"\ndash.js {r.get('dash_version')}: live latency median {r['latency']['median']} s "
              f"(p90 {r['latency']['p90']}, target {r.get('target_latency')}), longest stall "
              f"{r['longest_stall_events']} s, low-latency mode {r.get('low_latency_mode')}, "
              f"segments {r.get('segments_loaded')}", flush=True)
        msg = self.assert_played(status, r, stderr, pub, "play_dash.mjs")
        codecs = {t["type"]: t["codec"] for t in r["tracks"]}
        self.assertIn("avc1.", codecs.get("video", ""), msg)
        self.assertIn("mp4a.40.2", codecs.get("audio", ""), msg)
        self.assertGreater(r["segments_loaded"]["video"], 0, msg)
        self.assertGreater(r["segments_loaded"]["audio"], 0, msg)


if __name__ == "__main__":
    harness.main()
