"""A small HTTP server shaped like Marquez's lineage API, for delivery tests.

``POST /api/v1/lineage`` with a JSON event answers 201 and keeps the event. The test
switches it between ``up``, ``error`` (500, event not kept), ``slow`` (kept, after a
delay under the client's timeout) and ``reject`` (400); ``stop()`` takes it down
(connections refused) and ``start()`` brings it back on the same port.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Marquez:
    """The fake backend; ``events`` holds what it accepted, in arrival order."""

    def __init__(self, delay: float = 0.3) -> None:
        self.mode = "up"
        self.delay = delay
        self.events: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.attempts = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner._lock:
                    owner.attempts += 1
                    mode = owner.mode
                if self.path != "/api/v1/lineage":
                    self._answer(404)
                    return
                if mode == "error":
                    self._answer(500)
                    return
                if mode == "reject":
                    self._answer(400)
                    return
                if mode == "slow":
                    time.sleep(owner.delay)
                with owner._lock:
                    owner.events.append(json.loads(body))
                    owner.headers.append(dict(self.headers))
                self._answer(201)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:  # quiet
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.events)
