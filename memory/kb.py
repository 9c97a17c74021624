"""The knowledge base: pitch scripts, objection handling and compliance snippets.

A document is kept whole in ``kb_documents`` and split by markdown heading into chunks
in the ``kb`` vector namespace (``kb:{doc_id}:{n}``). Re-adding a document with the same
title replaces it; unchanged chunks keep their embeddings.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_

from bot.models import KbDocument
from bot.models.types import utcnow
from bot.store import ProjectScope
from memory.entries import MemoryError, content_hash
from memory.loading import FROM_RUNTIME, resolve_embedder
from memory.vectors import VectorIndex

MAX_DOCUMENT = 200_000
MAX_CHUNK = 1500
HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")


@dataclass
class Chunk:
    heading: str
    text: str


@dataclass
class KbHit:
    """One knowledge-base passage found for a query."""

    title: str
    heading: str
    content: str
    score: float
    document_id: str


def chunk_document(title: str, text: str) -> list[Chunk]:
    """Split markdown (or plain text) at headings; long sections split at paragraphs."""
    sections: list[Chunk] = []
    heading, lines = title, list[str]()
    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            sections.append(Chunk(heading, "\n".join(lines).strip()))
            heading, lines = match.group(2), []
        else:
            lines.append(line)
    sections.append(Chunk(heading, "\n".join(lines).strip()))
    chunks: list[Chunk] = []
    for section in sections:
        if section.text:
            chunks += [Chunk(section.heading, part) for part in _paragraph_groups(section.text)]
    return chunks


def _paragraph_groups(text: str) -> list[str]:
    groups, current = [], ""
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if current and len(current) + len(paragraph) + 2 > MAX_CHUNK:
            groups.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}".strip() if current else paragraph[: MAX_CHUNK * 4]
    if current:
        groups.append(current)
    return [g[:MAX_CHUNK] for g in groups]


def add_document(
    scope: ProjectScope,
    title: str,
    text: str,
    filename: str | None = None,
    *,
    embedder: Any = FROM_RUNTIME,
) -> KbDocument:
    """Add (or replace, by title) a knowledge-base document and index its chunks.

    Raises:
        MemoryError: empty title or text, or a document too large (nothing is written).
    """
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise MemoryError("a knowledge-base document needs a title")
    if not text:
        raise MemoryError(f"{title!r} is empty")
    if len(text) > MAX_DOCUMENT:
        raise MemoryError(f"{title!r} is larger than {MAX_DOCUMENT:,} characters")
    digest = content_hash(text)
    doc = scope.first(KbDocument, KbDocument.title == title, KbDocument.deleted_at.is_(None))
    if doc is None:
        doc = scope.insert(
            KbDocument(title=title, filename=filename, content=text, content_hash=digest)
        )
    elif doc.content_hash != digest or doc.filename != filename:
        scope.update(doc, content=text, content_hash=digest, filename=filename)
    _index_chunks(scope, doc, resolve_embedder(scope, embedder))
    return doc


def _index_chunks(scope: ProjectScope, doc: KbDocument, embedder: Any) -> None:
    index = VectorIndex(scope, embedder)
    chunks = chunk_document(doc.title, doc.content)
    for n, chunk in enumerate(chunks):
        index.upsert(
            "kb",
            f"kb:{doc.id}:{n:03d}",
            f"{chunk.heading}\n{chunk.text}" if chunk.heading != doc.title else chunk.text,
            {
                "type": "kb_doc",
                "doc_id": str(doc.id),
                "title": doc.title,
                "heading": chunk.heading,
                "source": "import",
            },
        )
    kept = {f"kb:{doc.id}:{n:03d}" for n in range(len(chunks))}
    index.delete_prefix("kb", f"kb:{doc.id}:", keep=kept)


def reindex_documents(
    scope: ProjectScope,
    *,
    embedder: Any = FROM_RUNTIME,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Chunk and index every live document (e.g. ones seeded straight into the table).

    Unchanged chunks that already carry this model's embedding are left alone.
    ``progress(done, total)`` is called after each document (a command's progress bar).
    Returns the number of documents indexed.
    """
    model = resolve_embedder(scope, embedder)
    docs = list_documents(scope)
    for done, doc in enumerate(docs, start=1):
        _index_chunks(scope, doc, model)
        if progress is not None:
            progress(done, len(docs))
    return len(docs)


def list_documents(scope: ProjectScope) -> list[KbDocument]:
    """The project's documents, by title."""
    return scope.all(KbDocument, KbDocument.deleted_at.is_(None), order_by=KbDocument.title)


def remove_document(scope: ProjectScope, ref: str) -> KbDocument:
    """Soft-delete a document (by id or title) and drop its chunks from ``kb``."""
    conditions = [KbDocument.title == ref]
    with contextlib.suppress(ValueError):
        conditions.append(KbDocument.id == uuid.UUID(str(ref)))
    doc = scope.first(KbDocument, or_(*conditions), KbDocument.deleted_at.is_(None))
    if doc is None:
        raise MemoryError(f"no knowledge-base document {ref!r}")
    scope.update(doc, deleted_at=utcnow())
    VectorIndex(scope).delete_prefix("kb", f"kb:{doc.id}:")
    return doc


def search_kb(
    scope: ProjectScope, query: str, limit: int = 5, *, embedder: Any = FROM_RUNTIME
) -> list[KbHit]:
    """Knowledge-base passages relevant to ``query``, best first."""
    limit = max(1, min(20, int(limit)))
    hits = VectorIndex(scope, resolve_embedder(scope, embedder)).search("kb", query, limit)
    return [
        KbHit(
            title=str(hit.metadata.get("title", "")),
            heading=str(hit.metadata.get("heading", "")),
            content=hit.content,
            score=hit.score,
            document_id=str(hit.metadata.get("doc_id", "")),
        )
        for hit in hits
    ]
