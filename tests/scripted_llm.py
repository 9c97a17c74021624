"""A scripted Anthropic Messages API on 127.0.0.1 for tests of the agent loop.

The real ``anthropic`` SDK talks to it through ``base_url``. Each ``POST /v1/messages``
consumes the next scripted step: either a response (content blocks + stop reason) or an
HTTP error status (529 overloaded, 500 …), optionally after a delay (a slow model; the
server answers other requests meanwhile). Every request body is recorded, raw bytes
included, so tests can assert what the SDK sent (tools, ``cache_control``, system prompt).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The only API key tests ever use: a dummy, set through test settings.
DUMMY_KEY = "sk-ant-test-dummy"

_ids = itertools.count(1)


def text(value: str) -> dict[str, Any]:
    """A text content block."""
    return {"type": "text", "text": value}


def tool_use(name: str, tool_input: dict[str, Any], tool_id: str | None = None) -> dict[str, Any]:
    """A ``tool_use`` content block (id generated unless given)."""
    return {
        "type": "tool_use",
        "id": tool_id or f"toolu_{next(_ids):06d}",
        "name": name,
        "input": tool_input,
    }


@dataclass
class Step:
    """One scripted answer: a message, or an error status when ``status`` ≥ 400."""

    content: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    status: int = 200
    usage: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0

    def body(self, model: str) -> dict[str, Any]:
        if self.status >= 400:
            kind = "overloaded_error" if self.status == 529 else "api_error"
            return {"type": "error", "error": {"type": kind, "message": f"scripted {self.status}"}}
        stop = self.stop_reason or (
            "tool_use" if any(b["type"] == "tool_use" for b in self.content) else "end_turn"
        )
        usage = {
            "input_tokens": 120,
            "output_tokens": 30,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            **self.usage,
        }
        return {
            "id": f"msg_{next(_ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": self.content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }


#: A step, or a function of the request body returning one (to answer with ids the
#: test cannot know in advance, e.g. a contact found by an earlier tool call).
Scripted = Step | Callable[[dict[str, Any]], Step]


def reply(*blocks: dict[str, Any], **usage: int) -> Step:
    """A step answering with ``blocks`` (strings become text blocks)."""
    content = [text(b) if isinstance(b, str) else b for b in blocks]
    return Step(content=content, usage=usage)


def failure(status: int) -> Step:
    """A step answering with HTTP ``status``."""
    return Step(status=status)


def slow(step: Step, seconds: float) -> Step:
    """``step``, answered only after ``seconds`` (other requests are served meanwhile)."""
    step.delay = seconds
    return step


class _Server(ThreadingHTTPServer):
    # Several worker threads may wait on the model at once; the default backlog of 5
    # would refuse some of their connections, which the real API does not.
    request_queue_size = 64
    daemon_threads = True


class ScriptedLLM:
    """Context manager running the scripted server; ``.url`` is the SDK's ``base_url``.

    Attributes:
        requests: parsed JSON bodies of every request, in order.
        raw: the raw request bytes, in order.
        request_ids: the ``request-id`` header sent with each successful answer.
        max_in_flight: the most requests the server was answering at one moment.
    """

    def __init__(self, steps: list[Scripted] | None = None) -> None:
        self.steps: list[Scripted] = list(steps or [])
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.request_ids: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, *steps: Scripted) -> None:
        with self._lock:
            self.steps.extend(steps)

    def __enter__(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, raw: bytes) -> tuple[int, dict[str, Any], str]:
        with self._lock:
            body = json.loads(raw)
            self.raw.append(raw)
            self.requests.append(body)
            step = self.steps.pop(0) if self.steps else failure(500)
            if callable(step):
                step = step(body)
            request_id = f"req_scripted_{len(self.requests):04d}"
            if step.status < 400:
                self.request_ids.append(request_id)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(step.delay)
        finally:
            with self._lock:
                self.in_flight -= 1
        return step.status, step.body(body.get("model", "unknown")), request_id

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path.split("?")[0] != "/v1/messages":
                    self.send_error(404)
                    return
                status, payload, request_id = scripted._next(raw)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("request-id", request_id)
                if status >= 400:
                    # Tell the SDK to retry at once instead of backing off in tests.
                    self.send_header("retry-after-ms", "1")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        return Handler
