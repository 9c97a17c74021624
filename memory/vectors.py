"""Vector records in namespaces (``kb``, ``contacts``, ``interactions``, ``campaigns``).

Ids follow the data model: ``contact:{id}:profile:v1``, ``interaction:{id}:summary``,
``kb:{doc_id}`` (chunks extend it: ``kb:{doc_id}:{n}``). Every vector stores its model
name and dimension, and a namespace never mixes models: storing or searching with
another model is refused with :class:`EmbeddingModelMismatch`. Text whose content hash
is unchanged is not embedded again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.models import VectorRecord
from bot.models.enums import NAMESPACES
from bot.store import ProjectScope
from memory.embedder import Embedder, to_blob
from memory.entries import EmbeddingModelMismatch, MemoryError, content_hash
from memory.search import fuse, keyword_ranking, vector_ranking

METADATA_TYPES = (
    "kb_doc",
    "contact_note",
    "contact_profile",
    "interaction_summary",
    "campaign_brief",
)
SOURCES = ("wa", "call", "import", "manual")
MAX_TEXT = 8000


@dataclass
class VectorHit:
    """One search result from a namespace."""

    vector_id: str
    content: str
    score: float
    metadata: dict[str, Any]
    contact_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None


def set_embedding(session: Session, row: Any, vector: np.ndarray, model_name: str) -> None:
    """Attach an embedding to ``row`` (derived data: not audited, recomputed at will)."""
    value: Any = to_blob(vector) if session.get_bind().dialect.name == "sqlite" else vector
    row.embedding = value
    row.embedding_model = model_name
    row.embedding_dim = int(vector.shape[0])
    session.flush()


def check_model(
    scope: ProjectScope, model: Any, where: list[Any], embedder: Embedder, label: str
) -> None:
    """Refuse ``embedder`` when the rows selected by ``where`` were embedded by another model.

    Every embedded row passed this check when it was written, so one row tells the
    model of the whole namespace.
    """
    stmt = (
        scope.select(model, *where, model.embedding_model.is_not(None))
        .with_only_columns(model.embedding_model, model.embedding_dim)
        .limit(1)
    )
    held = scope.session.execute(stmt).first()
    if held is not None and (held[0], held[1]) != (embedder.model_name, embedder.dim):
        raise EmbeddingModelMismatch(
            f"namespace {label!r} holds {held[1]}-dim vectors of {held[0]}; refusing "
            f"{embedder.dim}-dim vectors of {embedder.model_name} (re-embed the namespace "
            f"or load the model it was built with)"
        )


class VectorIndex:
    """Upsert, search and delete one project's vector records.

    Args:
        scope: the project every statement is restricted to.
        embedder: the loaded model, or ``None`` (records are kept for keyword search and
            embedded once a model is available).
    """

    def __init__(self, scope: ProjectScope, embedder: Embedder | None = None) -> None:
        self.scope = scope
        self.embedder = embedder

    def upsert(
        self,
        namespace: str,
        vector_id: str,
        content: str,
        metadata: dict[str, Any] | None = None,
        *,
        contact_id: uuid.UUID | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> VectorRecord:
        """Store ``content`` under ``vector_id``; unchanged text is not re-embedded."""
        _check_namespace(namespace)
        text = (content or "").strip()
        if not text or len(text) > MAX_TEXT:
            raise MemoryError(f"vector text must be 1 to {MAX_TEXT:,} characters")
        digest = content_hash(text)
        meta = {"project_id": str(self.scope.project_id), **(metadata or {})}
        row = self.scope.first(
            VectorRecord, VectorRecord.namespace == namespace, VectorRecord.vector_id == vector_id
        )
        fresh = row is not None and self._is_embedded(row, digest)
        if row is None:
            row = self.scope.insert(
                VectorRecord(
                    namespace=namespace,
                    vector_id=vector_id,
                    content=text,
                    content_hash=digest,
                    contact_id=contact_id,
                    campaign_id=campaign_id,
                    meta=meta,
                )
            )
        elif row.content_hash != digest or row.meta != meta:
            self.scope.update(row, content=text, content_hash=digest, meta=meta)
        if not fresh and self.embedder is not None:
            where = [VectorRecord.namespace == namespace]
            check_model(self.scope, VectorRecord, where, self.embedder, namespace)
            vector = self.embedder.embed([text])[0]
            set_embedding(self.scope.session, row, vector, self.embedder.model_name)
        return row

    def _is_embedded(self, row: VectorRecord, digest: str) -> bool:
        """Whether ``row`` already holds this text's embedding (by the current model)."""
        if row.content_hash != digest or row.embedding is None:
            return False
        return self.embedder is None or row.embedding_model == self.embedder.model_name

    def search(
        self,
        namespace: str,
        query: str,
        limit: int = 5,
        *,
        contact_id: uuid.UUID | None = None,
        exclude_contact_id: uuid.UUID | None = None,
        vector_id_prefix: str | None = None,
    ) -> list[VectorHit]:
        """Records of ``namespace`` relevant to ``query``, best first."""
        _check_namespace(namespace)
        where: list[Any] = [
            VectorRecord.project_id == self.scope.project_id,
            VectorRecord.namespace == namespace,
        ]
        if contact_id is not None:
            where.append(VectorRecord.contact_id == contact_id)
        if exclude_contact_id is not None:
            where.append(
                (VectorRecord.contact_id != exclude_contact_id) | VectorRecord.contact_id.is_(None)
            )
        if vector_id_prefix:
            where.append(VectorRecord.vector_id.startswith(vector_id_prefix, autoescape=True))
        session = self.scope.session
        ranked = keyword_ranking(session, VectorRecord, where, query, limit * 3)
        if self.embedder is not None:
            check_model(
                self.scope,
                VectorRecord,
                [VectorRecord.namespace == namespace],
                self.embedder,
                namespace,
            )
            vector = self.embedder.embed([query])[0]
            nearest = vector_ranking(
                session, VectorRecord, where, vector, self.embedder.model_name, limit * 3
            )
            ranked = fuse([ranked, nearest], limit)
        return self._hits(ranked[:limit])

    def delete_prefix(
        self, namespace: str, vector_id_prefix: str, *, keep: set[str] | None = None
    ) -> int:
        """Delete every record of ``namespace`` whose id starts with the prefix (bar ``keep``)."""
        _check_namespace(namespace)
        stmt = delete(VectorRecord).where(
            VectorRecord.project_id == self.scope.project_id,
            VectorRecord.namespace == namespace,
            VectorRecord.vector_id.startswith(vector_id_prefix, autoescape=True),
        )
        if keep:
            stmt = stmt.where(VectorRecord.vector_id.not_in(sorted(keep)))
        result: Any = self.scope.session.execute(stmt)
        return int(result.rowcount or 0)

    def _hits(self, ranked: list[tuple[uuid.UUID, float]]) -> list[VectorHit]:
        hits = []
        for row_id, score in ranked:  # primary-key lookups, project-checked by the scope
            row = self.scope.get(VectorRecord, row_id)
            if row is not None:
                hits.append(
                    VectorHit(
                        vector_id=row.vector_id,
                        content=row.content,
                        score=round(score, 6),
                        metadata=dict(row.meta or {}),
                        contact_id=row.contact_id,
                        campaign_id=row.campaign_id,
                    )
                )
        return hits


def _check_namespace(namespace: str) -> None:
    if namespace not in NAMESPACES:
        raise MemoryError(f"unknown namespace {namespace!r}; use one of {', '.join(NAMESPACES)}")
