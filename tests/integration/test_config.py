"""The command line: --print-config shows every default, a bad file fails at start-up with
the file, the key and the reason, and SIGTERM ends a live stream's playlist cleanly."""
import os
import subprocess
import time
import unittest

import harness
from harness import Server, publish


def run(*args, timeout=10):
    return subprocess.run([harness.ARGS.server] + list(args), capture_output=True, text=True, timeout=timeout)


class Config(unittest.TestCase):
    def test_print_config_defaults(self):
        r = run("--print-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        for line in ('listen: "0.0.0.0:1935"', 'listen: "0.0.0.0:8080"', 'listen: "0.0.0.0:8554"', "segment_duration: 2", "window: 6",
                     "on_conflict: refuse", "max_connections: 10000"):
            self.assertIn(line, r.stdout)

    def test_print_config_applies_file(self):
        path = os.path.join(harness.ARGS.work_dir, "ok.yaml")
        with open(path, "w") as f:
            f.write("hls:\n  window: 9\nrtmp:\n  chunk_size: 60000\n")
        r = run("--config", path, "--print-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("window: 9", r.stdout)
        self.assertIn("chunk_size: 60000", r.stdout)

    def test_bad_files_fail_with_file_key_reason(self):
        cases = {
            "unknown.yaml": ("rtmp:\n  chunk_sise: 4096\n", "rtmp.chunk_sise (line 2): unknown key"),
            "range.yaml": ("hls:\n  window: 1\n", "hls.window (line 2): value must be at least 2"),
            "type.yaml": ("http:\n  enabled: maybe\n", "http.enabled (line 2): expected true or false"),
            "syntax.yaml": ("rtmp: [\n", "syntax.yaml: line"),
            "duration.yaml": ("rtmp:\n  handshake_timeout: 10 parsecs\n", "unknown duration unit"),
            "ports.yaml": ("rtsp:\n  udp_ports: 8001-9000\n",
                           "rtsp.udp_ports (line 2): '8001-9000': the range must start on an even port"),
        }
        for name, (text, expected) in cases.items():
            path = os.path.join(harness.ARGS.work_dir, name)
            with open(path, "w") as f:
                f.write(text)
            r = run("--config", path)
            self.assertEqual(r.returncode, 2, name)
            self.assertIn(path, r.stderr)
            self.assertIn(expected, r.stderr, name)
        r = run("--config", "/nonexistent/firstmile.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot open file", r.stderr)

    def test_port_in_use_fails_at_start(self):
        with Server("first") as srv:
            path = os.path.join(harness.ARGS.work_dir, "clash.yaml")
            with open(path, "w") as f:
                f.write(f'http:\n  listen: "127.0.0.1:{srv.http_port}"\nrtmp:\n  listen: "127.0.0.1:0"\nsrt:\n  enabled: false\n'
                        'rtsp:\n  enabled: false\n')
            r = run("--config", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn("http.listen", r.stderr)

    def test_sigterm_ends_playlist_on_disk(self):
        clip = harness.make_clip(seconds=10)
        hls_dir = os.path.join(harness.ARGS.work_dir, "hls-out")
        with Server("shutdown", hls_extra=f'  dir: "{hls_dir}"\n') as srv:
            with publish(srv, "live/bye", clip, os.path.join(srv.dir, "publish.log")):
                playlist = os.path.join(hls_dir, "live", "bye", "index.m3u8")
                srv.wait_for(lambda: os.path.exists(playlist), timeout=15, what="playlist on disk")
                started = time.time()
                self.assertEqual(srv.stop(), 0)
                self.assertLess(time.time() - started, 5)
            with open(playlist) as f:
                text = f.read()
            self.assertIn("#EXT-X-ENDLIST", text)
            tags, segments = harness.parse_playlist(text)
            for seg in segments:
                self.assertTrue(os.path.exists(os.path.join(hls_dir, "live", "bye", seg["uri"])), seg)
            self.assertIn("shutting down", srv.log_text())

            # The next start removes what this run left (and a stray temporary file), but only
            # HLS files inside hls.dir: not other files, not what a symbolic link leads to.
            stream_dir = os.path.join(hls_dir, "live", "bye")
            left = sorted(os.listdir(stream_dir))
            with open(os.path.join(stream_dir, "seg99.ts.tmp"), "wb") as f:
                f.write(b"partial")
            with open(os.path.join(hls_dir, "notes.txt"), "w") as f:
                f.write("the operator's")
            outside = os.path.join(harness.ARGS.work_dir, "outside")
            os.makedirs(outside, exist_ok=True)
            with open(os.path.join(outside, "keep.ts"), "wb") as f:
                f.write(b"not ours")
            link = os.path.join(hls_dir, "live", "link")
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(outside, link)
            with Server("restart", hls_extra=f'  dir: "{hls_dir}"\n') as again:
                again.wait_for(lambda: "hls disk copy cleaned" in again.log_text(), timeout=5,
                               what="the cleaning logged")
                self.assertIn(f"files_removed={len(left) + 1}", again.log_text())
                self.assertFalse(os.path.exists(stream_dir), "the stream's directory should go")
                self.assertTrue(os.path.exists(os.path.join(hls_dir, "notes.txt")))
                self.assertTrue(os.path.exists(os.path.join(outside, "keep.ts")))


if __name__ == "__main__":
    harness.main()
