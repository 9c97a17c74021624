"""``MEMORY_BACKEND=zerodb``: memories also go to ZeroDB, searches come from it.

Local rows stay the relational truth (and the keyword index): every memory is stored
locally first, then sent to ZeroDB with its local id in the metadata. A search asks
ZeroDB; when ZeroDB fails for any reason the error is logged and the local keyword
search answers instead, so a turn never fails because of the memory backend.

ZeroDB is never called inside a database transaction (``docs/architecture.md``): each
remote call first commits the caller's unit of work (:func:`bot.transactions.end_transaction`) —
the reads before a search, or the local row a remote copy is made of — and the session
begins a new transaction at its next statement. Call these methods outside a savepoint.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.runtime import Runtime
from bot.transactions import end_transaction
from memory.entries import Entry, MemoryFilters, bounded_limit, parse_model
from memory.service import MemoryService
from memory.zerodb import RemoteHit, ZeroDBClient, ZeroDBError

log = logging.getLogger(__name__)


def zerodb_client_for(runtime: Runtime) -> ZeroDBClient:
    """The runtime's ZeroDB client (tests inject ``runtime.clients["zerodb"]``)."""

    def build(rt: Runtime) -> ZeroDBClient:
        s = rt.settings
        return ZeroDBClient(
            s.zerodb_api_url or "", s.zerodb_api_key or "", s.zerodb_project_id or ""
        )

    runtime.register("zerodb", build)
    client: ZeroDBClient = runtime.client("zerodb")  # built by ``build`` above
    return client


class ZeroDBMemoryService:
    """The memory API backed by ZeroDB, with the local service as truth and fallback."""

    def __init__(self, local: MemoryService, client: ZeroDBClient | None) -> None:
        self.local = local
        self.client = client
        self.scope = local.scope
        self.last_error: str | None = None

    @property
    def search_mode(self) -> str:
        return "zerodb"

    def store(self, content: str, metadata: Any, tags: Any = None) -> Entry:
        entry = self.local.store(content, metadata, tags)
        remote_meta = {
            "project_id": str(self.scope.project_id),
            "local_memory_id": entry.id,
            "memory_type": entry.memory_type,
            "importance": entry.importance,
            **{
                k: str(v)
                for k in ("contact_id", "user_id", "session_id")
                if (v := getattr(entry, k)) is not None
            },
        }
        end_transaction(self.scope.session)
        try:
            self._require().store_memory(entry.content, remote_meta, entry.tags)
        except ZeroDBError as exc:
            self._failed("store", exc)
        return entry

    def search(self, query: str, filters: Any = None, limit: int = 5) -> list[Entry]:
        parsed = parse_model(MemoryFilters, filters, "filters")
        limit = bounded_limit(limit)
        remote_filters = {"project_id": str(self.scope.project_id)} | {
            k: str(v) for k, v in parsed.model_dump(exclude_defaults=True).items() if k != "tags"
        }
        end_transaction(self.scope.session)
        try:
            hits = self._require().search_memory(query, limit, remote_filters)
        except ZeroDBError as exc:
            self._failed("search", exc)
            return self.local.keyword_search(query, parsed, limit)
        return self._entries(hits, parsed)

    def delete(self, memory_id: Any) -> bool:
        return self.local.delete(memory_id)

    def add_document(self, title: str, text: str, filename: str | None = None) -> Any:
        """Add a document locally, then embed-and-store its chunks in ZeroDB's ``kb``."""
        from memory.kb import chunk_document

        doc = self.local.add_document(title, text, filename)
        documents = [
            {
                "id": f"kb:{doc.id}:{n:03d}",
                "text": f"{chunk.heading}\n{chunk.text}",
                "metadata": {
                    "project_id": str(self.scope.project_id),
                    "type": "kb_doc",
                    "doc_id": str(doc.id),
                    "title": doc.title,
                    "heading": chunk.heading,
                    "source": "import",
                },
            }
            for n, chunk in enumerate(chunk_document(doc.title, doc.content))
        ]
        end_transaction(self.scope.session)
        try:
            self._require().embed_and_store("kb", documents)
        except ZeroDBError as exc:
            self._failed("embed-and-store", exc)
        return doc

    def search_kb(self, query: str, limit: int = 5) -> list[Any]:
        """Knowledge-base passages from ZeroDB; the local index answers when it fails."""
        from memory.kb import KbHit

        end_transaction(self.scope.session)
        try:
            hits = self._require().search_embeddings(
                "kb", query, limit, {"project_id": str(self.scope.project_id)}
            )
        except ZeroDBError as exc:
            self._failed("kb search", exc)
            return self.local.search_kb(query, limit)
        return [
            KbHit(
                title=str(h.metadata.get("title", "")),
                heading=str(h.metadata.get("heading", "")),
                content=h.content,
                score=h.score or 0.0,
                document_id=str(h.metadata.get("doc_id", "")),
            )
            for h in hits
            if h.metadata.get("project_id") == str(self.scope.project_id)
        ]

    def _require(self) -> ZeroDBClient:
        if self.client is None:
            raise ZeroDBError("ZeroDB is not configured")
        return self.client

    def _failed(self, action: str, exc: Exception) -> None:
        self.last_error = str(exc)
        log.error("ZeroDB %s failed, using local memory instead: %s", action, exc)

    def _entries(self, hits: list[RemoteHit], filters: MemoryFilters) -> list[Entry]:
        """Map ZeroDB hits back to live local memories of this project (others are dropped)."""
        results = []
        for hit in hits:
            entry = self.local.get(hit.metadata.get("local_memory_id"))
            if entry is not None and _matches(entry, filters):
                results.append(entry.model_copy(update={"score": hit.score}))
        return results

    # Defined last: inside the class body a method called ``list`` hides the builtin
    # from the annotations that follow it.
    def list(self, filters: Any = None, limit: int = 20) -> list[Entry]:
        return self.local.list(filters, limit)


def _matches(entry: Entry, filters: MemoryFilters) -> bool:
    for key in ("contact_id", "user_id", "session_id", "memory_type", "importance"):
        wanted = getattr(filters, key)
        if wanted is not None and getattr(entry, key) != wanted:
            return False
    return set(filters.tags) <= set(entry.tags)
