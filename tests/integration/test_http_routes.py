"""The HTTP route table as a client sees it: 404 for an unknown path, 405 with Allow for a
known path, CORS preflights where they were, HLS only for HLS-looking names, and the console's
static files (index, MIME types, no way out of the root)."""
import json
import os
import socket
import unittest

import harness
from harness import Server


def raw_request(srv, request):
    s = socket.create_connection(("127.0.0.1", srv.http_port), timeout=5)
    s.sendall(request)
    s.settimeout(5)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    return data


class HttpRoutes(unittest.TestCase):
    def test_routes_methods_and_console(self):
        base = os.path.join(harness.ARGS.work_dir, "routes-files")
        www = os.path.join(base, "www")
        os.makedirs(os.path.join(www, "assets"), exist_ok=True)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("<html>console</html>")
        with open(os.path.join(www, "assets", "app.js"), "w") as f:
            f.write("console.log('hi')")
        with open(os.path.join(base, "secret.txt"), "w") as f:
            f.write("secret")
        leak = os.path.join(www, "leak.txt")
        if not os.path.lexists(leak):
            os.symlink(os.path.join(base, "secret.txt"), leak)

        with Server("routes", http_extra=f"  static_dir: \"{www}\"\n") as srv:
            # Unknown path: 404, whatever the method. Known path, other method: 405 + Allow.
            self.assertEqual(srv.http_get("/nowhere")[0], 404)
            self.assertEqual(srv.http_get("/nowhere", method="POST")[0], 404)
            status, headers, body = srv.http_get("/healthz", method="POST")
            self.assertEqual(status, 405)
            self.assertEqual(headers.get("Allow"), "GET, HEAD, OPTIONS")
            self.assertIn(b"error", body)
            status, headers, _ = srv.http_get("/api/v1/streams", method="DELETE")
            self.assertEqual((status, headers.get("Allow")), (405, "GET, HEAD"))
            status, headers, _ = srv.http_get("/api/v1/streams/live/x", method="PUT")
            self.assertEqual((status, headers.get("Allow")), (405, "GET, HEAD, DELETE"))
            status, headers, _ = srv.http_get("/metrics", method="POST")
            self.assertEqual((status, headers.get("Allow")), (405, "GET, HEAD"))
            self.assertEqual(srv.http_get("/api/v1/nothing")[0], 404)

            # CORS preflights on the media and health paths; the API answers no other origin.
            for path in ("/live/x/index.m3u8", "/live/x.flv", "/live/x/index.mpd", "/healthz"):
                status, headers, _ = srv.http_get(path, method="OPTIONS")
                self.assertEqual(status, 204, path)
                self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*", path)
                self.assertEqual(headers.get("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS", path)
            status, headers, _ = srv.http_get("/api/v1/streams", method="OPTIONS")
            self.assertEqual(status, 204)
            self.assertNotIn("Access-Control-Allow-Origin", headers)

            # HLS takes HLS-looking names only.
            status, _, body = srv.http_get("/live/x/app.js")
            self.assertEqual(status, 404)
            self.assertEqual(json.loads(body), {"error": "no such resource"})

            # The console: index for the prefix, MIME types, HEAD, a redirect to the slash.
            status, headers, body = srv.http_get("/console/")
            self.assertEqual((status, body), (200, b"<html>console</html>"))
            self.assertEqual(headers.get("Content-Type"), "text/html; charset=utf-8")
            self.assertEqual(srv.http_get("/console")[2], b"<html>console</html>")  # via 301
            answer = raw_request(srv, b"GET /console HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(answer.startswith(b"HTTP/1.1 301"), answer[:100])
            self.assertIn(b"Location: /console/\r\n", answer)
            status, headers, body = srv.http_get("/console/assets/app.js")
            self.assertEqual((status, body), (200, b"console.log('hi')"))
            self.assertEqual(headers.get("Content-Type"), "text/javascript; charset=utf-8")
            status, headers, body = srv.http_get("/console/assets/app.js", method="HEAD")
            self.assertEqual((status, headers.get("Content-Length"), body), (200, "17", b""))
            # A console path that looks like HLS is the console's.
            status, _, body = srv.http_get("/console/assets/index.m3u8")
            self.assertEqual((status, json.loads(body)), (404, {"error": "no such file"}))

            # Nothing outside the root.
            for path in ("/console/..%2fsecret.txt", "/console/%2e%2e/secret.txt", "/console/assets/%2e%2e/%2e%2e/secret.txt",
                         "/console/x%00.js", "/console/leak.txt", "/console/%2fetc%2fpasswd"):
                status, _, body = srv.http_get(path)
                self.assertIn(status, (400, 404), path)
                self.assertNotIn(b"secret", body, path)
            answer = raw_request(srv, b"GET /console/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertNotIn(b"\r\n\r\nsecret", answer)
            self.assertTrue(srv.alive())

    def test_no_console_without_static_dir(self):
        with Server("routes-off") as srv:
            self.assertEqual(srv.http_get("/console/")[0], 404)
            self.assertEqual(srv.http_get("/console/index.html")[0], 404)


if __name__ == "__main__":
    harness.main()
