"""Storage for the memory API: memories, vector records and knowledge-base documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, ProjectMixin, TimestampsMixin, contact_fk_index, enum_check
from bot.models.enums import IMPORTANCE, MEMORY_TYPES, NAMESPACES
from bot.models.types import CompactUuid, JSONType, UTCDateTime

#: float32 bytes on SQLite (searched exactly with numpy); pgvector on PostgreSQL.
EmbeddingType = LargeBinary().with_variant(VECTOR(), "postgresql")


class Memory(ProjectMixin, TimestampsMixin, Base):
    """A short, high-signal statement the agent remembers (data model §4.3)."""

    __tablename__ = "memories"
    __table_args__ = (
        enum_check("memory_type", MEMORY_TYPES),
        enum_check("importance", IMPORTANCE),
        Index(None, "project_id", "contact_id"),
        contact_fk_index(),
        Index(None, "project_id", "user_id"),
        Index(None, "project_id", "memory_type"),
        Index(None, "project_id", "content_hash"),
    )

    content: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(Text, nullable=False)
    memory_type: Mapped[str] = mapped_column(Text, nullable=False)
    importance: Mapped[str] = mapped_column(Text, nullable=False, default="medium")
    contact_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("contacts.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("users.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, nullable=False, default=dict)
    embedding: Mapped[Any] = mapped_column(EmbeddingType, nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(Text)
    embedding_dim: Mapped[int | None] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VectorRecord(ProjectMixin, TimestampsMixin, Base):
    """An embedded text in a namespace, addressed by its stable string id."""

    __tablename__ = "vectors"
    __table_args__ = (
        enum_check("namespace", NAMESPACES),
        UniqueConstraint("project_id", "namespace", "vector_id"),
        Index(None, "project_id", "contact_id"),
    )

    namespace: Mapped[str] = mapped_column(Text, nullable=False)
    vector_id: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(Text, nullable=False)
    embedding: Mapped[Any] = mapped_column(EmbeddingType, nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(Text)
    embedding_dim: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, nullable=False, default=dict)


class KbDocument(ProjectMixin, TimestampsMixin, Base):
    """A knowledge-base source (pitch script, objection handling …); chunks live in ``kb``."""

    __tablename__ = "kb_documents"
    __table_args__ = (Index(None, "project_id", "title"),)

    title: Mapped[str] = mapped_column(Text, nullable=False)
    filename: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(Text, nullable=False)
    file_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("files.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
