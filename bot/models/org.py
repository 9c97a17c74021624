"""Projects (tenants), operators, teams, campaigns and their goals."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import (
    Base,
    CreatedMixin,
    IdMixin,
    ProjectMixin,
    TimestampsMixin,
    enum_check,
)
from bot.models.enums import CAMPAIGN_STATUSES, MEMBER_ROLES, ROLES
from bot.models.types import CompactUuid, JSONType, Money


class Project(IdMixin, TimestampsMixin, Base):
    """One organisation's workspace, reached through its own WhatsApp number."""

    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(Text, nullable=False)
    whatsapp_number: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    timezone: Mapped[str] = mapped_column(Text, nullable=False, default="Asia/Kolkata")
    currency: Mapped[str] = mapped_column(Text, nullable=False, default="INR")
    upi_vpa: Mapped[str | None] = mapped_column(Text)
    default_region: Mapped[str] = mapped_column(Text, nullable=False, default="IN")
    settings_json: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class User(ProjectMixin, TimestampsMixin, Base):
    """An operator or admin (never a donor)."""

    __tablename__ = "users"
    __table_args__ = (
        enum_check("role", ROLES),
        UniqueConstraint("project_id", "phone"),
        Index(None, "project_id", "role"),
        Index(None, "project_id", "is_active"),
    )

    full_name: Mapped[str] = mapped_column(Text, nullable=False)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    timezone: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(Text)
    quiet_hours_start: Mapped[str] = mapped_column(Text, nullable=False, default="09:00")
    quiet_hours_end: Mapped[str] = mapped_column(Text, nullable=False, default="21:00")
    morning_brief_at: Mapped[str | None] = mapped_column(Text, default="08:30")
    #: Raised whenever the user's dashboard sessions must end (sign-out, new password,
    #: demotion, deactivation); see :mod:`bot.admin.security`.
    session_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )


#: Changing any of these ends the user's dashboard sessions (a new session version).
ACCESS_FIELDS = ("role", "is_active", "password_hash", "project_id", "email", "phone")


@event.listens_for(User, "before_update")
def _new_session_version(_mapper: Any, _connection: Any, user: User) -> None:
    """Raise ``session_version`` whenever what a session was granted on changes.

    A mapper event, so every ORM write path (CLI, dashboard, tests) is covered; a bulk
    ``UPDATE users`` bypasses it and must raise the version itself.
    """
    attrs = inspect(user).attrs
    if any(attrs[name].history.has_changes() for name in ACCESS_FIELDS):
        user.session_version = (user.session_version or 0) + 1


class Team(ProjectMixin, TimestampsMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (Index(None, "project_id", "name"),)

    name: Mapped[str] = mapped_column(Text, nullable=False)
    leaderboard_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class TeamMember(ProjectMixin, CreatedMixin, Base):
    __tablename__ = "team_members"
    __table_args__ = (
        enum_check("member_role", MEMBER_ROLES),
        UniqueConstraint("team_id", "user_id"),
        Index(None, "project_id", "user_id"),
    )

    team_id: Mapped[uuid.UUID] = mapped_column(CompactUuid, ForeignKey("teams.id"), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(CompactUuid, ForeignKey("users.id"), nullable=False)
    member_role: Mapped[str] = mapped_column(Text, nullable=False, default="MEMBER")


class Campaign(ProjectMixin, TimestampsMixin, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        enum_check("status", CAMPAIGN_STATUSES),
        Index(None, "project_id", "status"),
        Index(None, "project_id", "start_date"),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="active")


class CampaignGoal(ProjectMixin, CreatedMixin, Base):
    """A day's target for a campaign."""

    __tablename__ = "campaign_goals"
    __table_args__ = (
        UniqueConstraint("campaign_id", "date"),
        CheckConstraint("target_amount >= 0", name="target_amount"),
        Index(None, "project_id", "campaign_id", "date"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        CompactUuid, ForeignKey("campaigns.id"), nullable=False
    )
    date: Mapped[date] = mapped_column(Date, nullable=False)
    target_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    target_contacts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
