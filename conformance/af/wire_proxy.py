"""A logging proxy between an app and `handoff serve`, for recording what Agent Framework sends
over the HTTP wire.

    python wire_proxy.py PORT_FILE UPSTREAM_PORT_FILE LOG

Listens on a free loopback port (written to PORT_FILE), forwards every request to the serve
whose port is in UPSTREAM_PORT_FILE (read at the first request: serve starts after the proxy)
and appends one JSON line per request to LOG: the path, the answer's status and the request
body. Answers are not logged: serve gives the same ones again for the same requests.
"""

import http.server
import json
import sys
import urllib.error
import urllib.request

PORT_FILE, UPSTREAM_PORT_FILE, LOG = sys.argv[1:4]


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(UPSTREAM_PORT_FILE) as f:
            upstream = f"http://127.0.0.1:{f.read().strip()}"
        skip = {"host", "content-length", "accept-encoding", "connection"}
        request = urllib.request.Request(
            upstream + self.path,
            data=body,
            method=self.command,
            headers={k: v for k, v in self.headers.items() if k.lower() not in skip},
        )
        try:
            with urllib.request.urlopen(request) as answer:
                status, data, kind = answer.status, answer.read(), answer.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            status, data, kind = error.code, error.read(), error.headers.get("Content-Type")
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "status": status, "request": json.loads(body or b"null")}) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", kind or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, *args) -> None:
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402

os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
