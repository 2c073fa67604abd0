"""Recording (record.*): ffmpeg publishes over RTMP and the server writes an MP4. While the
publish lasts the file is fragmented MP4 that ffprobe already reads; when it ends the file is
rewritten with its moov before the media data, every picture of the clip in it, and
on_record_done reports it. A publish longer than record.max_duration is split at a keyframe.
Killed with SIGKILL mid-recording, the server leaves a file ffprobe reads to within a fragment
of the kill, and its next start finishes that file."""
import os
import shutil
import signal
import struct
import time
import unittest

import harness
from harness import Server
from webhook_receiver import WebhookReceiver


def top_boxes(path):
    """[(type, size)] of the file's top-level boxes."""
    out = []
    with open(path, "rb") as f:
        size_total = os.path.getsize(path)
        pos = 0
        while pos + 8 <= size_total:
            f.seek(pos)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = size_total - pos
            out.append((kind.decode("latin-1"), size))
            if size < 8:
                break
            pos += size
    return out


def count_packets(path, stream):
    info = harness.ffprobe_json(path, "-count_packets", "-select_streams", stream,
                                "-show_entries", "stream=codec_name,nb_read_packets")
    s = info["streams"][0]
    return s["codec_name"], int(s["nb_read_packets"])


def duration_of(path):
    return float(harness.ffprobe_json(path, "-show_entries", "format=duration")["format"]["duration"])


def recordings(root, stream):
    d = os.path.join(root, "live", stream)
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".mp4"))


def record_config(root, hook_url, max_duration=3600, fresh=True):
    if fresh:
        shutil.rmtree(root, ignore_errors=True)  # what an earlier run of the test left
    return f"""record:
  enabled: true
  apps: [live]
  path: "{root}/{{app}}/{{stream}}/{{start_time}}.mp4"
  fragment: 1
  max_duration: {max_duration}
webhooks:
  on_record_done: ["{hook_url}"]
"""


