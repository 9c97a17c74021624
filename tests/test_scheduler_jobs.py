"""Scheduler job logic that needs no sending: due transitions, cancellations, claims,
nudge hours, leaderboards and the ``job_runs`` log."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.db import Database
from bot.directory.org import add_team
from bot.models import (
    Followup,
    Interaction,
    JobRun,
    LeaderboardDaily,
    Payment,
    Pledge,
    Project,
    TeamMember,
    User,
)
from bot.runtime import Runtime
from bot.scheduler.claims import (
    cancel_do_not_contact,
    claim_for_operator,
    mark_due,
    pending_by_operator,
)
from bot.scheduler.hours import brief_due, may_nudge
from bot.scheduler.housekeeping import run_leaderboards
from bot.scheduler.runs import tracked_run
from bot.store import ProjectScope
from tests.factories import make_project, make_user
from tests.scheduler_support import add_followup, bulk_followups, contact, hours


def _status(db: Database, followup: Followup) -> str:
    with db.session() as session:
        return session.get(Followup, followup.id).status


def test_scheduled_followups_become_due_at_due_at(db: Database, clock: FrozenClock) -> None:
    project = make_project(db)
    priya = make_user(db, project)
    anita = contact(db, project, "Anita Sharma")
    past = add_followup(db, project, anita, priya, clock.now() - hours(1))
    exact = add_followup(db, project, anita, priya, clock.now())
    future = add_followup(db, project, anita, priya, clock.now() + hours(2))
    with db.session() as session:
        assert mark_due(ProjectScope(session, project.id), clock.now()) == 2
    assert [_status(db, f) for f in (past, exact, future)] == ["due", "due", "scheduled"]
    clock.advance(hours=2)
    with db.session() as session:
        assert mark_due(ProjectScope(session, project.id), clock.now()) == 1
        # Running twice changes nothing more.
        assert mark_due(ProjectScope(session, project.id), clock.now()) == 0
    assert _status(db, future) == "due"


def test_mark_due_stays_inside_its_project(db: Database, clock: FrozenClock) -> None:
    ours, theirs = make_project(db, "Asha"), make_project(db, "Other Trust")
    add_followup(db, theirs, contact(db, theirs, "Ravi"), make_user(db, theirs), clock.now())
    with db.session() as session:
        assert mark_due(ProjectScope(session, ours.id), clock.now()) == 0


def test_do_not_contact_followups_are_cancelled_and_never_pending(
    db: Database, clock: FrozenClock
) -> None:
    project = make_project(db)
    priya = make_user(db, project)
    blocked = contact(db, project, "Blocked Donor", status="do_not_contact")
    fine = contact(db, project, "Anita Sharma")
    stopped = add_followup(db, project, blocked, priya, clock.now() - hours(1), status="due")
    kept = add_followup(db, project, fine, priya, clock.now() - hours(1), status="due")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        assert cancel_do_not_contact(scope, clock.now()) == 1
        assert pending_by_operator(scope, clock.now()) == {priya.id: [kept.id]}
    assert _status(db, stopped) == "cancelled"
    assert _status(db, kept) == "due"


def test_a_claimed_followup_cannot_be_claimed_again_until_stale(
    runtime: Runtime, db: Database, clock: FrozenClock
) -> None:
    project = make_project(db)
    ops = [make_user(db, project, name=f"Op {n}") for n in range(2)]
    bulk_followups(db, project, ops, 20, clock.now() - hours(1))
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        mark_due(scope, clock.now())
        pending = pending_by_operator(scope, clock.now())
    first, second = ops[0].id, ops[1].id
    claimed = claim_for_operator(runtime, project.id, first, pending[first], "clock-a", clock.now())
    assert sorted(claimed) == sorted(pending[first]) and len(claimed) == 10
    assert (
        claim_for_operator(runtime, project.id, first, pending[first], "clock-b", clock.now()) == []
    )
    assert (
        len(claim_for_operator(runtime, project.id, second, pending[second], "b", clock.now()))
        == 10
    )
    clock.advance(minutes=11)  # clock-a died without sending: its claim goes stale
    assert (
        len(claim_for_operator(runtime, project.id, first, pending[first], "b", clock.now())) == 10
    )


@pytest.mark.parametrize(
    ("local_time", "start", "end", "allowed"),
    [
        ("08:59", "09:00", "21:00", False),
        ("09:00", "09:00", "21:00", True),
        ("20:59", "09:00", "21:00", True),
        ("21:00", "09:00", "21:00", False),
        ("23:30", "22:00", "06:00", True),
        ("05:59", "22:00", "06:00", True),
        ("12:00", "22:00", "06:00", False),
        ("03:00", "bad", "21:00", False),
    ],
)
def test_nudge_hours_in_the_operators_timezone(
    local_time: str, start: str, end: str, allowed: bool
) -> None:
    user = User(
        full_name="Priya",
        role="USER",
        quiet_hours_start=start,
        quiet_hours_end=end,
        timezone="Asia/Kolkata",
    )
    h, m = map(int, local_time.split(":"))
    now = datetime(2026, 11, 26, h, m, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)
    assert may_nudge(user, None, now) is allowed


def test_operator_timezone_overrides_the_projects() -> None:
    now = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # 10:00 in Kolkata, 04:30 in London
    london = User(
        full_name="Sam",
        role="USER",
        timezone="Europe/London",
        quiet_hours_start="09:00",
        quiet_hours_end="21:00",
        morning_brief_at="08:30",
    )
    assert may_nudge(london, None, now) is False
    assert brief_due(london, None, now) is False
    kolkata = User(
        full_name="Priya",
        role="USER",
        quiet_hours_start="09:00",
        quiet_hours_end="21:00",
        morning_brief_at="08:30",
    )
    assert may_nudge(kolkata, None, now) is True
    assert brief_due(kolkata, None, now) is True


def test_job_runs_record_counts_and_errors(runtime: Runtime, db: Database) -> None:
    with tracked_run(runtime, "example") as counts:
        counts.add("sent", 3)
    with pytest.raises(RuntimeError), tracked_run(runtime, "broken"):
        raise RuntimeError("twilio unreachable")
    with db.session() as session:
        runs = {r.job_name: r for r in session.scalars(select(JobRun))}
    assert runs["example"].status == "ok" and runs["example"].counts == {"sent": 3}
    assert runs["example"].finished_at is not None
    assert runs["broken"].status == "error" and "twilio unreachable" in runs["broken"].error


def _day_of_calls(db: Database, project: Project, priya: User, ravi: User, at: datetime) -> None:
    """Priya: a pledge of 25,000 and a no-answer; Ravi: a conversation and 10,000 received."""
    anita = contact(db, project, "Anita Sharma")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        for user, outcome in ((priya, "pledged"), (priya, "no_response"), (ravi, "spoke")):
            scope.insert(
                Interaction(
                    contact_id=anita.id,
                    channel="call",
                    direction="outbound",
                    outcome=outcome,
                    occurred_at=at,
                    created_by_user_id=user.id,
                )
            )
        scope.insert(
            Pledge(
                contact_id=anita.id,
                amount=Decimal("25000"),
                pledged_at=at,
                created_by_user_id=priya.id,
            )
        )
        scope.insert(
            Payment(
                contact_id=anita.id,
                amount=Decimal("10000"),
                paid_at=at,
                created_by_user_id=ravi.id,
                method="upi",
            )
        )


def test_leaderboards_per_operator_and_team_upsert(
    runtime: Runtime, db: Database, clock: FrozenClock
) -> None:
    project = make_project(db)
    with db.session() as session:
        team = add_team(ProjectScope(session, project.id), "Callers")
    priya, ravi = make_user(db, project, "Priya"), make_user(db, project, "Ravi")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        for user in (priya, ravi):
            scope.insert(TeamMember(team_id=team.id, user_id=user.id, member_role="MEMBER"))
    _day_of_calls(db, project, priya, ravi, clock.now() - hours(1))
    run_leaderboards(runtime)
    run_leaderboards(runtime)  # twice: upserted, not duplicated
    today = clock.now().date()
    with db.session() as session:
        rows = {
            (r.scope, r.scope_id): r
            for r in session.scalars(select(LeaderboardDaily).where(LeaderboardDaily.date == today))
        }
    assert len(rows) == 3
    p, r, t = rows[("user", priya.id)], rows[("user", ravi.id)], rows[("team", team.id)]
    assert (p.calls, p.connects, p.pledges_count, p.pledged_amount) == (2, 1, 1, Decimal("25000"))
    assert (r.calls, r.connects, r.received_amount) == (1, 1, Decimal("10000"))
    assert (t.calls, t.connects, t.pledged_amount, t.received_amount) == (
        3,
        2,
        Decimal("25000"),
        Decimal("10000"),
    )
