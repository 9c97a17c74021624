"""What happens on call time: interactions, pledges, payments, follow-ups, leaderboards."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, CreatedMixin, ProjectMixin, contact_fk_index, enum_check
from bot.models.enums import (
    CHANNELS,
    DIRECTIONS,
    FOLLOWUP_STATUSES,
    LEADERBOARD_SCOPES,
    OUTCOMES,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    PLEDGE_STATUSES,
)
from bot.models.types import CompactUuid, Money, UTCDateTime, utcnow


def _contact_fk() -> Mapped[uuid.UUID]:
    return mapped_column(CompactUuid, ForeignKey("contacts.id"), nullable=False)


class Interaction(ProjectMixin, CreatedMixin, Base):
    """The canonical log of every touch with a contact."""

    __tablename__ = "interactions"
    __table_args__ = (
        enum_check("channel", CHANNELS),
        enum_check("direction", DIRECTIONS),
        enum_check("outcome", OUTCOMES),
        Index(None, "project_id", "contact_id", "occurred_at"),
        contact_fk_index(),
        Index(None, "project_id", "campaign_id", "occurred_at"),
        Index(None, "project_id", "outcome", "occurred_at"),
        Index(None, "project_id", "created_by_user_id", "occurred_at"),
    )

    campaign_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("campaigns.id"))
    contact_id: Mapped[uuid.UUID] = _contact_fk()
    session_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("sessions.id"))
    channel: Mapped[str] = mapped_column(Text, nullable=False)
    direction: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[str] = mapped_column(Text, nullable=False)
    summary: Mapped[str | None] = mapped_column(Text)
    amount_pledged: Mapped[Decimal | None] = mapped_column(Money)
    amount_received: Mapped[Decimal | None] = mapped_column(Money)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("users.id")
    )


class Pledge(ProjectMixin, Base):
    __tablename__ = "pledges"
    __table_args__ = (
        enum_check("status", PLEDGE_STATUSES),
        CheckConstraint("amount > 0", name="amount"),
        Index(None, "project_id", "status"),
        # next_contacts' "open pledges near expected_by" pool (migration 0003).
        Index(None, "project_id", "status", "expected_by"),
        Index(None, "project_id", "contact_id", "pledged_at"),
        contact_fk_index(),
        Index(None, "project_id", "status", "pledged_at"),  # admin: open pledges by age
    )

    campaign_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("campaigns.id"))
    contact_id: Mapped[uuid.UUID] = _contact_fk()
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("interactions.id")
    )
    currency: Mapped[str] = mapped_column(Text, nullable=False, default="INR")
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    pledged_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expected_by: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="open")
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("users.id")
    )


class Payment(ProjectMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        enum_check("method", PAYMENT_METHODS, nullable=True),
        enum_check("status", PAYMENT_STATUSES),
        CheckConstraint("amount > 0", name="amount"),
        Index(None, "project_id", "paid_at"),
        Index(None, "project_id", "contact_id", "paid_at"),
        contact_fk_index(),
        Index(None, "project_id", "pledge_id"),
    )

    campaign_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("campaigns.id"))
    contact_id: Mapped[uuid.UUID] = _contact_fk()
    pledge_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("pledges.id"))
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("interactions.id")
    )
    currency: Mapped[str] = mapped_column(Text, nullable=False, default="INR")
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    method: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="confirmed")
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("users.id")
    )


class Followup(ProjectMixin, CreatedMixin, Base):
    """A promise to get back to a contact; the scheduler nudges when it falls due."""

    __tablename__ = "followups"
    __table_args__ = (
        enum_check("status", FOLLOWUP_STATUSES),
        Index(None, "project_id", "status", "due_at"),
        Index(None, "project_id", "assigned_to_user_id", "due_at"),
        Index(None, "project_id", "contact_id", "due_at"),
        contact_fk_index(),
        Index(None, "status", "due_at"),
        Index(None, "project_id", "due_at"),  # admin follow-ups list
    )

    campaign_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("campaigns.id"))
    contact_id: Mapped[uuid.UUID] = _contact_fk()
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("interactions.id")
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="scheduled")
    reason: Mapped[str | None] = mapped_column(Text)
    suggested_message: Mapped[str | None] = mapped_column(Text)
    assigned_to_user_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("users.id")
    )
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        CompactUuid, ForeignKey("users.id")
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once by the scheduler run that claims the follow-up for a nudge.
    nudge_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudge_claimed_by: Mapped[str | None] = mapped_column(Text)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudge_message_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid)


class LeaderboardDaily(ProjectMixin, CreatedMixin, Base):
    """Nightly totals per operator (scope ``user``) or team (scope ``team``)."""

    __tablename__ = "leaderboards_daily"
    __table_args__ = (
        enum_check("scope", LEADERBOARD_SCOPES),
        UniqueConstraint("project_id", "date", "scope", "scope_id"),
    )

    date: Mapped[date] = mapped_column(Date, nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    scope_id: Mapped[uuid.UUID] = mapped_column(CompactUuid, nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("users.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(CompactUuid, ForeignKey("teams.id"))
    calls: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    connects: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pledges_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pledged_amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
    received_amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal(0))
