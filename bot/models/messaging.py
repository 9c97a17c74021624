"""WhatsApp sessions, the message log that doubles as the durable queue, and files."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, CreatedMixin, ProjectMixin, TimestampsMixin, enum_check
from bot.models.enums import CHANNELS, DIRECTIONS, FILE_ENTITY_TYPES, MESSAGE_STATUSES
from bot.models.types import CompactUuid, JSONType, UTCDateTime, utcnow


class ChatSession(ProjectMixin, Base):
    """An operator's conversation with the bot; ``state_json`` is the planner's state."""

    __tablename__ = "sessions"
    __table_args__ = (
        enum_check("channel", CHANNELS),
        Index(None, "project_id", "user_id", "last_activity_at"),
        Index(None, "project_id", "whatsapp_thread_id"),
        Index(None, "project_id", "last_activity_at"),  # admin conversations list
    )

    user_id: Mapped[uuid.UUID] = mapped_column(CompactUuid, ForeignKey("users.id"), nullable=False)
    team_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("teams.id"))
    channel: Mapped[str] = mapped_column(Text, nullable=False, default="whatsapp")
    whatsapp_thread_id: Mapped[str | None] = mapped_column(Text)
    state_json: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(ProjectMixin, TimestampsMixin, Base):
    """One WhatsApp message in or out.

    Inbound rows are the work queue: ``queued`` → ``processing`` (with a lease) →
    ``done``, ``failed`` or ``ignored``; a handled message whose reply Twilio has not
    taken yet is ``pending`` until it is (``done``) or is refused (``undelivered``).
    Outbound rows: see :mod:`bot.whatsapp.redelivery`. ``twilio_sid`` is unique, which
    is what makes a webhook retried by Twilio a no-op.
    """

    __tablename__ = "messages_inbound_outbound"
    __table_args__ = (
        enum_check("direction", DIRECTIONS),
        enum_check("channel", CHANNELS),
        enum_check("status", MESSAGE_STATUSES),
        Index(None, "project_id", "created_at"),
        Index(None, "status", "direction", "created_at"),
        Index(None, "thread_key", "created_at"),
        Index(None, "project_id", "session_id", "created_at"),
        Index(None, "project_id", "user_id", "created_at"),
        Index(None, "reply_to_id"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("users.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("sessions.id"))
    direction: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(Text, nullable=False, default="whatsapp")
    #: Who queued the message: ``whatsapp`` (Twilio's signed webhook), ``simulator``
    #: (the demo page) or ``local`` (``calltime chat``, tests); see ``ORIGINS``.
    origin: Mapped[str] = mapped_column(
        Text, nullable=False, default="whatsapp", server_default="whatsapp"
    )
    twilio_sid: Mapped[str | None] = mapped_column(Text, unique=True)
    thread_key: Mapped[str | None] = mapped_column(Text)
    from_number: Mapped[str] = mapped_column(Text, nullable=False)
    to_number: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    num_media: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    media_json: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    profile_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    content_sid: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class File(ProjectMixin, CreatedMixin, Base):
    """Metadata of a stored file (WhatsApp media, knowledge-base sources)."""

    __tablename__ = "files"
    __table_args__ = (Index(None, "project_id", "created_at"),)

    filename: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    storage_url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(Text)
    # ``metadata`` is reserved by SQLAlchemy's declarative base, hence the attribute name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, nullable=False, default=dict)


class FileLink(ProjectMixin, CreatedMixin, Base):
    __tablename__ = "file_links"
    __table_args__ = (
        enum_check("entity_type", FILE_ENTITY_TYPES),
        Index(None, "project_id", "entity_type", "entity_id"),
        Index(None, "project_id", "file_id"),
    )

    file_id: Mapped[str] = mapped_column(Text, nullable=False)
    entity_type: Mapped[str] = mapped_column(Text, nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(CompactUuid, nullable=False)
