"""A real HTTP server on 127.0.0.1 serving canned responses (the ``server`` fixture's type)."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from typing import Any, ClassVar

__all__ = ["LocalServer"]


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes, float]]] = {}

    def do_GET(self) -> None:
        status, body, delay = self.routes.get(self.path, (404, b"not found", 0.0))
        if delay:
            time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class LocalServer:
    """A real HTTP server on 127.0.0.1 serving canned responses per path."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"routes": {}})
        self.routes: dict[str, tuple[int, bytes, float]] = handler.routes
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, path: str, body: Any, *, status: int = 200, delay: float = 0.0) -> str:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.routes[path] = (status, data, delay)
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"
