"""The memory service the tools use.

:func:`memory_for` adapts ``memory.service_for`` (local or ZeroDB backend, with its own
keyword fallback when no embedding model is installed) to :class:`tools.base.MemoryPort`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from bot.store import ProjectScope
from tools.base import MemoryPort


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
    """The memory service of the runtime's configured backend, as the tools' port."""
    from memory import service_for

    return ServiceMemory(service_for(runtime, scope), scope, user_id, session_id)
