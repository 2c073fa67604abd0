#!/usr/bin/env python3
"""A small webhook backend for firstmile (Python 3.11 standard library only).

It keeps a table of secret stream keys -> public channel names, answers firstmile's
on_publish webhook (allow and rename, or refuse), verifies X-Firstmile-Signature, logs every
event, keeps a live status of the channels (GET /channels) and signs playback URLs (GET /sign).

    python3 examples/backend/backend.py --listen 127.0.0.1:9000 --secret S \
        --keys examples/backend/keys.json

See examples/backend/README.md and docs/api.md ("Webhooks") for the contract.
"""
import argparse
import hashlib
import hmac
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024          # larger webhook bodies get 413
MAX_SKEW = 300                # seconds; X-Firstmile-Timestamp further off is rejected
MAX_TTL = 7 * 24 * 3600       # longest playback URL lifetime /sign hands out
EVENTS = ("on_publish", "on_unpublish", "on_play", "on_stop", "on_hls_segment")
# firstmile's rule for a stream name: [A-Za-z0-9._~-] and '/', no "..", at most 256 bytes.
NAME_RE = re.compile(r"[A-Za-z0-9._~/-]{1,256}")

log = logging.getLogger("backend")


def valid_name(name):
    return isinstance(name, str) and NAME_RE.fullmatch(name) is not None and ".." not in name


def is_uint(text):
    # str.isdigit() alone accepts "²", which int() refuses.
    return isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 18


