"""A webhook receiver for the integration tests: a small HTTP server on 127.0.0.1 (port 0) in
a thread of the test process. Each path answers as the test says (status, body, delay, or
never); every request is recorded with its headers, raw body, parsed JSON and whether its
X-Firstmile-Signature verifies. Standard library only.

    r = WebhookReceiver(secret="s3cret")
    r.start()
    r.respond("/publish", status=200, body={"stream": "channel-42"})
    ... config webhooks.on_publish: [r.url("/publish")] ...
    req = r.wait_for("on_publish", timeout=10)
    assert req.signature_ok and req.json["key"] == "sk_live_abc123"
    r.stop()
"""
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_SKEW = 300                 # seconds, as the contract asks of receivers
MAX_BODY = 16 * 1024 * 1024    # recorded at most; a longer request is answered 413


@dataclass
class Rule:
    status: int = 200
    body: object = b""          # bytes, str or a JSON-serializable dict/list
    delay: float = 0.0          # seconds before answering
    hang: bool = False          # never answer (until stop())
    content_type: str | None = None


@dataclass
class Request:
    method: str
    path: str                   # without the query string
    query: str
    headers: object             # http.client.HTTPMessage: case-insensitive get()/[]
    body: bytes
    json: object                # parsed body, or None when it is not JSON
    time: float                 # time.time() when received
    signature_ok: bool | None   # None when the receiver has no secret
    status: int | None = None   # what the receiver answered (None: hung)
    extra: dict = field(default_factory=dict)

    @property
    def event(self):
        e = self.headers.get("X-Firstmile-Event")
        if e is None and isinstance(self.json, dict):
            e = self.json.get("event")
        return e

    def __repr__(self):
        return f"<{self.method} {self.path} event={self.event} status={self.status}>"


def signature_ok(secret, headers, body, now=None):
    """Verifies X-Firstmile-Signature the way the contract tells receivers to."""
    ts = headers.get("X-Firstmile-Timestamp", "")
    sig = headers.get("X-Firstmile-Signature", "")
    if not (ts.isascii() and ts.isdigit()) or not sig:
        return False
    now = time.time() if now is None else now
    if abs(now - int(ts)) > MAX_SKEW:
        return False
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(("sha256=" + mac).encode(), sig.encode("latin-1"))


class WebhookReceiver:
    def __init__(self, secret=None):
        self.secret = secret
        self._cond = threading.Condition()
        self._rules = {}        # path -> Rule
        self._once = {}         # path -> [Rule, ...] used before the standing rule
        self._requests = []
        self._stopping = threading.Event()
        self._conns = set()
        self._server = None
        self._thread = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self):
        receiver = self

        class Handler(_Handler):
            owner = receiver

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops within about a second, even with requests hanging or delayed."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._cond:
            conns = list(self._conns)
            self._cond.notify_all()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=2)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    def url(self, path="/"):
        if not path.startswith("/"):
            path = "/" + path
        return f"http://127.0.0.1:{self.port}{path}"

    # --- behaviour ---------------------------------------------------------------------------

    def respond(self, path, status=200, body=b"", delay=0.0, hang=False, content_type=None,
                times=None):
        """How `path` answers from now on. With times=N the answer is used for the next N
        requests only, then the standing one applies again (e.g. fail twice, then accept)."""
        rule = Rule(status, body, delay, hang, content_type)
        with self._cond:
            if times is None:
                self._rules[path] = rule
            else:
                self._once.setdefault(path, []).extend([rule] * times)

    def _rule_for(self, path):
        with self._cond:
            once = self._once.get(path)
            if once:
                return once.pop(0)
            return self._rules.get(path, Rule())

    # --- inspection --------------------------------------------------------------------------

    def requests(self, path=None, event=None):
        with self._cond:
            return [r for r in self._requests
                    if (path is None or r.path == path) and (event is None or r.event == event)]

    def clear(self):
        with self._cond:
            self._requests.clear()

    def wait_for(self, what, timeout=10.0):
        """The first recorded request matching `what` (an event name or a predicate on a
        Request), waiting up to `timeout` seconds; AssertionError when none came."""
        return self.wait_count(what, 1, timeout)[0]

    def wait_count(self, what, count, timeout=10.0):
        """The first `count` matching requests, once that many have arrived."""
        match = what if callable(what) else (lambda r: r.event == what)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self._requests if match(r)]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"webhook receiver: {len(found)} of {count} matching request(s) for "
                        f"{what!r} after {timeout}s; received: {self._requests!r}")
                self._cond.wait(left)

    # --- called by the handler threads -------------------------------------------------------

    def _record(self, req):
        with self._cond:
            self._requests.append(req)
            self._cond.notify_all()

    def _track(self, conn, add):
        with self._cond:
            (self._conns.add if add else self._conns.discard)(conn)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    owner = None  # the WebhookReceiver, set per server

    def setup(self):
        super().setup()
        self.owner._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.owner._track(self.connection, False)

    def log_message(self, fmt, *args):
        pass

    def _handle(self):
        owner = self.owner
        url = urllib.parse.urlsplit(self.path)
        length = self.headers.get("Content-Length", "0")
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY:
            self.close_connection = True
            self._send(413, b"", None)
            return
        body = self.rfile.read(int(length))
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        sig = None if owner.secret is None else signature_ok(owner.secret, self.headers, body)
        rule = owner._rule_for(url.path)
        req = Request(self.command, url.path, url.query, self.headers, body, parsed, time.time(),
                      sig, None if rule.hang else rule.status)
        req.extra["peer"] = self.client_address  # (address, port): one per connection
        owner._record(req)

        if rule.hang:
            owner._stopping.wait()
            self.close_connection = True
            return
        if rule.delay > 0 and owner._stopping.wait(rule.delay):
            self.close_connection = True
            return
        payload = rule.body
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
        elif isinstance(payload, str):
            payload = payload.encode()
        ctype = rule.content_type or ("application/json" if payload else None)
        self._send(rule.status, payload, ctype)

    def _send(self, status, payload, ctype):
        try:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. its timeout)

    do_POST = do_PUT = do_GET = do_DELETE = _handle


