"""Hostile clients from raw sockets while a real publisher and a real player carry on: what one
host can make the server hold is bounded, and publishing stays possible."""
import http.client
import os
import re
import socket
import struct
import subprocess
import threading
import time
import unittest

import harness
from harness import Server, ffprobe_json, publish
from webhook_receiver import WebhookReceiver
from rtmp_client import RtmpClient, amf_object, amf_string, chunk


def read_until_closed(client, seconds):
    """Everything the server sends until it closes the connection (None if it stays open)."""
    client.sock.settimeout(0.2)
    data = b""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            part = client.sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return data
        if not part:
            return data
        data += part
    return None


def read_until(client, marker, seconds):
    """What the server sends until `marker` appears (None if it does not within `seconds`)."""
    client.sock.settimeout(0.2)
    data = b""
    deadline = time.time() + seconds
    while time.time() < deadline and marker not in data:
        try:
            part = client.sock.recv(65536)
        except socket.timeout:
            continue
        if not part:
            break
        data += part
    return data if marker in data else None


def rtmp_answer(srv, command, name, marker):
    """A raw RTMP client that sends `command` ("publish" or "play") for `name`, and what the
    server answered up to `marker` (None if it did not within 5 s)."""
    c = RtmpClient(srv.rtmp_port)
    c.handshake()
    c.connect()
    getattr(c, command)(name)
    return c, read_until(c, marker, 5)


