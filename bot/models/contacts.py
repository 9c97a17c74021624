"""Donors and prospects: contacts, their phone/email identities and tags."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, CreatedMixin, ProjectMixin, TimestampsMixin, enum_check
from bot.models.enums import CHANNELS, CONTACT_STATUSES, IDENTITY_TYPES
from bot.models.types import CompactUuid, UTCDateTime


def _sparse_index(column: str) -> Index:
    """``(project_id, column)`` over the contacts where ``column`` is set.

    Queries on it ask for a value (an operator, a time), never for NULL, so contacts
    without one (every imported contact) are left out of the index.
    """
    return _partial_index("project_id", column, where=f"{column} IS NOT NULL")


def _partial_index(*columns: str, where: str) -> Index:
    """An index over the rows matching ``where`` only. A query should repeat ``where`` in
    its own WHERE, as literal SQL: PostgreSQL's generic plans (and SQLite, for some
    conditions) use a partial index only when they can see it applies."""
    condition = text(where)
    return Index(None, *columns, sqlite_where=condition, postgresql_where=condition)


#: The tags next_contacts ranks by; the only tags looked up across a project, so the
#: only ones ``(project_id, tag)`` holds (changing them needs a migration, see 0012).
RANKED_TAGS = ("vip", "renewal")
#: ``WHERE`` of ``(project_id, tag, contact_id)``, repeated by the tagged pool.
RANKED = f"tag IN {RANKED_TAGS!r}"
#: ``WHERE`` of the strongest-relationships index, repeated by next_contacts' pool.
STRONG = "relationship_strength >= 4"
#: ``WHERE`` of ``(project_id, status)``: every contact but the active ones.
NOT_ACTIVE = "status <> 'active'"


class Contact(ProjectMixin, TimestampsMixin, Base):
    """A person the team fundraises from; soft-deleted through ``deleted_at``."""

    __tablename__ = "contacts"
    __table_args__ = (
        enum_check("status", CONTACT_STATUSES),
        enum_check("primary_channel", CHANNELS),
        CheckConstraint("relationship_strength BETWEEN 1 AND 5", name="relationship_strength"),
        # Partial (migration 0012): active is the default, every imported contact's
        # status, and no query asks for all of them through this index.
        _partial_index("project_id", "status", where=NOT_ACTIVE),
        # next_contacts' "longest uncontacted" pool walks it in order (migration 0006_perf).
        Index(None, "project_id", "last_contacted_at", "id"),
        # Partial (migration 0010): its one query asks for a time at or before now.
        _sparse_index("next_suggested_at"),
        # next_contacts' "strongest relationships" pool (migration 0003), which offers
        # strengths 4 and 5 only (partial since 0012: 3 is every imported contact's).
        _partial_index("project_id", "relationship_strength", "id", where=STRONG),
        _sparse_index("assigned_to_user_id"),
        Index(None, "project_id", "display_name"),
    )

    display_name: Mapped[str] = mapped_column(Text, nullable=False)
    primary_channel: Mapped[str] = mapped_column(Text, nullable=False, default="whatsapp")
    relationship_strength: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=3)
    capacity_band: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="active")
    last_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    assigned_to_user_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("users.id")
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactIdentity(ProjectMixin, CreatedMixin, Base):
    """A phone number (E.164), email address, UPI VPA or bank-name spelling of one contact.

    ``upi_vpa`` and ``bank_name`` rows are written when an operator or admin confirms a
    payment match (:mod:`bot.reconcile.identities`), so the next payment matches exactly.
    """

    __tablename__ = "contact_identities"
    __table_args__ = (
        enum_check("type", IDENTITY_TYPES),
        UniqueConstraint("project_id", "type", "value"),
        # A contact's identities, and SQLite's foreign-key check when a contact is
        # deleted, which needs contact_id first (0012; it was (project_id, contact_id)).
        Index(None, "contact_id"),
        # Every lookup by value names the type, so the unique index above serves it
        # ((project_id, value) was dropped in 0010).
    )

    contact_id: Mapped[uuid.UUID] = mapped_column(
        CompactUuid, ForeignKey("contacts.id"), nullable=False
    )
    type: Mapped[str] = mapped_column(Text, nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    is_primary: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_whatsapp_capable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ContactTag(ProjectMixin, CreatedMixin, Base):
    __tablename__ = "contact_tags"
    __table_args__ = (
        # Also a contact's tags: (project_id, contact_id) was the same walk (dropped in 0009).
        UniqueConstraint("contact_id", "tag"),
        # Partial (0012): next_contacts' tagged pool is the one lookup by tag; it walks
        # one tag's contacts in order and stops after a pool's worth.
        _partial_index("project_id", "tag", "contact_id", where=RANKED),
    )

    contact_id: Mapped[uuid.UUID] = mapped_column(
        CompactUuid, ForeignKey("contacts.id"), nullable=False
    )
    tag: Mapped[str] = mapped_column(Text, nullable=False)