if __name__ == "__main__":
    # Self-check: python3 tests/integration/webhook_receiver.py
    import sys
    import urllib.error
    import urllib.request

    def post(url, obj, secret=None, ts=None, timeout=5):
        body = json.dumps(obj).encode()
        ts = str(int(time.time())) if ts is None else ts
        headers = {"Content-Type": "application/json", "X-Firstmile-Event": obj.get("event", ""),
                   "X-Firstmile-Timestamp": ts}
        if secret is not None:
            mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256)
            headers["X-Firstmile-Signature"] = "sha256=" + mac.hexdigest()
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return res.status, res.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def check(cond, what):
        if not cond:
            print("FAIL:", what)
            sys.exit(1)
        print("ok:", what)

    r = WebhookReceiver(secret="s3cret").start()
    try:
        r.respond("/pub", status=200, body={"stream": "channel-42"})
        st, body = post(r.url("/pub"), {"event": "on_publish", "key": "k"}, secret="s3cret")
        check(st == 200 and json.loads(body) == {"stream": "channel-42"}, "allow with rename")
        req = r.wait_for("on_publish", timeout=2)
        check(req.signature_ok is True and req.json["key"] == "k", "signature verifies")
        check(req.headers["x-firstmile-event"] == "on_publish", "headers case-insensitive")

        post(r.url("/pub"), {"event": "on_publish", "key": "bad"}, secret="wrong")
        bad = r.wait_for(lambda q: isinstance(q.json, dict) and q.json.get("key") == "bad", 2)
        check(bad.signature_ok is False, "wrong secret detected")
        post(r.url("/pub"), {"event": "on_publish", "key": "old"}, secret="s3cret",
             ts=str(int(time.time()) - 400))
        old = r.wait_for(lambda q: isinstance(q.json, dict) and q.json.get("key") == "old", 2)
        check(old.signature_ok is False, "stale timestamp detected")

        r.respond("/fail", status=500, body={"reason": "down"})
        st, _ = post(r.url("/fail"), {"event": "on_unpublish"})
        check(st == 500, "500 answered")

        r.respond("/seq", status=200)
        r.respond("/seq", status=503, times=2)
        codes = [post(r.url("/seq"), {"event": "on_stop"})[0] for _ in range(3)]
        check(codes == [503, 503, 200], f"times=2 then standing rule: {codes}")
        check(len(r.wait_count("on_stop", 3, timeout=1)) == 3, "wait_count")

        r.respond("/slow", delay=0.5)
        t0 = time.monotonic()
        st, _ = post(r.url("/slow"), {"event": "on_play"})
        check(st == 200 and time.monotonic() - t0 >= 0.45, "delay")

        r.respond("/hang", hang=True)
        try:
            post(r.url("/hang"), {"event": "on_hls_segment"}, timeout=0.5)
            check(False, "hang should time out")
        except (TimeoutError, urllib.error.URLError, socket.timeout):
            check(True, "hang times the client out")
        check(r.wait_for("on_hls_segment", 1).status is None, "hung request recorded")

        try:
            r.wait_for("never", timeout=0.2)
            check(False, "wait_for should raise")
        except AssertionError:
            check(True, "wait_for raises after its timeout")
        check(len(r.requests(path="/pub")) == 3 and len(r.requests(event="on_stop")) == 3,
              "requests() filters")

        # A second request left hanging while stopping must not hold stop() up.
        threading.Thread(target=lambda: post(r.url("/hang"), {"event": "x"}, timeout=10),
                         daemon=True).start()
        r.wait_for("x", 2)
    finally:
        t0 = time.monotonic()
        r.stop()
    check(time.monotonic() - t0 < 2, f"stop() with a hung request took {time.monotonic() - t0:.2f}s")
    print("webhook_receiver self-check passed")
