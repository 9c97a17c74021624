"""An in-repo fake of ZeroDB's public API, built from its documented shapes.

A real HTTP server on 127.0.0.1 (ephemeral port) that answers the endpoints Calltime
uses, in one of the response spellings ZeroDB's public examples show:

* ``canonical``: ``{"memory_id"}`` / ``{"results": [{"memory_id","content","score"}]}``
* ``alt``: ``{"data": {"id"}}`` / ``{"memories": [{"id","text","similarity"}]}``
* ``data``: ``{"id"}`` / ``{"data": [{"id","document","similarity_score"}]}``
* ``broken``: a search answer without any result list

Tests script failures (``fail_with`` status codes, ``delay`` seconds) and read back
every request in ``requests``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = re.compile(r"^/v1/public/(?P<project>[^/]+)/(?P<rest>.+)$")


def _score(query: str, text: str) -> float:
    q, t = set(re.findall(r"\w+", query.lower())), set(re.findall(r"\w+", text.lower()))
    return round(len(q & t) / len(q), 4) if q else 0.0


class FakeZeroDB:
    """Context manager running the fake server; ``url`` is its base URL."""

    def __init__(
        self,
        *,
        api_key: str = "zdb-test-key",
        project_id: str = "proj-calltime",
        variant: str = "canonical",
        store_path: str = "database/memory",
        dimensions: int = 384,
    ) -> None:
        self.api_key, self.project_id, self.variant = api_key, project_id, variant
        self.store_path, self.dimensions = store_path, dimensions
        self.requests: list[dict[str, Any]] = []
        self.memories: list[dict[str, Any]] = []
        self.vectors: dict[str, dict[str, dict[str, Any]]] = {}
        self.fail_with: list[int] = []
        self.delay = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeZeroDB:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- request handling -----------------------------------------------------------
    def answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        self.requests.append({"path": path, "headers": headers, "json": body})
        if self.delay:
            time.sleep(self.delay)
        if self.fail_with:
            status = self.fail_with.pop(0)
            return status, {"detail": f"scripted failure {status}"}
        if headers.get("x-api-key") != self.api_key:
            return 401, {"detail": "Invalid API key"}
        match = PATH.match(path)
        if match is None or match["project"] != self.project_id:
            return 404, {"detail": "Project not found"}
        route = {
            self.store_path: self._store_memory,
            "database/memory/search": self._search_memory,
            "embeddings/embed-and-store": self._embed_and_store,
            "embeddings/search": self._search_embeddings,
        }.get(match["rest"])
        if route is None:
            return 404, {"detail": "Not Found"}
        if not isinstance(body, dict):
            return 422, {"detail": "body must be a JSON object"}
        return route(body)

    def _store_memory(self, body: dict[str, Any]) -> tuple[int, Any]:
        if not body.get("content"):
            return 422, {"detail": [{"loc": ["body", "content"], "msg": "field required"}]}
        memory_id = str(uuid.uuid4())
        self.memories.append({"id": memory_id, **body})
        if self.variant == "alt":
            return 200, {"success": True, "data": {"id": memory_id, "content": body["content"]}}
        if self.variant == "data":
            return 201, {"id": memory_id}
        return 200, {"memory_id": memory_id, "content": body["content"], "created_at": "now"}

    def _search_memory(self, body: dict[str, Any]) -> tuple[int, Any]:
        filters = body.get("filters") or {}
        found = [
            (m, _score(body.get("query", ""), m["content"]))
            for m in self.memories
            if all((m.get("metadata") or {}).get(k) == v for k, v in filters.items())
        ]
        found = sorted((f for f in found if f[1] > 0), key=lambda f: -f[1])[: body.get("limit", 10)]
        return 200, self._listing(
            [(m["id"], m["content"], s, m.get("metadata") or {}) for m, s in found]
        )

    def _embed_and_store(self, body: dict[str, Any]) -> tuple[int, Any]:
        namespace = body.get("namespace") or "default"
        documents = body.get("documents") or []
        for doc in documents:
            self.vectors.setdefault(namespace, {})[doc["id"]] = doc
        return 200, {
            "vectors_stored": len(documents),
            "model": body.get("model"),
            "dimensions": self.dimensions,
            "namespace": namespace,
        }

    def _search_embeddings(self, body: dict[str, Any]) -> tuple[int, Any]:
        wanted = body.get("filter") or {}
        docs = [
            d
            for d in self.vectors.get(body.get("namespace") or "default", {}).values()
            if all((d.get("metadata") or {}).get(k) == v for k, v in wanted.items())
        ]
        scored = sorted(
            ((d, _score(body.get("query", ""), d["text"])) for d in docs), key=lambda f: -f[1]
        )[: body.get("top_k", 10)]
        return 200, self._listing(
            [(d["id"], d["text"], s, d.get("metadata", {})) for d, s in scored]
        )

    def _listing(self, rows: list[tuple[str, str, float, dict[str, Any]]]) -> Any:
        if self.variant == "broken":
            return {"status": "ok"}
        if self.variant == "alt":
            return {
                "memories": [
                    {"id": i, "text": t, "similarity": s, "metadata": m} for i, t, s, m in rows
                ]
            }
        if self.variant == "data":
            return {
                "data": [
                    {"id": i, "document": t, "similarity_score": s, "metadata": m}
                    for i, t, s, m in rows
                ]
            }
        return {
            "results": [
                {"memory_id": i, "content": t, "score": s, "metadata": m} for i, t, s, m in rows
            ],
            "total": len(rows),
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload = fake.answer(self.path, headers, body)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