def masked(key):
    """A stream key as it may appear in logs: the first 4 characters and the length."""
    key = str(key)
    return f"{key[:min(4, len(key) // 2)]}…({len(key)})"


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_keys(path):
    """keys.json: {"keys": {KEY: {"app": APP, "channel": NAME, "enabled": BOOL}}}."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), dict):
        raise ValueError('expected an object {"keys": {...}}')
    keys = {}
    for key, entry in doc["keys"].items():
        # The key is never printed in full, not even in a configuration error.
        where = f"key {masked(key)}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object")
        app, channel = entry.get("app"), entry.get("channel")
        if not valid_name(app) or "/" in app:
            raise ValueError(f"{where}: invalid app {app!r}")
        if not valid_name(channel):
            raise ValueError(f"{where}: invalid channel {channel!r}")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError(f"{where}: enabled must be true or false")
        keys[key] = {"app": app, "channel": channel, "enabled": enabled}
    return keys


def verify_signature(secret, timestamp, signature, body, now=None):
    """Returns None when the request is authentic, else the reason. The HMAC covers the
    timestamp, so a captured request cannot be replayed after MAX_SKEW seconds."""
    if not timestamp or not signature:
        return "missing signature headers"
    if not is_uint(timestamp):
        return "bad timestamp"
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > MAX_SKEW:
        return "timestamp too far from now"
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    expected = b"sha256=" + mac.hexdigest().encode()
    # Headers arrive decoded as ISO-8859-1, so this round trip is lossless.
    if not hmac.compare_digest(expected, signature.encode("latin-1")):
        return "bad signature"
    return None


def sign_play(play_secret, app, stream, expires):
    """The query of a signed playback URL (auth.play: token)."""
    message = f"{app}/{stream}:{expires}".encode()
    token = hmac.new(play_secret.encode(), message, hashlib.sha256).hexdigest()
    return f"expires={expires}&token={token}"


class Backend:
    """The state shared by all request threads; every method takes the lock."""

    def __init__(self, keys_path, secret, play_secret):
        self.keys_path = keys_path
        self.secret = secret
        self.play_secret = play_secret
        self.lock = threading.Lock()
        self.keys = {}
        self.keys_mtime = None
        self.bad_mtime = None
        self.channels = {}  # "app/channel" -> status
        self.reload_keys()

    def reload_keys(self):
        """Re-reads keys.json when it changed; a broken edit keeps the previous table."""
        try:
            mtime = os.stat(self.keys_path).st_mtime_ns
        except OSError as e:
            if self.keys_mtime is None:
                raise
            log.warning("keys file unreadable, keeping the old table: %s", e)
            return
        if mtime in (self.keys_mtime, self.bad_mtime):
            return
        try:
            keys = load_keys(self.keys_path)
        except (OSError, ValueError) as e:
            if self.keys_mtime is None:
                raise
            self.bad_mtime = mtime  # warn once per broken version
            log.warning("keys file invalid, keeping the old table: %s", e)
            return
        self.keys, self.keys_mtime = keys, mtime
        # Only channels named in keys.json are tracked, so on_play for made-up names cannot
        # grow the table.
        wanted = {f"{k['app']}/{k['channel']}": k for k in keys.values()}
        for path, k in wanted.items():
            self.channels.setdefault(path, {
                "app": k["app"], "channel": k["channel"], "live": False, "since": None,
                "publisher": None, "viewers": {}, "last_segment": None, "last_end": None})
        for path in list(self.channels):
            if path not in wanted and not self.channels[path]["live"]:
                del self.channels[path]
        log.info("loaded %d stream keys from %s", len(keys), self.keys_path)

    def on_publish(self, ev):
        with self.lock:
            self.reload_keys()
            # `key` is what the encoder published to; `stream` may differ only when firstmile
            # renamed it with a static key first.
            key = ev.get("key") or ev.get("stream")
            entry = self.keys.get(key) if isinstance(key, str) else None
            if entry is None:
                return 403, {"reason": "unknown stream key"}
            if not entry["enabled"]:
                return 403, {"reason": "stream key disabled"}
            if ev.get("app") != entry["app"]:
                return 403, {"reason": "stream key not valid for this app"}
            ch = self.channels[f"{entry['app']}/{entry['channel']}"]
            # firstmile has no "publish started" event: an allow is the best signal we get.
            # (If another on_publish URL refuses after us, on_unpublish never comes.)
            ch.update(live=True, since=time.time(), publisher={
                "protocol": ev.get("protocol"), "client": client_of(ev), "key": masked(key)})
            return 200, {"stream": entry["channel"]}

    def notify(self, event, ev):
        with self.lock:
            ch = self.channels.get(f"{ev.get('app')}/{ev.get('stream')}")
            if ch is None:
                return
            if event == "on_unpublish":
                ch.update(live=False, since=None, publisher=None, last_end={
                    "time": time.time(), "reason": ev.get("reason"),
                    "duration": ev.get("duration"), "bytes_in": ev.get("bytes_in")})
            elif event in ("on_play", "on_stop"):
                proto = str(ev.get("protocol", "unknown"))
                n = ch["viewers"].get(proto, 0) + (1 if event == "on_play" else -1)
                ch["viewers"][proto] = max(n, 0)
            elif event == "on_hls_segment":
                ch["last_segment"] = {"sequence": ev.get("sequence"),
                                      "duration": ev.get("duration"), "time": time.time()}

    def status(self):
        now = time.time()
        out = []
        with self.lock:
            for path in sorted(self.channels):
                ch = self.channels[path]
                item = {"app": ch["app"], "channel": ch["channel"], "live": ch["live"],
                        "since": iso(ch["since"]) if ch["since"] else None,
                        "uptime": int(now - ch["since"]) if ch["since"] else 0,
                        "publisher": ch["publisher"], "viewers": dict(ch["viewers"]),
                        "viewer_count": sum(ch["viewers"].values())}
                if ch["last_segment"]:
                    seg = dict(ch["last_segment"])
                    seg["time"] = iso(seg["time"])
                    item["last_segment"] = seg
                if ch["last_end"]:
                    end = dict(ch["last_end"])
                    end["time"] = iso(end["time"])
                    item["last_end"] = end
                out.append(item)
        return {"channels": out}


def client_of(ev):
    ip, port = ev.get("client_ip"), ev.get("client_port")
    if ip is None:
        return "-"
    return f"[{ip}]:{port}" if ":" in str(ip) else f"{ip}:{port}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries Content-Length
    server_version = "firstmile-example-backend"
    timeout = 30                   # a silent connection does not hold a thread forever
    backend = None                 # set by main()

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    def send_error(self, code, message=None, explain=None):
        # http.server's own errors (malformed request line, oversized headers) as JSON too.
        self.close_connection = True
        self.send_json(code, {"reason": message or self.responses.get(code, ("error",))[0]})

    def send_json(self, status, obj=None):
        body = b"" if obj is None else (json.dumps(obj) + "\n").encode()
        self.send_response(status)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        """The raw body, or None after answering 411/413."""
        why = self.body_problem()
        if why:
            log.warning("path=%s rejected=%r client=%s", self.path, why[1], self.client_address[0])
            # The unread body would be taken for the next request: close instead.
            self.close_connection = True
            self.send_json(why[0], {"reason": why[1]})
            return None
        return self.rfile.read(int(self.headers["Content-Length"]))

    def body_problem(self):
        if "Transfer-Encoding" in self.headers:
            return 411, "chunked bodies not supported; send Content-Length"
        length = self.headers.get("Content-Length", "")
        if not is_uint(length):
            return 411, "Content-Length required"
        if int(length) > MAX_BODY:
            return 413, f"body over {MAX_BODY} bytes"
        return None

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        event = path[len("/hooks/"):] if path.startswith("/hooks/") else None
        if event not in EVENTS:
            self.close_connection = True
            return self.send_json(404, {"reason": "no such hook"})
        body = self.read_body()
        if body is None:
            return
        b = self.backend
        if b.secret:
            why = verify_signature(b.secret, self.headers.get("X-Firstmile-Timestamp"),
                                   self.headers.get("X-Firstmile-Signature"), body)
            if why:
                log.warning("event=%s rejected=%r client=%s", event, why, self.client_address[0])
                return self.send_json(401, {"reason": why})
        try:
            ev = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            ev = None
        if not isinstance(ev, dict):
            log.warning("event=%s rejected='bad JSON' client=%s", event, self.client_address[0])
            return self.send_json(400, {"reason": "body is not a JSON object"})

        if event == "on_publish":
            status, answer = b.on_publish(ev)
            key = ev.get("key") or ev.get("stream") or ""
            # On on_publish, `stream` is usually the secret key itself: mask both.
            stream = ev.get("stream", "")
            shown = masked(stream) if stream == key else stream
            result = f"allow stream={answer['stream']}" if status == 200 else \
                f"refuse reason={answer['reason']!r}"
            log.info("event=on_publish app=%s key=%s stream=%s client=%s %s", ev.get("app"),
                     masked(key), shown, client_of(ev), result)
            return self.send_json(status, answer)

        b.notify(event, ev)
        extra = ""
        if event in ("on_unpublish", "on_stop"):
            extra = f" duration={ev.get('duration')} reason={ev.get('reason')!r}"
        elif event == "on_play":
            extra = f" protocol={ev.get('protocol')}"
        elif event == "on_hls_segment":
            extra = f" sequence={ev.get('sequence')} duration={ev.get('duration')}"
        log.info("event=%s app=%s stream=%s client=%s%s", event, ev.get("app"), ev.get("stream"),
                 client_of(ev), extra)
        self.send_json(204)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/channels":
            return self.send_json(200, self.backend.status())
        if url.path == "/sign":
            return self.sign(urllib.parse.parse_qs(url.query))
        self.send_json(404, {"reason": "not found"})

    def sign(self, q):
        # A real site would check here that the viewer may watch; this demo signs for anyone
        # who can reach it, so keep it on loopback.
        if not self.backend.play_secret:
            return self.send_json(404, {"reason": "signing disabled (no --play-secret)"})
        app = q.get("app", [""])[0]
        stream = q.get("stream", [""])[0]
        ttl = q.get("ttl", ["3600"])[0]
        if not valid_name(app) or "/" in app or not valid_name(stream):
            return self.send_json(400, {"reason": "invalid app or stream"})
        if not is_uint(ttl) or not 0 < int(ttl) <= MAX_TTL:
            return self.send_json(400, {"reason": f"ttl must be 1..{MAX_TTL} seconds"})
        expires = int(time.time()) + int(ttl)
        self.send_json(200, {"query": sign_play(self.backend.play_secret, app, stream, expires)})


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", default="127.0.0.1:9000", help="HOST:PORT (default %(default)s)")
    p.add_argument("--keys", default=os.path.join(here, "keys.json"),
                   help="stream keys file (re-read when it changes)")
    p.add_argument("--secret", default=os.environ.get("FIRSTMILE_WEBHOOK_SECRET", ""),
                   help="webhooks.secret of firstmile; requests must be signed with it")
    p.add_argument("--play-secret", default=os.environ.get("FIRSTMILE_PLAY_SECRET", ""),
                   help="auth.play_secret of firstmile; enables GET /sign")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    args = p.parse_args()
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")

    host, sep, port = args.listen.rpartition(":")
    if not sep or not port.isdigit():
        p.error("--listen must be HOST:PORT")
    try:
        Handler.backend = Backend(args.keys, args.secret, args.play_secret)
    except (OSError, ValueError) as e:
        sys.exit(f"backend: {args.keys}: {e}")
    if not args.secret:
        log.warning("no --secret: webhook requests are not authenticated")
    host = host.strip("[]")
    ThreadingHTTPServer.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        server = ThreadingHTTPServer((host, int(port)), Handler)
    except OSError as e:
        sys.exit(f"backend: cannot listen on {args.listen}: {e}")
    log.info("listening on http://%s", args.listen)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
