"""Bad input gets a bounded, logged outcome and never disturbs the stream that is live:
garbage, lying chunk headers, huge chunk sizes and messages, silent peers, a player that never
reads, a connection flood, and hostile HTTP requests."""
import os
import socket
import struct
import time
import unittest

import harness
from harness import Proc, Server, publish
from rtmp_client import RtmpClient, chunk


class BadInput(unittest.TestCase):
    def test_rtmp_and_http_abuse_while_live(self):
        clip = harness.make_clip(seconds=30)
        with Server("bad", rtmp_extra="  handshake_timeout: 1s\n  publish_idle_timeout: 1s\n",
                    http_extra="  max_header_bytes: 4096\n",
                    config_extra="fanout:\n  max_queue_bytes: 256KiB\n  max_skips: 1\n  send_buffer: 64KiB\nlimits:\n  max_connections: 60\n",
                    ) as srv:
            with publish(srv, "live/good", clip, os.path.join(srv.dir, "publish.log"), timeout=60) as pub:
                srv.wait_for(lambda: srv.http_get("/live/good/index.m3u8")[0] == 200, timeout=15, what="playlist")

                # Not RTMP at all (an HTTP request on the RTMP port): refused at the handshake.
                s = socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=5)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(1600))
                s.settimeout(3)
                try:
                    self.assertEqual(s.recv(100), b"")
                except ConnectionResetError:
                    pass  # closed with our bytes unread: a reset is a close too
                s.close()

                # A silent peer: closed after rtmp.handshake_timeout.
                c = RtmpClient(srv.rtmp_port)
                self.assertTrue(c.closed_within(4))
                c.close()

                # SetChunkSize of 2^31 (the spec reserves the top bit).
                c = RtmpClient(srv.rtmp_port)
                c.handshake()
                c.sock.sendall(chunk(2, 1, struct.pack(">I", 0x80000000)))
                self.assertTrue(c.closed_within(3))
                c.close()

                # A message header announcing 12 MB (over rtmp.max_message_size, 8 MiB).
                c = RtmpClient(srv.rtmp_port)
                c.handshake()
                c.sock.sendall(bytes([3]) + bytes(3) + (12 << 20).to_bytes(3, "big") + b"\x14" + bytes(4) + bytes(128))
                self.assertTrue(c.closed_within(3))
                c.close()

                # AMF garbage in a command.
                c = RtmpClient(srv.rtmp_port)
                c.handshake()
                c.sock.sendall(chunk(3, 20, b"\x02\x00\x07connect\x0b\xff\xff"))
                self.assertTrue(c.closed_within(3))
                c.close()

                # Unknown message types are ignored; the connection stays until the timeout.
                c = RtmpClient(srv.rtmp_port)
                c.handshake()
                c.sock.sendall(chunk(3, 0x7F, b"whatever"))
                self.assertFalse(c.closed_within(0.3))
                c.close()

                # A publisher that never sends media: dropped after rtmp.publish_idle_timeout.
                c = RtmpClient(srv.rtmp_port)
                c.handshake()
                c.connect()
                c.publish("silent")
                self.assertTrue(c.closed_within(5))
                c.close()
                self.assertIn("publisher sent no media", srv.log_text())

                # A player that never reads: skipped, then disconnected; memory stays bounded.
                c = RtmpClient(srv.rtmp_port)
                c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                c.handshake()
                c.connect()
                c.play("good")
                srv.wait_for(lambda: "slow viewer" in srv.log_text(), timeout=20, what="slow viewer dropped")
                c.close()

                # A connection flood past limits.max_connections: the extra ones are refused.
                flood = []
                for _ in range(80):
                    try:
                        flood.append(socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=2))
                    except OSError:
                        break
                srv.wait_for(lambda: "connection limit reached" in srv.log_text(), timeout=5, what="limit")
                for f in flood:
                    f.close()

                # Hostile HTTP.
                for path in ("/live/..%2f..%2fetc/index.m3u8", "/%2e%2e/good/index.m3u8", "/live/good%00/index.m3u8",
                             "/live/good/..%2f..%2fpasswd.ts", "/live/" + "a" * 300 + "/index.m3u8",
                             "/api/v1/streams/..%2f/x"):
                    status, _, body = srv.wait_for(lambda: srv.http_get(path), timeout=5, what=path)
                    self.assertIn(status, (400, 404), path)
                    self.assertIn(b"error", body)
                status, _, _ = srv.http_get("/live/good/index.m3u8", headers={"X-Big": "x" * 8000})
                self.assertEqual(status, 431)
                status, _, _ = srv.http_get("/live/good/index.m3u8", method="POST")
                self.assertEqual(status, 405)
                raw = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5)
                raw.sendall(b"\x16\x03\x01 garbage that is no HTTP\r\n\r\n")
                raw.settimeout(5)
                self.assertTrue(raw.recv(100).startswith(b"HTTP/1.1 400"))
                raw.close()

                # Through all of this the stream kept going: new segments, a clean playlist.
                def last_segment():
                    tags, segments = harness.parse_playlist(srv.http_get("/live/good/index.m3u8")[2].decode())
                    return int(tags["EXT-X-MEDIA-SEQUENCE"]) + len(segments) - 1
                last_before = last_segment()
                srv.wait_for(lambda: last_segment() > last_before, timeout=10, what="new segments")
                info = srv.api("/streams/live/good")[1]
                self.assertTrue(info["live"])
                self.assertTrue(srv.alive())
                pub.stop()


if __name__ == "__main__":
    harness.main()
