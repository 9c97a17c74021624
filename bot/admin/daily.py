"""Day-by-day series for the dashboard's charts, bucketed in the project's timezone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bot.admin.timeframe import as_date, day_bounds, local_day_expr, utc_offset_minutes
from bot.models import Campaign, CampaignGoal, Payment, Pledge, Project
from bot.models.types import quantize_amount
from bot.store import ProjectScope


@dataclass
class MoneyDay:
    """What was pledged and received on one local day, against that day's goal."""

    day: date
    pledged: Decimal = Decimal(0)
    received: Decimal = Decimal(0)
    goal: Decimal = Decimal(0)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def money_by_day(
    scope: ProjectScope, project: Project, now: datetime, first: date, last: date
) -> list[MoneyDay]:
    """Pledged (open or fulfilled), received (confirmed) and the goals of active
    campaigns, for every day from ``first`` to ``last``: three grouped queries."""
    start, _ = day_bounds(first, project.timezone)
    _, end = day_bounds(last, project.timezone)
    offset = utc_offset_minutes(now, project.timezone)
    series = {d: MoneyDay(d) for d in days_between(first, last)}
    pledged = _sums(
        scope,
        Pledge.amount,
        local_day_expr(scope.session, Pledge.pledged_at, offset),
        Pledge.project_id == scope.project_id,
        Pledge.pledged_at >= start,
        Pledge.pledged_at < end,
        Pledge.status.in_(("open", "fulfilled")),
    )
    received = _sums(
        scope,
        Payment.amount,
        local_day_expr(scope.session, Payment.paid_at, offset),
        Payment.project_id == scope.project_id,
        Payment.paid_at >= start,
        Payment.paid_at < end,
        Payment.status == "confirmed",
    )
    goals = _sums(
        scope,
        CampaignGoal.target_amount,
        CampaignGoal.date,
        CampaignGoal.project_id == scope.project_id,
        Campaign.project_id == scope.project_id,
        Campaign.status == "active",
        CampaignGoal.date >= first,
        CampaignGoal.date <= last,
        join=(Campaign, Campaign.id == CampaignGoal.campaign_id),
    )
    for day, row in series.items():
        row.pledged = pledged.get(day, Decimal(0))
        row.received = received.get(day, Decimal(0))
        row.goal = goals.get(day, Decimal(0))
    return list(series.values())


def _sums(
    scope: ProjectScope, column: Any, day: Any, *where: Any, join: tuple[Any, Any] | None = None
) -> dict[date, Decimal]:
    stmt = select(day, func.coalesce(func.sum(column), 0))
    if join is not None:
        stmt = stmt.join(*join)
    stmt = stmt.where(*where).group_by(day)
    return {as_date(d): quantize_amount(total) for d, total in scope.session.execute(stmt)}


def usage_by_day(
    rows: Sequence[Any], first: date, last: date, value: Callable[[Any], Any]
) -> list[tuple[date, Any]]:
    """``value`` of usage rows (anything with a ``day``) summed per day, a zero for days
    without model calls."""
    totals: dict[date, Any] = {}
    for row in rows:
        totals[row.day] = totals.get(row.day, 0) + value(row)
    return [(d, totals.get(d, 0)) for d in days_between(first, last)]


def money_notes(days: list[MoneyDay]) -> list[str]:
    """Why part of the money chart is missing: no goal set, no pledges yet."""
    notes = []
    if not any(d.goal for d in days):
        notes.append("No goal set for these days — set daily goals under Campaigns.")
    if any(d.goal for d in days) and not any(d.pledged or d.received for d in days):
        notes.append("No pledges or payments yet in the last 14 days.")
    return notes
