"""A small stand-in for Vercel's edge in front of several function instances.

Each request (GET or POST) goes to the next instance in turn and is relayed back; a caller
that hangs up does not stop the request, as on the platform, where the
invocation runs to its end whoever is still listening.
"""

from __future__ import annotations

import http.client
import http.server
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class Router:
    def __init__(self) -> None:
        self.backends: list[str] = []
        self.routed: list[str] = []  # which backend each request went to
        self._turn = itertools.count()
        self._lock = threading.Lock()
        router = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._relay(b"")

            def do_POST(self) -> None:  # an organizer's form (Issue now) passes too
                self._relay(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _relay(self, sent: bytes) -> None:
                with router._lock:
                    backend = router.backends[next(router._turn) % len(router.backends)]
                    router.routed.append(backend)
                target = urlsplit(backend)
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=900)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request(
                    self.command,
                    self.path,
                    body=sent or None,
                    headers={**headers, "Host": self.headers["Host"]},
                )
                response = connection.getresponse()
                body = response.read()
                connection.close()
                try:
                    self.send_response(response.status)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the caller hung up; the invocation ran anyway

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@contextmanager
def running_router() -> Iterator[Router]:
    router = Router()
    thread = threading.Thread(target=router.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield router
    finally:
        router.server.shutdown()
        router.server.server_close()
