"""An httpx client for ZeroDB's project-scoped public API (``/v1/public/{project_id}/``).

Covers what Calltime's memory needs: memory store/search and embeddings
embed-and-store/search (``BAAI/bge-small-en-v1.5``, 384 dims). ZeroDB's public
examples spell the same things several ways (``score``/``similarity``,
``results``/``memories``/``data``, ``memory_id``/``id``, ``text``/``content``/
``document``); responses are normalised here so callers see one shape. Timeouts,
connection errors and 5xx answers are retried a bounded number of times; anything
that still fails raises :class:`ZeroDBError`, which callers turn into a fallback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.transactions import before_network_call
from memory.embedder import DEFAULT_DIM, DEFAULT_MODEL

log = logging.getLogger(__name__)

LIST_KEYS = ("results", "memories", "data", "items", "matches", "vectors")
ID_KEYS = ("memory_id", "id", "vector_id", "document_id")
SCORE_KEYS = ("score", "similarity", "relevance", "similarity_score")
TEXT_KEYS = ("content", "text", "document")


class ZeroDBError(RuntimeError):
    """ZeroDB could not be reached or refused a request."""


@dataclass
class RemoteHit:
    """One memory or vector returned by ZeroDB, in a single normalised shape."""

    id: str
    content: str
    score: float | None
    metadata: dict[str, Any] = field(default_factory=dict)


class ZeroDBClient:
    """ZeroDB's public API for one project.

    Args:
        base_url: e.g. ``https://api.ainative.studio``.
        api_key: sent as ``X-API-Key``.
        project_id: the ZeroDB project every path is under.
        timeout: seconds per attempt.
        retries: extra attempts after a timeout, connection error or 5xx.
        transport: an httpx transport (tests may pass one; default: the network).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        project_id: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not (base_url and api_key and project_id):
            raise ZeroDBError("ZERODB_API_URL, ZERODB_API_KEY and ZERODB_PROJECT_ID are required")
        self.project_id = project_id
        self.retries = max(0, retries)
        self.backoff = backoff
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"X-API-Key": api_key, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    # -- memory -------------------------------------------------------------------
    def store_memory(self, content: str, metadata: dict[str, Any], tags: list[str]) -> str:
        """Store a memory; returns ZeroDB's id for it."""
        body = {"content": content, "metadata": metadata, "tags": tags}
        if metadata.get("session_id"):
            body["session_id"] = metadata["session_id"]
        data = self._post("database/memory", body, fallback_path="database/memory/store")
        found = _first_key(_unwrap(data), ID_KEYS)
        if found is None:
            raise ZeroDBError("ZeroDB stored the memory but returned no id")
        return str(found)

    def search_memory(
        self, query: str, limit: int, filters: dict[str, Any] | None = None
    ) -> list[RemoteHit]:
        """Memories relevant to ``query``, best first."""
        body = {"query": query, "limit": limit, "filters": filters or {}}
        return _hits(self._post("database/memory/search", body))[:limit]

    # -- embeddings ---------------------------------------------------------------
    def embed_and_store(
        self, namespace: str, documents: list[dict[str, Any]], *, upsert: bool = True
    ) -> int:
        """Embed and store ``documents`` (``id``, ``text``, ``metadata``); returns the count."""
        body = {
            "documents": documents,
            "namespace": namespace,
            "model": DEFAULT_MODEL,
            "upsert": upsert,
        }
        data = _unwrap(self._post("embeddings/embed-and-store", body))
        stored = _first_key(data, ("vectors_stored", "stored", "count")) if data else None
        dims = _first_key(data, ("dimensions", "dimension", "dim")) if data else None
        if dims not in (None, DEFAULT_DIM):
            raise ZeroDBError(f"ZeroDB embedded with {dims} dims; Calltime needs {DEFAULT_DIM}")
        return int(stored) if stored is not None else len(documents)

    def search_embeddings(
        self, namespace: str, query: str, limit: int, filters: dict[str, Any] | None = None
    ) -> list[RemoteHit]:
        """Stored texts of ``namespace`` nearest to ``query``, best first."""
        body = {
            "query": query,
            "namespace": namespace,
            "model": DEFAULT_MODEL,
            "top_k": limit,
            "limit": limit,
            "filter": filters or {},
        }
        return _hits(self._post("embeddings/search", body))[:limit]

    # -- transport ----------------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any], fallback_path: str | None = None) -> Any:
        url = f"/v1/public/{self.project_id}/{path}"
        response = self._send(url, body)
        if response.status_code in (404, 405) and fallback_path:
            response = self._send(f"/v1/public/{self.project_id}/{fallback_path}", body)
        if response.status_code >= 400:
            raise ZeroDBError(f"ZeroDB {path}: HTTP {response.status_code} {_detail(response)}")
        try:
            return response.json()
        except ValueError:
            raise ZeroDBError(f"ZeroDB {path}: response is not JSON") from None

    def _send(self, url: str, body: dict[str, Any]) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * attempt)
            before_network_call("ZeroDB")
            try:
                response = self._http.post(url, json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = exc
                log.warning("ZeroDB %s attempt %d failed: %s", url, attempt + 1, exc)
                continue
            if response.status_code < 500 and response.status_code != 429:
                return response
            last = ZeroDBError(f"HTTP {response.status_code} {_detail(response)}")
            log.warning("ZeroDB %s attempt %d: HTTP %d", url, attempt + 1, response.status_code)
        raise ZeroDBError(f"ZeroDB {url} failed after {self.retries + 1} attempts: {last}")


def _unwrap(data: Any) -> Any:
    """``{"data": {...}}`` → ``{...}``; other shapes unchanged."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        return data["data"]
    return data


def _first_key(data: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(data, dict):
        return None
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def _hits(data: Any) -> list[RemoteHit]:
    items: Any = data
    if isinstance(data, dict):
        items = next((data[k] for k in LIST_KEYS if isinstance(data.get(k), list)), None)
        if items is None and isinstance(data.get("data"), dict):
            return _hits(data["data"])
    if not isinstance(items, list):
        raise ZeroDBError("ZeroDB search answered without a result list")
    hits = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = _first_key(item, TEXT_KEYS)
        if isinstance(text, dict):  # {"document": {"text": ...}}
            text = _first_key(text, TEXT_KEYS)
        score = _first_key(item, SCORE_KEYS)
        hits.append(
            RemoteHit(
                id=str(_first_key(item, ID_KEYS) or ""),
                content=str(text or ""),
                score=float(score) if score is not None else None,
                metadata=dict(item.get("metadata") or {}),
            )
        )
    if all(h.score is not None for h in hits):
        hits.sort(key=lambda h: -(h.score or 0.0))
    return hits


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("error") or body.get("message") or "")[:200]
    return ""