def flv_tags(path):
    """(type, timestamp ms, payload) of each tag of an FLV file (E.4.1)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, out = struct.unpack(">I", data[5:9])[0] + 4, []
    while pos + 11 <= len(data):
        kind, size = data[pos] & 0x1F, int.from_bytes(data[pos + 1:pos + 4], "big")
        ts = int.from_bytes(data[pos + 4:pos + 7], "big") | (data[pos + 7] << 24)
        out.append((kind, ts, data[pos + 11:pos + 11 + size]))
        pos += 11 + size + 4
    return out


def rtmp_publisher(srv, name):
    """A raw RTMP publisher past NetStream.Publish.Start, its chunk size raised to 64 KiB."""
    c = RtmpClient(srv.rtmp_port)
    c.handshake()
    c.connect()
    c.publish(name)
    if read_until(c, b"NetStream.Publish.Start", 5) is None:
        raise AssertionError("publish not started")
    c.sock.sendall(chunk(2, 1, struct.pack(">I", 65536)))
    return c


def send_tag(c, kind, ts, payload):
    c.sock.sendall(chunk(4 if kind == 9 else 5, kind, payload, timestamp=ts, stream_id=1,
                         chunk_size=65536))


class Hostile(unittest.TestCase):
    def test_players_of_unpublished_names_cannot_squat_streams(self):
        """Players of names nobody publishes wait apart from the publishers' room
        (stream.max_waiting), are turned away past it, and are told StreamNotFound after
        stream.play_wait_timeout; a real publisher gets in throughout and a real player plays."""
        clip = harness.make_clip(seconds=20)
        squatters, waiting_room = 40, 25
        with Server("squat", config_extra=f"stream:\n  max_streams: 3\n  max_waiting: {waiting_room}\n"
                                          "  play_wait_timeout: 3s\n") as srv:
            waiting, refused, started = [], [], time.time()
            for i in range(squatters):
                c = RtmpClient(srv.rtmp_port)
                c.handshake()
                c.connect()
                c.play(f"ghost{i}")
                answer = read_until(c, b"NetStream.Play.", 5)
                self.assertIsNotNone(answer, f"no answer to play {i}")
                (refused if b"NetStream.Play.StreamNotFound" in answer else waiting).append(c)
            # Past the waiting room, players are refused at once, and closed.
            self.assertEqual((len(waiting), len(refused)), (waiting_room, squatters - waiting_room))
            for c in refused:
                self.assertIsNotNone(read_until_closed(c, 5), "a refused player should be closed")
            self.assertIn("stream.max_waiting = 25", srv.log_text())
            self.assertEqual(srv.api("/server")[1]["streams"], waiting_room)

            # With the waiting room full, a real publisher gets in and a real player plays it.
            with publish(srv, "live/real", clip, os.path.join(srv.dir, "publish.log"), timeout=60) as pub:
                srv.wait_for(lambda: srv.api("/streams/live/real")[1].get("live"), timeout=10, what="live")
                probe = ffprobe_json(srv.rtmp_url("live/real"), "-show_streams", "-read_intervals", "%+1",
                                     timeout=30)
                self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])

                # The waiting players are told nobody published their names, after the timeout.
                for c in waiting:
                    data = read_until_closed(c, 10)
                    self.assertIsNotNone(data, "a waiting player should be closed after play_wait_timeout")
                    self.assertIn(b"NetStream.Play.StreamNotFound", data)
                self.assertGreaterEqual(time.time() - started, 3.0)
                # Their streams go with them; the published one stays.
                srv.wait_for(lambda: srv.api("/server")[1]["streams"] == 1, timeout=10,
                             what="the waiting streams removed")
                self.assertTrue(srv.api("/streams/live/real")[1]["live"])
                self.assertIsNone(pub.proc.poll(), "the publisher keeps going")
            for c in waiting + refused:
                c.close()

    def test_command_phase_messages_are_small(self):
        """Before publish or play, a peer cannot make the server hold a large message: a 1 MiB
        declared length is refused at once, while a publisher's keyframes (after its publish
        command) still fit rtmp.max_message_size."""
        clip = harness.make_clip(name="big-keyframes.mp4", seconds=6, size="1920x1080",
                                 extra=["-b:v", "20000k"])
        probe = ffprobe_json(clip, "-select_streams", "v", "-show_packets", "-show_entries", "packet=size")
        self.assertGreater(max(int(p["size"]) for p in probe["packets"]), 64 << 10,
                           "the clip needs keyframes over the command-phase limit")
        with Server("cmdsize") as srv:
            c = RtmpClient(srv.rtmp_port)
            c.handshake()
            # A type-0 header declaring an AMF0 command of 1 MiB, and only its first chunk.
            header = bytes([3]) + (0).to_bytes(3, "big") + (1 << 20).to_bytes(3, "big") + bytes([20])
            c.sock.sendall(header + struct.pack("<I", 0) + bytes(128))
            self.assertIsNotNone(read_until_closed(c, 5), "the server should close the connection")
            srv.wait_for(lambda: "bytes over limit 65536" in srv.log_text(), timeout=5,
                         what="the refusal logged")
            c.close()
            # A real encoder still publishes its keyframes of over 64 KiB.
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log"), timeout=30) as pub:
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                self.assertEqual(pub.wait(timeout=30), 0, pub.output()[-1000:])

    def test_a_web_page_cannot_drive_the_api(self):
        """No CORS on /api and /metrics, and what a browser marks as another origin's request is
        refused before it runs: a page cannot reload the configuration or kick clients through a
        request it cannot read (the API answers loopback clients without a token)."""
        with Server("crosssite") as srv:
            origin = f"127.0.0.1:{srv.http_port}"
            attempts = [
                ("POST", "/api/v1/reload", {"Origin": "http://evil.example"}),
                ("POST", "/api/v1/reload", {"Origin": "null"}),
                ("POST", "/api/v1/reload", {"Origin": "http://127.0.0.1:3000"}),  # same site, other port
                ("POST", "/api/v1/reload", {"Sec-Fetch-Site": "cross-site"}),
                ("DELETE", "/api/v1/streams/live/x", {"Sec-Fetch-Site": "same-site"}),
                # A page must not make the server connect to an address of its choosing.
                ("POST", "/api/v1/pulls", {"Origin": "http://evil.example"}),
                ("GET", "/api/v1/streams", {"Origin": "http://evil.example"}),
                ("GET", "/metrics", {"Sec-Fetch-Site": "cross-site"}),
            ]
            for method, path, headers in attempts:
                status, answer, body = srv.http_get(path, method=method, headers=headers)
                self.assertEqual(status, 403, (method, path, headers))
                self.assertIn(b"cross-site requests to the API are refused", body)
                self.assertNotIn("Access-Control-Allow-Origin", answer)
            self.assertEqual(srv.api("/server")[1]["reloads"], 0, "no refused call was carried out")
            self.assertEqual(srv.api("/pulls")[1]["pulls"], [])
            # The same origin, a typed URL and tools without an Origin are served.
            self.assertEqual(srv.http_get("/api/v1/reload", method="POST",
                                          headers={"Origin": f"http://{origin}"})[0], 200)
            self.assertEqual(srv.http_get("/api/v1/streams", headers={"Sec-Fetch-Site": "none"})[0], 200)
            status, answer, _ = srv.http_get("/api/v1/streams")
            self.assertEqual(status, 200)
            self.assertNotIn("Access-Control-Allow-Origin", answer)
            # Media stays readable from any page.
            self.assertEqual(srv.http_get("/healthz")[1].get("Access-Control-Allow-Origin"), "*")

    def test_a_refused_second_publisher_learns_nothing_of_the_first(self):
        """A second publisher of a live name is refused with the reason but not the first
        publisher's address (the log keeps it for the operator)."""
        clip = harness.make_clip(seconds=10)
        with Server("second") as srv:
            with publish(srv, "live/held", clip, os.path.join(srv.dir, "publish.log"), timeout=30):
                info = srv.wait_for(lambda: (lambda i: i.get("live") and i)(srv.api("/streams/live/held")[1]),
                                    timeout=10, what="live")
                first = info["publisher"]["address"]
                c, answer = rtmp_answer(srv, "publish", "held", b"NetStream.Publish.")
                self.assertIsNotNone(answer)
                self.assertIn(b"NetStream.Publish.BadName", answer)
                self.assertIn(b"already being published", answer)
                host, port = first.rsplit(":", 1)
                self.assertNotIn(port.encode(), answer.split(b"NetStream.Publish.BadName", 1)[1])
                c.close()
                srv.wait_for(lambda: f"publisher=rtmp {first}" in srv.log_text(), timeout=5,
                             what="the holder named in the log")

    def test_one_address_cannot_hold_every_connection(self):
        """limits.max_connections_per_ip: a host (127.0.0.2 here) that opens more connections
        than its share is refused past it, on RTMP and HTTP alike, while other hosts (ffmpeg and
        ffprobe on 127.0.0.1) publish and play."""
        clip = harness.make_clip(seconds=10)
        per_ip = 6
        with Server("perip", config_extra=f"limits:\n  max_connections_per_ip: {per_ip}\n") as srv:
            held = []
            for i in range(per_ip):
                port = srv.rtmp_port if i % 2 else srv.http_port
                s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0))
                held.append(s)
            srv.wait_for(lambda: srv.api("/server")[1]["connections"] >= per_ip, timeout=5,
                         what="the held connections counted")
            for port in (srv.rtmp_port, srv.http_port):
                s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0))
                s.settimeout(5)
                try:
                    self.assertEqual(s.recv(1), b"", "a connection past the share should be closed")
                except ConnectionResetError:
                    pass
                s.close()
            srv.wait_for(lambda: "connection limit reached (limits.max_connections_per_ip)" in srv.log_text(),
                         timeout=5, what="the refusal logged")
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log"), timeout=30):
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                probe = ffprobe_json(srv.rtmp_url("live/cam"), "-show_streams", "-read_intervals", "%+1",
                                     timeout=30)
                self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])
            # A connection given back makes room for that host again.
            held.pop().close()
            def accepted():
                s = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5,
                                             source_address=("127.0.0.2", 0))
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    s.settimeout(5)
                    return s.recv(12).startswith(b"HTTP/1.1 200")
                except OSError:
                    return False
                finally:
                    s.close()
            srv.wait_for(accepted, timeout=5, what="room again after a connection closed")
            for s in held:
                s.close()

    def test_viewers_cannot_lock_out_publishers(self):
        """limits.reserved_for_publishers: viewers (HTTP connections, RTMP players) fill their
        share and are refused past it, while publishers still get the kept slots and a real
        player plays again once viewers leave."""
        clip = harness.make_clip(seconds=20)
        total, reserved = 24, 8
        with Server("share", config_extra=f"limits:\n  max_connections: {total}\n"
                                          f"  reserved_for_publishers: {reserved}\n") as srv:
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log"), timeout=60) as pub:
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                # Idle HTTP connections from several hosts, until one is turned away at once.
                held, turned_away = [], False
                for i in range(total):
                    s = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5,
                                                 source_address=(f"127.0.0.{3 + i % 4}", 0))
                    s.settimeout(0.3)
                    try:
                        gone = s.recv(1) == b""
                    except socket.timeout:
                        gone = False
                    except ConnectionResetError:
                        gone = True
                    if gone:
                        s.close()
                        turned_away = True
                        break
                    held.append(s)
                self.assertTrue(turned_away, "viewers past their share should be turned away")
                # The share is total - reserved; the scrapes above may still hold one or two.
                self.assertIn(len(held), range(total - reserved - 2, total - reserved + 1))
                # An RTMP play is refused with a status the player can show.
                c, answer = rtmp_answer(srv, "play", "cam", b"NetStream.Play.")
                self.assertIsNotNone(answer)
                self.assertIn(b"NetStream.Play.Failed", answer)
                self.assertIsNotNone(read_until_closed(c, 5), "the refused player should be closed")
                c.close()
                self.assertIn("viewers' share full (limits.reserved_for_publishers)", srv.log_text())
                # A second publisher still gets in.
                with publish(srv, "live/second", clip, os.path.join(srv.dir, "publish2.log"),
                             timeout=60) as pub2:
                    # (Logs shorten a stream name that may be a key.)
                    srv.wait_for(lambda: srv.log_text().count("rtmp publish start stream=live/") == 2,
                                 timeout=10, what="the second publish with the viewers' share full")
                    self.assertIsNone(pub2.proc.poll())
                    # Viewers leaving make room: a real player plays.
                    for h in held[:2]:
                        h.close()
                    del held[:2]
                    srv.wait_for(lambda: srv.api("/streams/live/second")[1].get("live"), timeout=10,
                                 what="the API answers again")
                    probe = ffprobe_json(srv.rtmp_url("live/second"), "-show_streams", "-read_intervals",
                                         "%+1", timeout=30)
                    self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])
                self.assertIsNone(pub.proc.poll(), "the first publisher keeps going")
                for h in held:
                    h.close()

    def test_a_trickled_header_is_cut_off(self):
        """http.header_timeout: a client that sends its header a line at a time (slowloris) is
        closed that long after its first byte, whatever it keeps sending; an idle kept-alive
        connection is held to http.idle_timeout instead, and whole requests are served."""
        with Server("slowloris", config_extra="http:\n  header_timeout: 1s\n  idle_timeout: 20s\n") as srv:
            idle = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5)
            slow = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5,
                                            source_address=("127.0.0.3", 0))
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started, closed_after = time.time(), None
            slow.settimeout(0.25)
            while time.time() - started < 8:
                try:
                    slow.sendall(b"X-Trickle: a\r\n")
                    if slow.recv(1) == b"":
                        closed_after = time.time() - started
                        break
                except socket.timeout:
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    closed_after = time.time() - started
                    break
            slow.close()
            self.assertIsNotNone(closed_after, "a trickled header should be cut off")
            self.assertGreaterEqual(closed_after, 0.9)
            self.assertLess(closed_after, 4)
            # The idle connection outlived the header timeout and still gets an answer.
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.settimeout(5)
            self.assertTrue(idle.recv(12).startswith(b"HTTP/1.1 200"))
            idle.close()

    def test_a_refusal_flood_does_not_flood_the_log(self):
        """Refusals are counted one by one but logged within a budget: a host that opens
        hundreds of connections past its share leaves a few lines, the next of which says how
        many were held back."""
        with Server("refusalflood", config_extra="limits:\n  max_connections_per_ip: 1\n") as srv:
            keep = socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=5,
                                            source_address=("127.0.0.3", 0))
            srv.wait_for(lambda: srv.api("/server")[1]["connections"] >= 1, timeout=5, what="held")
            flood = 300
            for _ in range(flood):
                s = socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=5,
                                             source_address=("127.0.0.3", 0))
                s.close()
            def refused():
                text = srv.http_get("/metrics")[2].decode()
                return int(float(re.search(r"^firstmile_connections_refused_total (\S+)$", text, re.M)[1]))
            srv.wait_for(lambda: refused() >= flood, timeout=10, what="every refusal counted")
            lines = srv.log_text().count("rtmp refused peer=127.0.0.3")
            self.assertGreater(lines, 0)
            self.assertLess(lines, 100, "the refusal lines should be bounded")
            # A while later, the next refusal is logged with what was held back.
            time.sleep(1.1)
            s = socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=5,
                                         source_address=("127.0.0.3", 0))
            s.close()
            srv.wait_for(lambda: refused() >= flood + 1, timeout=5, what="the last refusal counted")
            logged = [l for l in srv.log_text().splitlines() if "rtmp refused peer=127.0.0.3" in l]
            self.assertEqual(len(logged), lines + 1, "the refusal after the pause is logged")
            self.assertNotIn("suppressed=0", logged[-1], "it says how many lines were held back")
            # Every refusal is either a line or counted in a later line's suppressed=N.
            held_back = sum(int(l.split("suppressed=")[1].split()[0]) for l in logged)
            self.assertEqual(len(logged) + held_back, flood + 1)
            keep.close()

    def test_a_publisher_whose_clock_stalls_grows_nothing(self):
        """A publisher whose timestamps stop advancing: its frames are dropped and counted
        (timestamp_errors, a log line), no segment grows, and when time moves again the stream
        goes on; a real publisher and player elsewhere are untouched."""
        clip = harness.make_clip(seconds=12)
        with Server("stall", hls_segment=1) as srv:
            flv = os.path.join(srv.dir, "clip.flv")
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", clip, "-c", "copy", "-f", "flv",
                            flv], check=True, timeout=60)
            tags = [t for t in flv_tags(flv) if t[0] in (8, 9)]
            with publish(srv, "live/real", clip, os.path.join(srv.dir, "publish.log"), timeout=60) as pub:
                c = rtmp_publisher(srv, "stalled")
                # Two seconds as sent, then the clock stops: everything at the same time.
                moving = [t for t in tags if t[1] < 2000]
                for kind, ts, payload in moving:
                    send_tag(c, kind, ts, payload)
                stalled_at = moving[-1][1]
                rest = tags[len(moving):]
                for kind, ts, payload in rest[:300]:
                    send_tag(c, kind, stalled_at, payload)
                def errors():
                    info = srv.api("/streams/live/stalled")[1]
                    return sum(t.get("timestamp_errors", 0) for t in info.get("tracks", []))
                n = srv.wait_for(lambda: errors() >= 250, timeout=10, what="the stalled frames counted")
                self.assertLessEqual(n, 300)
                self.assertIn("stream timestamp not advancing, frame dropped stream=live/", srv.log_text())
                # Nothing of the stalled part reached the playlist.
                playlist = srv.http_get("/live/stalled/index.m3u8")[2].decode()
                self.assertNotIn("#EXTINF:0.0", playlist)
                # Time moves again: the stream goes on.
                for kind, ts, payload in rest[300:]:
                    send_tag(c, kind, ts, payload)
                srv.wait_for(lambda: srv.http_get("/live/stalled/index.m3u8")[2].count(b"#EXTINF") >= 3,
                             timeout=15, what="segments again once time moves")
                c.close()
                # The other stream carried on.
                probe = ffprobe_json(srv.rtmp_url("live/real"), "-show_streams", "-read_intervals", "%+1",
                                     timeout=30)
                self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])
                self.assertIsNone(pub.proc.poll())

    def test_viewers_that_never_read_cost_bounded_memory(self):
        """150 viewers (RTMP players and HTTP-FLV clients from raw sockets with small receive
        buffers) that never read a byte of a 4 Mb/s stream: the server's memory grows by less
        than one viewer's fanout.max_queue_bytes each would allow, they are disconnected once
        they have skipped fanout.max_skips times, and a real player plays throughout."""
        clip = harness.make_clip(name="4mbps.mp4", seconds=40, size="1280x720", extra=["-b:v", "4000k"])
        stalled_rtmp, stalled_flv = 75, 75
        with Server("stalled", config_extra="fanout:\n  max_lag: 2s\n") as srv:
            with publish(srv, "live/cam", clip, os.path.join(srv.dir, "publish.log"), timeout=90) as pub:
                srv.wait_for(lambda: srv.api("/streams/live/cam")[1].get("live"), timeout=10, what="live")
                base = harness.rss_kb(srv.proc.pid)
                held = []
                for i in range(stalled_rtmp + stalled_flv):
                    s = socket.socket()
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.settimeout(5)
                    if i < stalled_rtmp:
                        s.connect(("127.0.0.1", srv.rtmp_port))
                        c = RtmpClient.__new__(RtmpClient)
                        c.sock = s
                        c.handshake()
                        c.connect()
                        c.play("cam")
                    else:
                        s.connect(("127.0.0.1", srv.http_port))
                        s.sendall(b"GET /live/cam.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                    held.append(s)
                srv.wait_for(lambda: sum(srv.api("/streams/live/cam")[1]["viewers"].values())
                             >= stalled_rtmp + stalled_flv, timeout=10, what="every stalled viewer attached")
                peak = [base]

                def all_dropped():
                    peak[0] = max(peak[0], harness.rss_kb(srv.proc.pid))
                    return sum(srv.api("/streams/live/cam")[1]["viewers"].values()) == 0

                srv.wait_for(all_dropped, timeout=40, interval=0.5, what="the stalled viewers disconnected")
                grown_mb = (peak[0] - base) / 1024
                # Unshared, their queues alone could reach 150 x 8 MiB; the frames are shared. (Under
                # AddressSanitizer the quarantine of freed blocks alone can pass the bound.)
                if not harness.sanitized():
                    self.assertLess(grown_mb, 64, f"RSS grew {grown_mb:.0f} MiB over {base // 1024} MiB")
                slow = len(re.findall(r'viewer dropped stream=.*reason="slow viewer: fell behind', srv.log_text()))
                self.assertEqual(slow, stalled_rtmp + stalled_flv, "each stalled viewer dropped as slow")
                probe = ffprobe_json(srv.rtmp_url("live/cam"), "-show_streams", "-read_intervals", "%+1",
                                     timeout=30)
                self.assertEqual(sorted(s["codec_type"] for s in probe["streams"]), ["audio", "video"])
                self.assertIsNone(pub.proc.poll(), "the publisher keeps going")
                for s in held:
                    s.close()
                print(f"stalled viewers: RSS {base // 1024} MiB, peak +{grown_mb:.1f} MiB", flush=True)

    def test_peer_text_cannot_forge_log_lines(self):
        """A value a peer sends (an encoder name in onMetaData) is written with its control
        characters escaped: it cannot start a line of its own."""
        with Server("forge") as srv:
            c = rtmp_publisher(srv, "forge")
            forged = "x\n2026-12-07T00:00:00.000 info  rtmp publish start stream=live/forged\x1b[2J"
            meta = amf_string("@setDataFrame") + amf_string("onMetaData") + amf_object({"encoder": forged})
            c.sock.sendall(chunk(5, 18, meta, stream_id=1, chunk_size=65536))
            line = srv.wait_for(lambda: [l for l in srv.log_text().splitlines() if "rtmp metadata" in l],
                                timeout=5, what="the metadata logged")[0]
            self.assertIn("encoder=\"x\\x0a2026-12-07T00:00:00.000 info  rtmp publish start "
                          "stream=live/forged\\x1b[2J\"", line)
            self.assertFalse(any(l.startswith("2026-12-07T00:00:00.000") for l in srv.log_text().splitlines()))
            self.assertNotIn("\x1b", srv.log_text())
            c.close()

    def test_players_cannot_flood_the_decision_webhook(self):
        """on_play decisions: at most webhooks.max_decisions_in_flight wait for the backend and
        one address starts at most webhooks.decisions_per_ip a second (refused at once past
        them, 503 / 429), and the LL-HLS directives that change with every blocking playlist
        request do not make new decisions."""
        with WebhookReceiver() as hooks:
            hooks.respond("/play", hang=True)
            config = (f"auth:\n  play: webhook\nwebhooks:\n  on_play: [\"{hooks.url('/play')}\"]\n"
                      "  timeout: 3s\n  max_decisions_in_flight: 4\n  decisions_per_ip: 3\n")
            with Server("decisions", config_extra=config) as srv:
                def get(source, query, results):
                    c = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10,
                                                   source_address=(source, 0))
                    try:
                        c.request("GET", f"/live/cam/index.m3u8?{query}")
                        results.append(c.getresponse().status)
                    finally:
                        c.close()
                # Four hosts fill the decisions in flight (the backend does not answer)...
                waiting, threads = [], []
                for i in range(4):
                    t = threading.Thread(target=get, args=(f"127.0.0.{10 + i}", f"token={i}", waiting))
                    t.start()
                    threads.append(t)
                hooks.wait_count("on_play", 4, timeout=5)
                # ...and a fifth is refused at once, without a request.
                busy = []
                started = time.time()
                get("127.0.0.14", "token=x", busy)
                self.assertEqual(busy, [503])
                self.assertLess(time.time() - started, 1.5)
                self.assertEqual(len(hooks.requests(event="on_play")), 4)
                for t in threads:
                    t.join(timeout=10)
                self.assertEqual(len(waiting), 4)  # refused after webhooks.timeout

                # One address asking again and again: its burst (twice the rate) goes to the
                # backend, the rest is refused at once.
                hooks.respond("/play", status=403)
                hooks.clear()
                answers = []
                for i in range(12):
                    get("127.0.0.20", f"token=t{i}", answers)
                asked = len(hooks.requests(event="on_play"))
                self.assertIn(asked, (6, 7), answers)
                self.assertEqual(answers.count(429), 12 - asked, answers)
                self.assertEqual(answers.count(403), asked, answers)

                # Blocking playlist requests of one viewer: one decision, on the query without
                # the _HLS_ directives.
                hooks.respond("/play", status=200)
                hooks.clear()
                for msn in range(6):
                    get("127.0.0.30", f"token=ll&_HLS_msn={msn}&_HLS_part=0", [])
                reqs = hooks.requests(event="on_play")
                self.assertEqual(len(reqs), 1, reqs)
                self.assertEqual(reqs[0].json["query"], "token=ll")
                metrics = srv.http_get("/metrics")[2].decode()
                self.assertIn('firstmile_auth_refusals_total{kind="play",reason="busy"} 1', metrics)
                self.assertIn('firstmile_auth_refusals_total{kind="play",reason="rate"}', metrics)

    def test_lifecycle_notifications_survive_a_restart(self):
        """webhooks.journal: an on_unpublish the backend has not taken yet (it answers 503) is
        sent again, with the same delivery id, by the next start of the server; segment events
        never take the lifecycle events' room in the queue."""
        clip = harness.make_clip(seconds=4)
        with WebhookReceiver() as hooks:
            hooks.respond("/unpublish", status=503)
            hooks.respond("/segment", hang=True)
            journal = os.path.join(harness.ARGS.work_dir, "webhooks.journal")
            if os.path.exists(journal):
                os.remove(journal)
            config = (f"webhooks:\n  on_unpublish: [\"{hooks.url('/unpublish')}\"]\n"
                      f"  on_hls_segment: [\"{hooks.url('/segment')}\"]\n"
                      f"  journal: \"{journal}\"\n  queue_size: 2\n  timeout: 20s\n"
                      "  retry_backoff: 200ms\n  max_retries: 100\n")
            with Server("journal1", config_extra=config, hls_segment=1) as srv:
                with publish(srv, "live/j", clip, os.path.join(srv.dir, "publish.log"), timeout=30) as pub:
                    self.assertEqual(pub.wait(timeout=30), 0)
                # Segment events filled their queue (the receiver hangs), the unpublish got in.
                first = hooks.wait_for("on_unpublish", timeout=10)
                self.assertIn("webhook queue full", srv.log_text())
                hooks.wait_count("on_unpublish", 2, timeout=10)  # retried, still refused
                self.assertEqual(srv.stop(), 0)
            with open(journal) as f:
                self.assertIn(first.headers["X-Firstmile-Delivery"], f.read())
            hooks.clear()
            hooks.respond("/unpublish", status=200)
            with Server("journal2", config_extra=config) as srv:
                again = hooks.wait_for(lambda r: r.event == "on_unpublish" and r.status == 200, timeout=10)
                self.assertEqual(again.headers["X-Firstmile-Delivery"], first.headers["X-Firstmile-Delivery"])
                self.assertEqual(again.json["stream"], first.json["stream"])
                srv.wait_for(lambda: "webhook journal resending notifications=1" in srv.log_text(), timeout=5,
                             what="the resend logged")
            # Delivered, and journaled as such: a third start would have nothing to send.
            with open(journal) as f:
                lines = [l.split("\t") for l in f.read().splitlines()]
            added = {(l[1], l[3]) for l in lines if l[0] == "A"}
            ended = {(l[1], l[2]) for l in lines if l[0] == "D"}
            self.assertTrue(added)
            self.assertEqual(added - ended, set())


if __name__ == "__main__":
    harness.main()
