"""``stats``: today's calls, connects, pledges and receipts against the day's goal.

"Today" is the operator's local day. The goal is today's ``campaign_goals`` row of
the campaign in play (the session's, else the active campaign with a goal today);
progress towards it counts every operator's pledges today for that campaign (and
pledges without a campaign). The pace line turns what is left into connects at the
operator's own pledged-per-connect rate today (the team's when they have none yet).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select

from bot.engine.amounts import format_money
from bot.engine.records import CONNECTS
from bot.engine.timezones import operator_tz
from bot.engine.when import local_day_bounds
from bot.engine.wording import day_text, plural
from bot.models import (
    Campaign,
    CampaignGoal,
    Interaction,
    Payment,
    Pledge,
    Project,
    Team,
    TeamMember,
    User,
)
from bot.store import ProjectScope

ZERO = Decimal("0.00")


class Stats(BaseModel):
    """One operator's day, the campaign's goal and pace."""

    day: date
    calls: int = 0
    connects: int = 0
    pledges_count: int = 0
    pledged_amount: Decimal = ZERO
    received_amount: Decimal = ZERO
    campaign_name: str | None = None
    target_amount: Decimal | None = None
    campaign_pledged: Decimal = ZERO
    remaining: Decimal | None = None
    connects_needed: int | None = None
    personal_best: Decimal | None = None
    leaderboard: list[tuple[str, Decimal]] = Field(default_factory=list)

    def as_text(self) -> str:
        """The WhatsApp reply."""
        lines = [
            f"Today ({day_text(self.day)}): {plural(self.calls, 'call')}, "
            f"{plural(self.connects, 'connect')}, "
            f"{plural(self.pledges_count, 'pledge')} {format_money(self.pledged_amount)}, "
            f"received {format_money(self.received_amount)}."
        ]
        if self.target_amount is not None:
            lines.append(
                f"Goal{f' ({self.campaign_name})' if self.campaign_name else ''}: "
                f"{format_money(self.campaign_pledged)} of {format_money(self.target_amount)}."
            )
            if self.remaining and self.remaining > 0:
                pace = f"{format_money(self.remaining)} to go"
                if self.connects_needed:
                    more = plural(self.connects_needed, "more connect")
                    pace += f" – about {more} at today's rate"
                lines.append(pace + ".")
            else:
                lines.append("Goal reached – well done!")
        else:
            lines.append("No goal set for today.")
        if self.personal_best:
            best = (
                "new personal best!"
                if self.pledged_amount > self.personal_best
                else f"personal best {format_money(self.personal_best)}"
            )
            lines.append(best.capitalize() if best.startswith("new") else f"Your {best}.")
        if self.leaderboard:
            board = " · ".join(
                f"{i}. {name.split()[0]} {format_money(amount)}"
                for i, (name, amount) in enumerate(self.leaderboard, 1)
            )
            lines.append(f"Team: {board}")
        return "\n".join(lines)


def _sum(scope: ProjectScope, column: Any, *where: Any) -> Decimal:
    total = scope.session.scalar(select(func.coalesce(func.sum(column), 0)).where(*where))
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def _goal(
    scope: ProjectScope, day: date, campaign_id: uuid.UUID | None
) -> tuple[Campaign | None, CampaignGoal | None]:
    where = [CampaignGoal.date == day]
    if campaign_id is not None:
        where.append(CampaignGoal.campaign_id == campaign_id)
    goal = scope.first(CampaignGoal, *where, order_by=CampaignGoal.created_at)
    if goal is None:
        campaign = scope.get(Campaign, campaign_id) if campaign_id else None
        return campaign, None
    return scope.get(Campaign, goal.campaign_id), goal


def _personal_best(scope: ProjectScope, user: User, start: datetime, tz: Any) -> Decimal | None:
    rows = scope.session.execute(
        select(Pledge.pledged_at, Pledge.amount).where(
            Pledge.project_id == scope.project_id,
            Pledge.created_by_user_id == user.id,
            Pledge.pledged_at >= start - timedelta(days=90),
            Pledge.pledged_at < start,
        )
    )
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    for pledged_at, amount in rows:
        per_day[pledged_at.astimezone(tz).date()] += amount
    return max(per_day.values()) if per_day else None


def _leaderboard(
    scope: ProjectScope, user: User, start: datetime, end: datetime
) -> list[tuple[str, Decimal]]:
    team_ids = (
        select(TeamMember.team_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(
            TeamMember.project_id == scope.project_id,
            TeamMember.user_id == user.id,
            Team.leaderboard_enabled.is_(True),
        )
    )
    members = scope.all(
        User,
        User.id.in_(
            select(TeamMember.user_id).where(
                TeamMember.project_id == scope.project_id, TeamMember.team_id.in_(team_ids)
            )
        ),
    )
    board = [
        (
            m.full_name,
            _sum(
                scope,
                Pledge.amount,
                Pledge.project_id == scope.project_id,
                Pledge.created_by_user_id == m.id,
                Pledge.pledged_at >= start,
                Pledge.pledged_at < end,
            ),
        )
        for m in members
    ]
    return sorted(board, key=lambda item: (-item[1], item[0]))[:5]


def campaign_stats(
    scope: ProjectScope, user: User, now: datetime, *, campaign_id: uuid.UUID | None = None
) -> Stats:
    """Today's figures for ``user`` and the goal of the campaign in play."""
    tz = operator_tz(user, scope.session.get(Project, scope.project_id))
    start, end = local_day_bounds(now, tz)
    mine = [
        Interaction.project_id == scope.project_id,
        Interaction.created_by_user_id == user.id,
        Interaction.occurred_at >= start,
        Interaction.occurred_at < end,
    ]
    pledged_today = [
        Pledge.project_id == scope.project_id,
        Pledge.pledged_at >= start,
        Pledge.pledged_at < end,
        Pledge.status != "cancelled",
    ]
    stats = Stats(
        day=now.astimezone(tz).date(),
        calls=scope.count(Interaction, *mine[1:]),
        connects=scope.count(Interaction, *mine[1:], Interaction.outcome.in_(CONNECTS)),
        pledges_count=scope.count(Pledge, *pledged_today[1:], Pledge.created_by_user_id == user.id),
        pledged_amount=_sum(
            scope, Pledge.amount, *pledged_today, Pledge.created_by_user_id == user.id
        ),
        received_amount=_sum(
            scope,
            Payment.amount,
            Payment.project_id == scope.project_id,
            Payment.created_by_user_id == user.id,
            Payment.paid_at >= start,
            Payment.paid_at < end,
            Payment.status == "confirmed",
        ),
        personal_best=_personal_best(scope, user, start, tz),
        leaderboard=_leaderboard(scope, user, start, end),
    )
    campaign, goal = _goal(scope, stats.day, campaign_id)
    stats.campaign_name = campaign.name if campaign else None
    if goal is not None:
        stats.target_amount = goal.target_amount
        stats.campaign_pledged = _sum(
            scope,
            Pledge.amount,
            *pledged_today,
            or_(Pledge.campaign_id == goal.campaign_id, Pledge.campaign_id.is_(None)),
        )
        stats.remaining = max(goal.target_amount - stats.campaign_pledged, ZERO)
        stats.connects_needed = _connects_needed(scope, stats, start, end)
    return stats


def _connects_needed(
    scope: ProjectScope, stats: Stats, start: datetime, end: datetime
) -> int | None:
    if not stats.remaining:
        return None
    pledged, connects = stats.pledged_amount, stats.connects
    if not connects or not pledged:
        connects = scope.count(
            Interaction,
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.outcome.in_(CONNECTS),
        )
        pledged = stats.campaign_pledged
    if not connects or not pledged:
        return None
    return math.ceil(stats.remaining / (pledged / connects))
