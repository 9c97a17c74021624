"""A Messages API stand-in with a fixed, realistic latency, for the side-by-side benchmark.

It answers every ``POST /v1/messages`` with a short text reply after ``latency`` seconds,
the same for the baseline and for Calltime, so the comparison is about the architecture.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) refuses connections when dozens of callers wait on
    # the model at once; a refusal is not what a slow model does.
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A caller that gave up (the baseline's web tier being stopped) closes its socket
        # mid-answer; that is expected here, not worth a traceback.
        return


class SlowModelServer:
    """Serve on 127.0.0.1 (free port) until closed; counts the calls it answered and the
    most it was answering at one moment (``max_in_flight``)."""

    def __init__(
        self, latency: float = 3.0, reply: str = "Noted. Next: call Anita Sharma."
    ) -> None:
        self.latency = latency
        self.reply = reply
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                time.sleep(server.latency)
                with server._lock:
                    server.calls += 1
                    server.in_flight -= 1
                body = json.dumps(
                    {
                        "id": f"msg_{uuid.uuid4().hex[:24]}",
                        "type": "message",
                        "role": "assistant",
                        "model": request.get("model", "claude-haiku-4-5"),
                        "content": [{"type": "text", "text": server.reply}],
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": {"input_tokens": 900, "output_tokens": 40},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("request-id", f"req_{uuid.uuid4().hex[:16]}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SlowModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
