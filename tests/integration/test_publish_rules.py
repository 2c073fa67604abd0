"""Publishing rules: a second publisher of a live stream is refused with a reason (or takes
over when configured), invalid names are refused, and a refused publisher leaves no HLS."""
import os
import time
import unittest

import harness
from harness import Server, publish


class PublishRules(unittest.TestCase):
    def test_duplicate_publish_refused_first_goes_on(self):
        clip = harness.make_clip(seconds=10)
        with Server("dup") as srv:
            with publish(srv, "live/one", clip, os.path.join(srv.dir, "first.log")) as first:
                srv.wait_for(lambda: srv.api("/streams/live/one")[1].get("live"), timeout=10, what="live")
                second = publish(srv, "live/one", clip, os.path.join(srv.dir, "second.log"), timeout=20)
                rc = second.wait(timeout=25)
                self.assertNotEqual(rc, 0, "the second publisher should be refused")
                self.assertIn("already being published", srv.log_text())
                self.assertIn("NetStream.Publish.BadName", srv.log_text())
                # The first publisher is untouched.
                status, info = srv.api("/streams/live/one")
                self.assertTrue(info["live"])
                before = info["bytes_in"]
                time.sleep(1)
                self.assertGreater(srv.api("/streams/live/one")[1]["bytes_in"], before)
                self.assertEqual(first.wait(timeout=30), 0, first.output()[-1000:])

    def test_takeover_when_configured(self):
        clip = harness.make_clip(seconds=10)
        with Server("takeover", rtmp_extra="  on_conflict: takeover\n") as srv:
            with publish(srv, "live/two", clip, os.path.join(srv.dir, "first.log")) as first:
                info = srv.wait_for(lambda: (lambda i: i.get("live") and i)(srv.api("/streams/live/two")[1]),
                                    timeout=10, what="live")
                first_peer = info["publisher"]["address"]
                with publish(srv, "live/two", clip, os.path.join(srv.dir, "second.log")) as second:
                    info = srv.wait_for(
                        lambda: (lambda i: i.get("live") and i["publisher"]["address"] != first_peer and i)(
                            srv.api("/streams/live/two")[1]), timeout=10, what="the second publisher")
                    self.assertEqual(info["publishes"], 2)
                    # The first encoder was disconnected.
                    self.assertNotEqual(first.wait(timeout=15), 0)
                    self.assertIn("taken over by", srv.log_text())

    def test_invalid_name_refused(self):
        clip = harness.make_clip(seconds=2)
        with Server("badname") as srv:
            p = publish(srv, "live/bad%20name", clip, os.path.join(srv.dir, "bad.log"), timeout=20)
            self.assertNotEqual(p.wait(timeout=25), 0)
            self.assertIn("invalid stream name", srv.log_text())
            self.assertEqual(srv.api("/streams")[1]["streams"], [])
            self.assertTrue(srv.alive())


if __name__ == "__main__":
    harness.main()
