"""Housekeeping jobs: closing idle sessions and the daily leaderboards.

Leaderboard rows (``leaderboards_daily``) are computed per operator (scope ``user``)
and per team (scope ``team``) for a project-local calendar day and upserted on
``(project_id, date, scope, scope_id)``, so recomputing a day replaces its rows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.engine.timezones import project_tz
from bot.models import Interaction, LeaderboardDaily, Payment, Pledge, Project, TeamMember
from bot.models.types import new_id
from bot.runtime import Runtime
from bot.scheduler.runs import tracked_run
from bot.turn.sessions import close_idle_sessions

CONNECTS = ("spoke", "pledged", "paid", "declined", "reschedule")
METRICS = ("calls", "connects", "pledges_count", "pledged_amount", "received_amount")


def run_close_idle_sessions(runtime: Runtime) -> int:
    """Close sessions idle longer than ``session_idle_hours`` (pipeline's rule)."""
    with tracked_run(runtime, "idle_sessions") as counts:
        closed = close_idle_sessions(runtime, runtime.clock.now())
        counts["closed"] = closed
    return closed


def run_leaderboards(runtime: Runtime, day: date | None = None) -> int:
    """Upsert leaderboard rows for ``day`` (default: yesterday and today, project-local)."""
    with tracked_run(runtime, "leaderboards") as counts:
        now = runtime.clock.now()
        with runtime.db.session() as session:
            projects = list(session.scalars(select(Project)))
        for project in projects:
            zone = project_tz(project)
            days = (
                [day]
                if day
                else [
                    (now - timedelta(days=1)).astimezone(zone).date(),
                    now.astimezone(zone).date(),
                ]
            )
            for each in days:
                with runtime.db.session() as session:
                    counts.add("rows", leaderboard_day(session, project, each, now))
    return int(counts.get("rows", 0))


def leaderboard_day(session: Session, project: Project, day: date, now: datetime) -> int:
    """Compute and upsert one project's rows for ``day``; returns how many rows."""
    zone = project_tz(project)
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    end = start + timedelta(days=1)
    per_user = user_totals(session, project.id, start, end)
    teams: dict[uuid.UUID, dict[str, Any]] = defaultdict(_empty)
    members = session.execute(
        select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.project_id == project.id)
    )
    for team_id, user_id in members:
        teams[team_id]  # every team gets a row, even on a quiet day
        for key, value in per_user.get(user_id, {}).items():
            teams[team_id][key] += value
    rows = [
        _row(project.id, day, "user", uid, now, totals, user_id=uid)
        for uid, totals in per_user.items()
    ]
    rows += [
        _row(project.id, day, "team", tid, now, totals, team_id=tid)
        for tid, totals in teams.items()
    ]
    for row in rows:
        _upsert(session, row)
    return len(rows)


def _empty() -> dict[str, Any]:
    return {
        "calls": 0,
        "connects": 0,
        "pledges_count": 0,
        "pledged_amount": Decimal(0),
        "received_amount": Decimal(0),
    }


def user_totals(
    session: Session, project_id: uuid.UUID, start: datetime, end: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """Calls, connects, pledges and receipts per operator between ``start`` and ``end``."""
    totals: dict[uuid.UUID, dict[str, Any]] = defaultdict(_empty)
    for user_id, outcome, n in session.execute(
        select(Interaction.created_by_user_id, Interaction.outcome, func.count())
        .where(
            Interaction.project_id == project_id,
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.created_by_user_id.is_not(None),
        )
        .group_by(Interaction.created_by_user_id, Interaction.outcome)
    ):
        operator = _operator(user_id)
        totals[operator]["calls"] += n
        if outcome in CONNECTS:
            totals[operator]["connects"] += n
    _add_money(session, totals, project_id, start, end)
    return totals


def _add_money(
    session: Session,
    totals: dict[uuid.UUID, dict[str, Any]],
    project_id: uuid.UUID,
    start: datetime,
    end: datetime,
) -> None:
    """Add pledges (not cancelled) and confirmed payments to each operator's totals."""
    for user_id, n, amount in session.execute(
        select(Pledge.created_by_user_id, func.count(), func.sum(Pledge.amount))
        .where(
            Pledge.project_id == project_id,
            Pledge.pledged_at >= start,
            Pledge.pledged_at < end,
            Pledge.status != "cancelled",
            Pledge.created_by_user_id.is_not(None),
        )
        .group_by(Pledge.created_by_user_id)
    ):
        operator = _operator(user_id)
        totals[operator]["pledges_count"] += n
        totals[operator]["pledged_amount"] += Decimal(str(amount or 0))
    for user_id, amount in session.execute(
        select(Payment.created_by_user_id, func.sum(Payment.amount))
        .where(
            Payment.project_id == project_id,
            Payment.paid_at >= start,
            Payment.paid_at < end,
            Payment.status == "confirmed",
            Payment.created_by_user_id.is_not(None),
        )
        .group_by(Payment.created_by_user_id)
    ):
        totals[_operator(user_id)]["received_amount"] += Decimal(str(amount or 0))


def _operator(user_id: uuid.UUID | None) -> uuid.UUID:
    """The operator of a totals row (the queries select only rows that have one)."""
    if user_id is None:
        raise ValueError("a leaderboard row without an operator (created_by_user_id)")
    return user_id


def _row(
    project_id: uuid.UUID,
    day: date,
    scope: str,
    scope_id: uuid.UUID,
    now: datetime,
    totals: dict[str, Any],
    **owner: uuid.UUID,
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "project_id": project_id,
        "date": day,
        "scope": scope,
        "scope_id": scope_id,
        "created_at": now,
        **owner,
        **totals,
    }


def _upsert(session: Session, row: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(LeaderboardDaily).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["project_id", "date", "scope", "scope_id"],
        set_={key: stmt.excluded[key] for key in METRICS},
    )
    session.execute(stmt)
