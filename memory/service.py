"""The memory API on the local backend: memories in the project's own database.

``store`` validates, merges near-duplicates of the same subject and embeds when a model
is loaded; ``search`` fuses keyword and vector rankings (reciprocal rank fusion) or
runs keyword search alone without a model. Every statement goes through the caller's
:class:`~bot.store.ProjectScope`, so it is restricted to one project and audited.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from bot.models import Memory
from bot.models.types import utcnow
from bot.store import ProjectScope
from memory.dedupe import find_duplicate
from memory.embedder import Embedder
from memory.entries import (
    IMPORTANCE_ORDER,
    Entry,
    MemoryError,
    MemoryFilters,
    MemoryMetadata,
    bounded_limit,
    clean_content,
    clean_tags,
    content_hash,
    parse_model,
)
from memory.search import fuse, keyword_ranking, tag_condition, vector_ranking
from memory.vectors import check_model, set_embedding

#: Live memories stored without a vector (before a model was installed).
_NOT_EMBEDDED = (Memory.deleted_at.is_(None), Memory.embedding.is_(None))


class MemoryService:
    """Store, search, list and delete one project's memories.

    Args:
        scope: the project and actor every read and write is bound to.
        embedder: the loaded embedding model, or ``None`` for keyword-only search.
    """

    def __init__(self, scope: ProjectScope, embedder: Embedder | None = None) -> None:
        self.scope = scope
        self.embedder = embedder

    @property
    def search_mode(self) -> str:
        """``hybrid`` (keyword + vector, fused) or ``keyword``."""
        return "hybrid" if self.embedder is not None else "keyword"

    # -- writes -------------------------------------------------------------------
    def store(self, content: str, metadata: Any, tags: Any = None) -> Entry:
        """Remember ``content``; a near-duplicate for the same subject is merged instead.

        Raises:
            MemoryError: bad content, metadata or tags (nothing is written).
        """
        text = clean_content(content)
        meta = parse_model(MemoryMetadata, metadata, "metadata")
        tag_list = clean_tags(tags)
        if meta.project_id not in (None, self.scope.project_id):
            raise MemoryError("metadata.project_id names another project")
        vector = self._embed(text)
        existing = find_duplicate(self.scope, meta, text, vector)
        if existing is not None:
            return self._merge(existing, text, meta, tag_list, vector)
        row = self.scope.insert(
            Memory(
                content=text,
                content_hash=content_hash(text),
                memory_type=meta.memory_type,
                importance=meta.importance,
                contact_id=meta.contact_id,
                user_id=meta.user_id,
                session_id=meta.session_id,
                tags=tag_list,
                meta=meta.extra(),
            )
        )
        self._attach_embedding(row, vector)
        return Entry.from_row(row)

    def delete(self, memory_id: Any) -> bool:
        """Soft-delete a memory of this project; ``False`` when there is none."""
        row = self.scope.get(Memory, memory_id)
        if row is None or row.deleted_at is not None:
            return False
        self.scope.update(row, deleted_at=utcnow())
        return True

    def count_missing(self) -> int:
        """How many live memories have no embedding yet (what :meth:`embed_missing` takes)."""
        return self.scope.count(Memory, *_NOT_EMBEDDED)

    def embed_missing(self, batch: int = 500) -> int:
        """Embed live memories stored before a model was available; returns how many."""
        if self.embedder is None:
            return 0
        self._check_model()
        rows = self.scope.all(Memory, *_NOT_EMBEDDED, limit=batch)
        vectors = self.embedder.embed([row.content for row in rows])
        for row, vector in zip(rows, vectors, strict=True):
            self._attach_embedding(row, vector)
        return len(rows)

    # -- reads --------------------------------------------------------------------
    def get(self, memory_id: Any) -> Entry | None:
        """One live memory of this project, or ``None``."""
        row = self.scope.get(Memory, memory_id) if memory_id else None
        if row is None or row.deleted_at is not None:
            return None
        return Entry.from_row(row)

    def search(self, query: str, filters: Any = None, limit: int = 5) -> list[Entry]:
        """Memories relevant to ``query`` with scores, best first."""
        where = self._where(parse_model(MemoryFilters, filters, "filters"))
        limit = bounded_limit(limit)
        if not str(query or "").strip():
            return self.list(filters, limit)
        where = [Memory.project_id == self.scope.project_id, *where]
        session = self.scope.session
        keyword = keyword_ranking(session, Memory, where, query, limit * 3)
        if self.embedder is None:
            ranked = keyword[:limit]
        else:
            self._check_model()
            vector = self.embedder.embed([query])[0]
            nearest = vector_ranking(
                session, Memory, where, vector, self.embedder.model_name, limit * 3
            )
            ranked = fuse([keyword, nearest], limit)
        return self._entries(ranked)

    def keyword_search(self, query: str, filters: Any = None, limit: int = 5) -> list[Entry]:
        """Keyword search alone (the fallback when a remote backend fails)."""
        where = self._where(parse_model(MemoryFilters, filters, "filters"))
        where = [Memory.project_id == self.scope.project_id, *where]
        ranked = keyword_ranking(self.scope.session, Memory, where, query, bounded_limit(limit))
        return self._entries(ranked)

    def vector_search(self, query: str, filters: Any = None, limit: int = 5) -> list[Entry]:
        """Vector search alone (for evaluation); empty without a model."""
        if self.embedder is None:
            return []
        self._check_model()
        where = self._where(parse_model(MemoryFilters, filters, "filters"))
        where = [Memory.project_id == self.scope.project_id, *where]
        vector = self.embedder.embed([query])[0]
        ranked = vector_ranking(
            self.scope.session,
            Memory,
            where,
            vector,
            self.embedder.model_name,
            bounded_limit(limit),
        )
        return self._entries(ranked)

    # -- knowledge base -------------------------------------------------------------
    def add_document(self, title: str, text: str, filename: str | None = None) -> Any:
        """Add a knowledge-base document (see :func:`memory.kb.add_document`)."""
        from memory.kb import add_document

        return add_document(self.scope, title, text, filename, embedder=self.embedder)

    def search_kb(self, query: str, limit: int = 5) -> list[Any]:
        """Knowledge-base passages for ``query`` (see :func:`memory.kb.search_kb`)."""
        from memory.kb import search_kb

        return search_kb(self.scope, query, limit, embedder=self.embedder)

    # -- internals ----------------------------------------------------------------
    def _where(self, filters: MemoryFilters) -> list[Any]:
        where: list[Any] = [Memory.deleted_at.is_(None)]
        for key in ("contact_id", "user_id", "session_id", "memory_type", "importance"):
            value = getattr(filters, key)
            if value is not None:
                where.append(getattr(Memory, key) == value)
        for tag in clean_tags(filters.tags):
            where.append(tag_condition(self.scope.session, Memory, tag))
        return where

    def _entries(self, ranked: list[tuple[uuid.UUID, float]]) -> list[Entry]:
        # Primary-key lookups (project-checked by the scope): an ``id IN (…)`` filtered by
        # project lets SQLite pick the project index and scan the whole project.
        entries = []
        for row_id, score in ranked:
            row = self.scope.get(Memory, row_id)
            if row is not None and row.deleted_at is None:
                entries.append(Entry.from_row(row, score=round(score, 6)))
        return entries

    def _embed(self, text: str) -> np.ndarray | None:
        if self.embedder is None:
            return None
        self._check_model()
        vector: np.ndarray = self.embedder.embed([text])[0]
        return vector

    def _check_model(self) -> None:
        assert self.embedder is not None
        check_model(self.scope, Memory, [], self.embedder, "memories")

    def _merge(
        self,
        row: Memory,
        text: str,
        meta: MemoryMetadata,
        tags: list[str],
        vector: np.ndarray | None,
    ) -> Entry:
        importance = max(row.importance, meta.importance, key=IMPORTANCE_ORDER.__getitem__)
        merged_tags = list(dict.fromkeys([*(row.tags or []), *tags]))
        changes: dict[str, Any] = {"importance": importance, "tags": merged_tags}
        if content_hash(text) != row.content_hash:
            # The newer statement supersedes the older one ("now prefers calls after 7").
            changes |= {"content": text, "content_hash": content_hash(text)}
        if meta.session_id is not None:
            changes["session_id"] = meta.session_id
        if meta.extra():
            changes["meta"] = {**(row.meta or {}), **meta.extra()}
        self.scope.update(row, **changes)
        if "content" in changes or row.embedding is None:
            self._attach_embedding(row, vector)
        return Entry.from_row(row, merged=True)

    def _attach_embedding(self, row: Memory, vector: np.ndarray | None) -> None:
        if vector is not None and self.embedder is not None:
            set_embedding(self.scope.session, row, vector, self.embedder.model_name)

    # Defined last: inside the class body a method called ``list`` hides the builtin
    # from the annotations that follow it.
    def list(self, filters: Any = None, limit: int = 20) -> list[Entry]:
        """Memories matching ``filters``, most recently updated first."""
        where = self._where(parse_model(MemoryFilters, filters, "filters"))
        rows = self.scope.all(
            Memory, *where, order_by=Memory.updated_at.desc(), limit=bounded_limit(limit)
        )
        return [Entry.from_row(row) for row in rows]
