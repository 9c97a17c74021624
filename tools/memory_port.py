"""The memory service the tools use, with a keyword fallback over the same tables.

:func:`memory_for` returns the memory area's service (``memory.service_for``) when it
is installed, else :class:`KeywordMemory`, which stores and searches ``memories`` and
``kb_documents`` rows through the project scope with plain keyword matching.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_

from bot.models import KbDocument, Memory
from bot.store import ProjectScope
from tools.base import MemoryPort


def _terms(query: str) -> list[str]:
    return [t for t in re.split(r"\W+", query.lower()) if len(t) >= 3][:8]


def _excerpt(text: str, terms: list[str], width: int = 280) -> str:
    lowered = text.lower()
    start = min((lowered.find(t) for t in terms if t in lowered), default=0)
    start = max(0, start - 60)
    return " ".join(text[start : start + width].split())


class KeywordMemory:
    """Keyword search and storage over ``memories`` and ``kb_documents`` in one project."""

    def __init__(self, scope: ProjectScope, user_id: uuid.UUID | None, session_id: Any) -> None:
        self.scope = scope
        self.user_id = user_id
        self.session_id = session_id

    def search(
        self, query: str, *, contact_id: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        terms = _terms(query)
        where: list[Any] = [Memory.deleted_at.is_(None)]
        if contact_id is not None:
            where.append(Memory.contact_id == contact_id)
        if terms:
            where.append(or_(*(Memory.content.ilike(f"%{t}%") for t in terms)))
        rows = self.scope.all(Memory, *where, order_by=Memory.updated_at.desc(), limit=limit)
        return [
            {
                "id": str(m.id),
                "content": m.content,
                "type": m.memory_type,
                "contact_id": str(m.contact_id) if m.contact_id else None,
            }
            for m in rows
        ]

    def store(
        self,
        content: str,
        *,
        memory_type: str,
        importance: str,
        contact_id: uuid.UUID | None,
        tags: Sequence[str],
    ) -> dict[str, Any]:
        digest = hashlib.sha256(content.strip().lower().encode()).hexdigest()
        existing = self.scope.first(
            Memory, Memory.content_hash == digest, Memory.deleted_at.is_(None)
        )
        if existing is not None:
            return {"id": str(existing.id), "duplicate": True}
        memory = self.scope.insert(
            Memory(
                content=content.strip(),
                content_hash=digest,
                memory_type=memory_type,
                importance=importance,
                contact_id=contact_id,
                user_id=self.user_id,
                session_id=self.session_id,
                tags=list(tags),
                meta={"source": "agent"},
            )
        )
        return {"id": str(memory.id), "duplicate": False}

    def search_kb(self, query: str, *, limit: int) -> list[dict[str, Any]]:
        terms = _terms(query)
        if not terms:
            return []
        docs = self.scope.all(
            KbDocument,
            KbDocument.deleted_at.is_(None),
            or_(*(KbDocument.content.ilike(f"%{t}%") for t in terms)),
            limit=limit,
        )
        return [{"title": d.title, "text": _excerpt(d.content, terms)} for d in docs]


class ServiceMemory:
    """:class:`tools.base.MemoryPort` over the memory area's ``MemoryService``."""

    def __init__(self, service: Any, scope: ProjectScope, user_id: Any, session_id: Any) -> None:
        self.service = service
        self.scope = scope
        self.user_id = user_id
        self.session_id = session_id

    def search(
        self, query: str, *, contact_id: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        filters = {"contact_id": contact_id} if contact_id else {}
        return [
            {
                "id": e.id,
                "content": e.content,
                "type": e.memory_type,
                "contact_id": str(e.contact_id) if e.contact_id else None,
                "score": round(e.score, 3) if e.score is not None else None,
            }
            for e in self.service.search(query, filters, limit)
        ]

    def store(
        self,
        content: str,
        *,
        memory_type: str,
        importance: str,
        contact_id: uuid.UUID | None,
        tags: Sequence[str],
    ) -> dict[str, Any]:
        metadata = {
            "memory_type": memory_type,
            "importance": importance,
            "contact_id": contact_id,
            "user_id": self.user_id,
            "session_id": self.session_id,
            "source": "agent",
        }
        entry = self.service.store(content, metadata, list(tags))
        return {"id": entry.id, "merged": entry.merged}

    def search_kb(self, query: str, *, limit: int) -> list[dict[str, Any]]:
        from memory.kb import search_kb

        return [
            {"title": hit.title, "heading": hit.heading, "text": hit.content[:400]}
            for hit in search_kb(self.scope, query, limit)
        ]


def memory_for(
    runtime: Any, scope: ProjectScope, user_id: uuid.UUID, session_id: Any
) -> MemoryPort:
    """The memory area's service when installed, else the keyword fallback."""
    try:
        import memory  # the memory area's package
    except ImportError:
        return KeywordMemory(scope, user_id, session_id)
    service_for = getattr(memory, "service_for", None)
    if service_for is None:
        return KeywordMemory(scope, user_id, session_id)
    return ServiceMemory(service_for(runtime, scope), scope, user_id, session_id)
