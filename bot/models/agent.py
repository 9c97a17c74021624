"""Accounting and audit: model usage, tool calls, feedback, events, the audit log, logins."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, CreatedMixin, IdMixin, ProjectMixin, enum_check
from bot.models.enums import AGENT_LOG_STATUSES, AUDIT_ACTIONS, PROMPT_TYPES, PROVIDERS
from bot.models.types import CompactUuid, JSONType, UTCDateTime, utcnow


class ProviderUsage(ProjectMixin, CreatedMixin, Base):
    """One row per model call: tokens, cache use, latency — the basis of cost reports."""

    __tablename__ = "provider_usage"
    __table_args__ = (
        enum_check("provider", PROVIDERS),
        Index(None, "project_id", "created_at"),
        Index(None, "project_id", "user_id", "created_at"),
        Index(None, "project_id", "session_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("users.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("sessions.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    provider: Mapped[str] = mapped_column(Text, nullable=False)
    model: Mapped[str] = mapped_column(Text, nullable=False)
    iterations: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    prompt_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    request_id: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    stop_reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class AgentLog(ProjectMixin, CreatedMixin, Base):
    """One row per tool call the model asked for, whether it ran, failed or was refused."""

    __tablename__ = "agent_logs"
    __table_args__ = (
        enum_check("status", AGENT_LOG_STATUSES),
        Index(None, "project_id", "created_at"),
        Index(None, "project_id", "session_id", "created_at"),
        Index(None, "project_id", "status", "created_at"),
        Index(None, "project_id", "action", "created_at"),
        Index(None, "project_id", "user_id", "created_at"),
    )

    session_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("sessions.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("users.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    agent_id: Mapped[str] = mapped_column(Text, nullable=False, default="calltime_operator")
    action: Mapped[str] = mapped_column(Text, nullable=False)
    tool_use_id: Mapped[str | None] = mapped_column(Text)
    input_json: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    result: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    execution_time_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class RlhfInteraction(ProjectMixin, CreatedMixin, Base):
    """Operator feedback on a reply or draft."""

    __tablename__ = "rlhf_interactions"
    __table_args__ = (
        enum_check("prompt_type", PROMPT_TYPES),
        Index(None, "project_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("users.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("sessions.id"))
    message_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    prompt_type: Mapped[str] = mapped_column(Text, nullable=False)
    provider: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    draft: Mapped[str | None] = mapped_column(Text)


class Event(ProjectMixin, Base):
    """An operational event (``session.started``, ``pledge.created`` …)."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "project_id", "event_type", "timestamp"),)

    event_type: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class AuditLog(ProjectMixin, Base):
    """Immutable record of every write; ``undo`` replays it backwards."""

    __tablename__ = "audit_log"
    __table_args__ = (
        enum_check("action", AUDIT_ACTIONS),
        Index(None, "table_name", "record_id"),
        Index(None, "project_id", "changed_by", "timestamp"),
        Index(None, "project_id", "turn_id"),
        Index(None, "project_id", "idempotency_key"),
    )

    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    record_id: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    changed_by: Mapped[str] = mapped_column(Text, nullable=False)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # The inbound message whose turn made the write: ``undo`` reverts a whole turn.
    turn_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)
    # Set by tool calls (turn + tool_use id) so a retried turn never writes twice.
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModelPrice(ProjectMixin, Base):
    """Admin-editable price per million tokens, used to turn usage into cost."""

    __tablename__ = "model_prices"
    __table_args__ = (UniqueConstraint("project_id", "provider", "model"),)

    provider: Mapped[str] = mapped_column(Text, nullable=False)
    model: Mapped[str] = mapped_column(Text, nullable=False)
    currency: Mapped[str] = mapped_column(Text, nullable=False, default="USD")
    input_per_mtok: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False)
    output_per_mtok: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False)
    cache_read_per_mtok: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False)
    cache_write_per_mtok: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class LoginToken(ProjectMixin, CreatedMixin, Base):
    """A single-use admin login link sent over WhatsApp (stored as a hash)."""

    __tablename__ = "login_tokens"
    __table_args__ = (Index(None, "token_hash", unique=True),)

    user_id: Mapped[uuid.UUID] = mapped_column(CompactUuid, ForeignKey("users.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(IdMixin, CreatedMixin, Base):
    """Failed and successful admin logins, for rate limiting (before a project is known)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "key", "created_at"),)

    key: Mapped[str] = mapped_column(Text, nullable=False)
    succeeded: Mapped[bool] = mapped_column(nullable=False, default=False)


class JobRun(IdMixin, Base):
    """One scheduler job execution across all projects: when, what it counted, errors."""

    __tablename__ = "job_runs"
    __table_args__ = (Index(None, "job_name", "started_at"),)

    job_name: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