class Record(unittest.TestCase):
    def test_publish_is_recorded_while_live_then_finished(self):
        clip = harness.make_clip(seconds=6, gop=30)
        with WebhookReceiver() as rx:
            root = os.path.join(harness.ARGS.work_dir, "live-rec")
            with Server("record", config_extra=record_config(root, rx.url("/done"))) as srv, \
                    harness.publish(srv, "live/cam", clip,
                                    os.path.join(srv.dir, "ffmpeg.log"), timeout=60) as pub:
                # While live: fragmented MP4 (moov, then moof + mdat pairs) that ffprobe reads.
                files = srv.wait_for(lambda: recordings(root, "cam"), timeout=15,
                                     what="a recording file")
                self.assertEqual(len(files), 1)
                srv.wait_for(lambda: sum(1 for t, _ in top_boxes(files[0]) if t == "moof") >= 2,
                             timeout=15, what="two fragments on disk")
                kinds = [t for t, _ in top_boxes(files[0])]
                self.assertEqual(kinds[:2], ["ftyp", "moov"])
                self.assertIn("moof", kinds)
                codec, packets = count_packets(files[0], "v:0")
                self.assertEqual(codec, "h264")
                self.assertGreater(packets, 0)
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-2000:])
                done = rx.wait_for("on_record_done", timeout=20).json

            path = files[0]
            self.assertEqual(done["path"], path)
            self.assertEqual(done["app"], "live")
            self.assertEqual(done["stream"], "cam")
            self.assertNotIn("error", done)
            self.assertEqual(done["size"], os.path.getsize(path))
            self.assertAlmostEqual(done["duration"], 6.0, delta=0.3)
            self.assertTrue(done["start_time"].endswith("Z"))
            # Finished: moov first, one mdat, and every picture and audio frame of the clip.
            self.assertEqual([t for t, _ in top_boxes(path)], ["ftyp", "moov", "mdat"])
            self.assertFalse(os.path.exists(path + ".tmp"))
            self.assertEqual(count_packets(path, "v:0"), ("h264", 180))
            _, clip_audio = count_packets(clip, "a:0")
            codec, audio = count_packets(path, "a:0")
            self.assertEqual(codec, "aac")
            self.assertEqual(audio, clip_audio)
            self.assertAlmostEqual(duration_of(path), 6.0, delta=0.3)

    def test_long_publish_is_split_at_max_duration(self):
        clip = harness.make_clip(seconds=12, gop=30)
        with WebhookReceiver() as rx:
            root = os.path.join(harness.ARGS.work_dir, "split-rec")
            with Server("record-split",
                        config_extra=record_config(root, rx.url("/done"), max_duration=10)) as srv:
                # As fast as ffmpeg sends: the cut follows media time, not the clock.
                with harness.publish(srv, "live/long", clip, os.path.join(srv.dir, "ffmpeg.log"),
                                     timeout=60, realtime=False) as pub:
                    self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-2000:])
                done = [r.json for r in rx.wait_count("on_record_done", 2, timeout=20)]
        # In the order they were finished: one strand writes a stream's files in turn.
        self.assertEqual(len(recordings(root, "long")), 2)
        self.assertAlmostEqual(done[0]["duration"], 10.0, delta=0.2)
        self.assertAlmostEqual(done[1]["duration"], 2.0, delta=0.2)
        pictures = sum(count_packets(d["path"], "v:0")[1] for d in done)
        self.assertEqual(pictures, 360)  # each picture in exactly one file
        for d in done:
            self.assertEqual([t for t, _ in top_boxes(d["path"])], ["ftyp", "moov", "mdat"])

    def test_sigkill_leaves_a_file_readable_to_within_a_fragment(self):
        clip = harness.make_clip(seconds=20, gop=30)
        root = os.path.join(harness.ARGS.work_dir, "killed-rec")
        with WebhookReceiver() as rx:
            srv = Server("record-kill", config_extra=record_config(root, rx.url("/done")))
            with srv, harness.publish(srv, "live/kill", clip, os.path.join(srv.dir, "ffmpeg.log"),
                                      timeout=60) as pub:
                files = srv.wait_for(lambda: recordings(root, "kill"), timeout=15,
                                     what="a recording file")
                started = time.time()
                srv.wait_for(lambda: sum(1 for t, _ in top_boxes(files[0]) if t == "moof") >= 5,
                             timeout=20, what="five fragments on disk")
                elapsed = time.time() - started
                srv.stop(sig=signal.SIGKILL)
                pub.stop()
            kinds = [t for t, _ in top_boxes(files[0])]
            self.assertEqual(kinds[:2], ["ftyp", "moov"])
            self.assertGreaterEqual(kinds.count("moof"), 5)
            # Media time up to the last complete fragment: at least what was there when the
            # fifth appeared, at most a fragment (1 s) and the publisher's head start beyond.
            duration = duration_of(files[0])
            self.assertGreaterEqual(duration, 4.0)
            self.assertLessEqual(duration, elapsed + 3.0)
            codec, packets = count_packets(files[0], "v:0")
            self.assertEqual(codec, "h264")
            self.assertGreaterEqual(packets, 5 * 30 - 30)
            self.assertEqual(rx.requests(event="on_record_done"), [])

            # The next start finishes it: moov first, the same pictures, reported as recovered.
            with Server("record-kill",
                        config_extra=record_config(root, rx.url("/done"), fresh=False)) as again:
                done = rx.wait_for("on_record_done", timeout=20).json
                self.assertTrue(again.alive())
            self.assertEqual(done["path"], files[0])
            self.assertTrue(done["recovered"])
            self.assertEqual((done["app"], done["stream"]), ("live", "kill"))
            self.assertEqual([t for t, _ in top_boxes(files[0])], ["ftyp", "moov", "mdat"])
            self.assertEqual(count_packets(files[0], "v:0"), ("h264", packets))
            self.assertAlmostEqual(duration_of(files[0]), duration, delta=0.1)


if __name__ == "__main__":
    harness.main()
