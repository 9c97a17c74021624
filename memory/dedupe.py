"""Whether a new memory says what one of its subject already says (then it is merged).

A memory is about one subject (a contact, an operator, or a memory type). A new one
that repeats a live memory of the same subject — the same text, or nearly the same by
cosine similarity of the embeddings (word overlap without a model) — updates that
memory instead of adding a second; rolling types keep one statement per subject.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from sqlalchemy import select

from bot.models import Memory
from bot.store import ProjectScope
from memory.embedder import from_blob
from memory.entries import MemoryMetadata, content_hash

#: Cosine similarity above which two memories of one subject say the same thing.
NEAR_DUPLICATE_COSINE = 0.9
#: Word-set overlap (Jaccard) used for the same decision when no model is loaded.
NEAR_DUPLICATE_JACCARD = 0.75
#: Memory types kept as one rolling statement per subject rather than a list.
ROLLING_TYPES = frozenset({"contact_history_summary"})
#: How many of a subject's most recent memories a new one is compared with.
NEAR_DUPLICATE_SCAN = 200


def find_duplicate(
    scope: ProjectScope, meta: MemoryMetadata, text: str, vector: np.ndarray | None
) -> Memory | None:
    """An existing memory of the same subject saying the same thing, if any."""
    digest = content_hash(text)
    same_text = scope.all(Memory, Memory.content_hash == digest, limit=50)
    rolling = meta.memory_type in ROLLING_TYPES and (meta.contact_id or meta.user_id)
    if not rolling:
        for row in same_text:
            if _same_subject(row.memory_type, row.contact_id, row.user_id, row.deleted_at, meta):
                return row
    for row_id, content, embedding in _subject_rows(scope, meta):
        if rolling or _is_near_duplicate(content, embedding, text, vector):
            return scope.get(Memory, row_id)
    return None


def _subject_rows(scope: ProjectScope, meta: MemoryMetadata) -> list[tuple[Any, str, Any]]:
    """The subject's most recent live memories as ``(id, content, embedding)``.

    Only the subject's own index column is put in SQL (the rest is checked here):
    an ``IS NULL`` on another indexed column can lure SQLite into scanning the
    whole project when no planner statistics exist.
    """
    if meta.contact_id is not None:
        narrow = Memory.contact_id == meta.contact_id
    elif meta.user_id is not None:
        narrow = Memory.user_id == meta.user_id
    else:
        narrow = Memory.memory_type == meta.memory_type
    stmt = (
        select(
            Memory.id,
            Memory.content,
            Memory.embedding,
            Memory.memory_type,
            Memory.contact_id,
            Memory.user_id,
            Memory.deleted_at,
        )
        .where(Memory.project_id == scope.project_id, narrow)
        .order_by(Memory.updated_at.desc())
        .limit(NEAR_DUPLICATE_SCAN)
    )
    return [
        (row_id, content, embedding)
        for row_id, content, embedding, kind, contact_id, user_id, deleted in scope.session.execute(
            stmt
        )
        if _same_subject(kind, contact_id, user_id, deleted, meta)
    ]


def _same_subject(
    memory_type: str, contact_id: Any, user_id: Any, deleted_at: Any, meta: MemoryMetadata
) -> bool:
    """Whether a stored memory is live and about the same subject as ``meta``."""
    return (
        deleted_at is None
        and memory_type == meta.memory_type
        and contact_id == meta.contact_id
        and user_id == meta.user_id
    )


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 1}


def _is_near_duplicate(content: str, embedding: Any, text: str, vector: np.ndarray | None) -> bool:
    if vector is not None and embedding is not None:
        stored = from_blob(embedding)
        if stored.shape == vector.shape:
            return float(stored @ vector) >= NEAR_DUPLICATE_COSINE
    a, b = _words(content), _words(text)
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= NEAR_DUPLICATE_JACCARD
