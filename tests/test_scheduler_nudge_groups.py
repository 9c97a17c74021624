"""Digests recorded, sent and answered a group at a time: one failure stays one failure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from bot.clock import FrozenClock
from bot.models import Followup, Message, Project, User
from bot.runtime import Runtime
from bot.scheduler.claims import NudgeReport, claim_for_operators, mark_due, pending_by_operator
from bot.scheduler.delivery import send_digests
from bot.scheduler.nudges import run_nudges
from bot.store import ProjectScope
from tests.factories import make_project, make_user
from tests.scheduler_support import bulk_followups, hours, operators, wrote_at
from tests.twilio_double import TwilioDouble

pytest_plugins = ("tests.nudge_fixtures",)


def team(runtime: Runtime, project: Project, count: int, now: datetime) -> list[User]:
    """``count`` operators who wrote an hour ago, with three due follow-ups each."""
    made = operators(runtime.db, project, count)
    for user in made:
        wrote_at(runtime.db, project, user, now - hours(1))
    bulk_followups(runtime.db, project, made, 3 * count, now - hours(1))
    return made


def rows_to(runtime: Runtime, user: User) -> list[Message]:
    with runtime.db.session() as session:
        stmt = select(Message).where(Message.user_id == user.id, Message.direction == "outbound")
        return list(session.scalars(stmt))


def followups_of(runtime: Runtime, user: User) -> list[Followup]:
    with runtime.db.session() as session:
        return list(
            session.scalars(select(Followup).where(Followup.assigned_to_user_id == user.id))
        )


def test_a_send_twilio_cannot_take_now_waits_while_the_others_go(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    project = make_project(wired.db)
    first, busy, last = team(wired, project, 3, clock.now())
    twilio_api.fail_next_to(busy.phone or "", 503)

    report = run_nudges(wired)

    assert report.nudged == 9 and report.failed == 0  # the busy digest waits; nudged once
    assert [len(twilio_api.bodies_to(u.phone or "")) for u in (first, busy, last)] == [1, 0, 1]
    [waiting] = rows_to(wired, busy)
    assert waiting.status == "pending" and waiting.attempts == 1 and waiting.locked_by is None
    assert waiting.lease_until == clock.now() + timedelta(minutes=1)
    assert all(f.nudge_message_id == waiting.id for f in followups_of(wired, busy))
    assert all(r.status == "sent" for u in (first, last) for r in rows_to(wired, u))

    clock.advance(minutes=1)
    retried = run_nudges(wired)

    assert retried.resent == 1 and retried.digests == []
    assert [len(twilio_api.bodies_to(u.phone or "")) for u in (first, busy, last)] == [1, 1, 1]
    assert [r.status for r in rows_to(wired, busy)] == ["sent"]
    assert run_nudges(wired).resent == 0 and len(twilio_api.messages) == 3


def test_a_refused_digest_in_a_group_is_retried_alone_next_run(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    project = make_project(wired.db)
    first, refused, last = team(wired, project, 3, clock.now())
    twilio_api.fail_next_to(refused.phone or "", 400, code=21610, message="unsubscribed")

    report = run_nudges(wired)

    assert report.nudged == 6 and report.failed == 1
    assert {d.user_id for d in report.digests} == {first.id, last.id}
    assert all(
        f.nudged_at is None and f.nudge_claimed_by is None for f in followups_of(wired, refused)
    )
    assert all(f.nudged_at == clock.now() for u in (first, last) for f in followups_of(wired, u))

    clock.advance(minutes=1)
    again = run_nudges(wired)

    assert [d.user_id for d in again.digests] == [refused.id] and again.nudged == 3
    assert [len(twilio_api.bodies_to(u.phone or "")) for u in (first, refused, last)] == [1, 1, 1]


def test_sends_stop_before_the_lease_ends_and_a_sweep_delivers_the_rest_once(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    project = make_project(wired.db)
    crew = team(wired, project, 3, clock.now())
    started = clock.now()
    # Twilio is slow: each answer takes 100 s (of the runtime clock).
    twilio_api.on_create = lambda _form: clock.advance(seconds=100)

    report = run_nudges(wired)

    assert report.nudged == 9 and report.failed == 0 and len(twilio_api.messages) == 1
    unsent = [row for user in crew for row in rows_to(wired, user) if row.status == "pending"]
    assert len(unsent) == 2  # recorded, leased until started + 2 min, left to a sweep
    assert all(r.locked_by is None and r.attempts == 0 for r in unsent)
    assert all(r.lease_until == started + timedelta(minutes=2) for r in unsent)

    twilio_api.on_create = None
    clock.set(started + timedelta(minutes=2))
    assert run_nudges(wired).resent == 2
    assert [len(twilio_api.bodies_to(u.phone or "")) for u in crew] == [1, 1, 1]


def test_an_operator_whose_digest_cannot_be_recorded_fails_alone(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    now = clock.now()
    project, elsewhere = make_project(wired.db), make_project(wired.db)
    good, other = team(wired, project, 2, now)
    stranger = make_user(wired.db, elsewhere, "Someone Else")  # not this project's operator
    with wired.db.session() as session:
        scope = ProjectScope(session, project.id)
        mark_due(scope, now)
        pending = pending_by_operator(scope, now)
    claimed = claim_for_operators(wired, project.id, pending, "run-1", now)
    group = [(good.id, claimed[good.id]), (stranger.id, claimed[other.id])]
    report = NudgeReport()

    sent = send_digests(wired, project.id, group, "run-1", now, report)

    assert [d.user_id for d in sent] == [good.id] and len(
        twilio_api.bodies_to(good.phone or "")
    ) == 1
    assert report.failed == 1 and "not found" in report.errors[0]
    assert rows_to(wired, stranger) == [] and twilio_api.bodies_to(stranger.phone or "") == []
    # The stranger's share of the claims is given back: the next run nudges its operator.
    assert all(
        f.nudge_claimed_by is None and f.nudged_at is None for f in followups_of(wired, other)
    )
    assert all(f.nudged_at == now for f in followups_of(wired, good))


def test_a_group_costs_the_same_statements_for_two_operators_or_twelve(
    wired: Runtime, clock: FrozenClock
) -> None:
    project = make_project(wired.db)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(wired.db.engine, "after_cursor_execute", count)
    team(wired, project, 2, clock.now())
    statements.clear()
    assert len(run_nudges(wired).digests) == 2
    for_two = len(statements)

    clock.advance(minutes=5)
    team(wired, project, 12, clock.now())
    statements.clear()
    assert len(run_nudges(wired).digests) == 12
    assert len(statements) == for_two  # nothing is read or written once per digest
