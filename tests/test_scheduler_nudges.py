"""The nudge job end to end: real sender, real Twilio library, the recording double."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import FrozenClock
from bot.models import JobRun, Message, Payment
from bot.runtime import Runtime
from bot.scheduler.claims import claim_for_operator, mark_due
from bot.scheduler.nudges import run_nudges
from bot.scheduler.recording import record_digests
from bot.store import ProjectScope
from tests.factories import make_project, make_user
from tests.scheduler_support import (
    add_followup,
    contact,
    followup_row,
    hours,
    operator_says,
    session_state,
    wired_runtime_for,
    wrote_at,
)
from tests.twilio_double import TwilioDouble

pytest_plugins = ("tests.nudge_fixtures",)

TEMPLATE = "HX" + "a" * 32


def outbound(runtime: Runtime) -> list[Message]:
    with runtime.db.session() as session:
        return list(
            session.scalars(
                select(Message).where(Message.direction == "outbound").order_by(Message.created_at)
            )
        )


def test_one_numbered_digest_per_operator_sent_once(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya, ravi = make_user(db, project, "Priya Nair"), make_user(db, project, "Ravi Kumar")
    for user in (priya, ravi):
        wrote_at(db, project, user, now - hours(2))
    anita, bharat, chitra = (contact(db, project, n) for n in ("Anita", "Bharat", "Chitra"))
    first = add_followup(
        db,
        project,
        anita,
        priya,
        now - hours(3),
        reason="send_payment_link",
        suggested_message="Hi Anita, here is the UPI link for your 25k pledge.",
    )
    second = add_followup(db, project, bharat, priya, now - hours(1), assigned=False)
    later = add_followup(db, project, chitra, priya, now + hours(5))
    ravis = add_followup(db, project, chitra, ravi, now - hours(1), reason="reschedule")

    report = run_nudges(wired)

    assert report.nudged == 3 and len(report.digests) == 2
    assert len(twilio_api.bodies_to(priya.phone)) == 1
    body = twilio_api.bodies_to(priya.phone)[0]
    assert body.startswith("Priya, 2 follow-ups due:")
    assert "1. Anita – pledged; send the payment link" in body
    assert '"Hi Anita, here is the UPI link for your 25k pledge."' in body
    assert "2. Bharat – no answer last time" in body
    assert "Chitra" not in body
    assert "1. Chitra – asked to be called back" in twilio_api.bodies_to(ravi.phone)[0]
    assert session_state(db, priya).nudge_followup_ids == [first.id, second.id]
    row = followup_row(db, first.id)
    assert row.status == "due" and row.nudged_at == now and row.nudge_message_id is not None
    assert followup_row(db, later.id).status == "scheduled"
    assert followup_row(db, ravis.id).nudged_at == now

    again = run_nudges(wired)  # safe to run twice: nothing new to say
    assert again.digests == [] and len(twilio_api.messages) == 2
    with db.session() as session:
        runs = list(session.scalars(select(JobRun).where(JobRun.job_name == "nudges")))
    assert [r.status for r in runs] == ["ok", "ok"]
    assert runs[0].counts["nudged"] == 3 and runs[0].counts["became_due"] == 3


def test_quiet_hours_hold_the_nudge_until_morning(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db = wired.db
    project = make_project(db)
    priya = make_user(db, project)
    clock.advance(hours=12)  # 22:00 in Kolkata
    wrote_at(db, project, priya, clock.now() - hours(1))
    followup = add_followup(db, project, contact(db, project, "Anita"), priya, clock.now())

    report = run_nudges(wired)
    assert report.waiting_quiet_hours == 1 and twilio_api.messages == []
    row = followup_row(db, followup.id)
    assert row.status == "due" and row.nudge_claimed_at is None

    clock.advance(hours=11, minutes=5)  # 09:05 the next morning
    wrote_at(db, project, priya, clock.now() - hours(1))
    assert run_nudges(wired).nudged == 1
    assert len(twilio_api.bodies_to(priya.phone)) == 1


def test_do_not_contact_followups_are_cancelled_not_nudged(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project)
    wrote_at(db, project, priya, now - hours(1))
    blocked = contact(db, project, "Blocked Donor", status="do_not_contact")
    stopped = add_followup(db, project, blocked, priya, now - hours(1))
    report = run_nudges(wired)
    assert report.cancelled == 1 and report.digests == [] and twilio_api.messages == []
    assert followup_row(db, stopped.id).status == "cancelled"


def test_outside_the_window_the_template_goes_and_the_digest_waits(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio_api: TwilioDouble
) -> None:
    runtime = wired_runtime_for(
        db_url, tmp_path, clock, twilio_api, twilio_nudge_content_sid=TEMPLATE
    )
    db, now = runtime.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    wrote_at(db, project, priya, now - hours(30))
    add_followup(db, project, contact(db, project, "Anita"), priya, now - hours(1))

    report = run_nudges(runtime)

    assert [d.mode for d in report.digests] == ["template"]
    [sent] = twilio_api.messages
    assert sent["ContentSid"] == TEMPLATE and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": "Priya", "2": "1", "3": "Anita"}
    statuses = sorted(m.status for m in outbound(runtime))
    assert statuses == ["deferred", "sent"]
    runtime.db.dispose()


def test_without_a_template_the_digest_waits_for_the_operators_next_message(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project)
    add_followup(db, project, contact(db, project, "Anita"), priya, now - hours(1))

    report = run_nudges(wired)

    assert [d.mode for d in report.digests] == ["deferred"]
    assert twilio_api.messages == []
    assert [m.status for m in outbound(wired)] == ["deferred"]
    operator_says(wired, project, priya, "help")
    bodies = twilio_api.bodies_to(priya.phone)
    assert any(b.startswith("Priya, 1 follow-up due:") for b in bodies)
    assert run_nudges(wired).digests == []  # already nudged: not again


def test_a_refused_send_is_retried_next_run_without_duplicates(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project)
    wrote_at(db, project, priya, now - hours(1))
    followup = add_followup(db, project, contact(db, project, "Anita"), priya, now - hours(1))
    twilio_api.fail_next(400, code=21610, message="unsubscribed recipient")

    failed = run_nudges(wired)

    assert failed.failed == 1 and failed.digests == [] and twilio_api.messages == []
    row = followup_row(db, followup.id)
    assert row.nudged_at is None and row.nudge_claimed_at is None
    assert [m.status for m in outbound(wired)] == ["failed"]
    with db.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job_name == "nudges"))
    assert run is not None and run.status == "error" and "unsubscribed" in (run.error or "")

    clock.advance(minutes=1)
    retried = run_nudges(wired)
    assert retried.nudged == 1 and len(twilio_api.messages) == 1
    assert run_nudges(wired).digests == [] and len(twilio_api.messages) == 1


def test_operator_acts_on_the_nudge_by_replying(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    wrote_at(db, project, priya, now - hours(1))
    contact(db, project, "Zara Vip", relationship_strength=5, capacity_band="1L+")
    names = ("Anita", "Bharat", "Chitra", "Deepa")
    followups = [
        add_followup(db, project, contact(db, project, name), priya, now - hours(4 - n))
        for n, name in enumerate(names)
    ]
    run_nudges(wired)
    assert session_state(db, priya).nudge_followup_ids == [f.id for f in followups]

    operator_says(wired, project, priya, "next")
    card = twilio_api.bodies_to(priya.phone)[-1]
    assert "Anita" in card and "Zara" not in card  # nudged contacts are offered first

    operator_says(wired, project, priya, "done 2")
    operator_says(wired, project, priya, "snooze 1 2h")
    operator_says(wired, project, priya, "skip 3")
    operator_says(wired, project, priya, "paid 4 10000 upi")

    anita, bharat, chitra, deepa = (followup_row(db, f.id) for f in followups)
    assert bharat.status == "done"
    assert anita.status == "scheduled" and anita.due_at == now + hours(2)
    assert chitra.status == "scheduled" and chitra.due_at > now + hours(20)
    assert deepa.status == "done"
    with db.session() as session:
        payment = session.scalar(select(Payment))
    assert payment is not None and payment.amount == 10000 and payment.method == "upi"
    assert payment.contact_id == deepa.contact_id

    clock.advance(hours=2)  # the snoozed follow-up falls due again: nudged once more
    wrote_at(db, project, priya, clock.now() - hours(1))
    again = run_nudges(wired)
    assert [d.followup_ids for d in again.digests] == [[anita.id]]
    assert run_nudges(wired).digests == []


def test_a_digest_recorded_by_a_crashed_clock_is_sent_by_the_next_run(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    wrote_at(db, project, priya, now - hours(1))
    followup = add_followup(db, project, contact(db, project, "Anita"), priya, now - hours(1))
    with db.session() as session:
        mark_due(ProjectScope(session, project.id), now)
    claimed = claim_for_operator(wired, project.id, priya.id, [followup.id], "crashed", now)
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="system:nudges")
        [prepared] = record_digests(wired, scope, [(priya.id, claimed)], "crashed", now)
    # Recorded and committed; the clock dies before sending.
    with db.session() as session:
        row = session.get(Message, prepared.to_send[0].id)
        row.lease_until = now - timedelta(minutes=1)  # the lease runs on the runtime clock

    report = run_nudges(wired)

    assert report.resent == 1 and report.digests == []
    [body] = twilio_api.bodies_to(priya.phone)
    assert body.startswith("Priya, 1 follow-up due:")
    assert run_nudges(wired).resent == 0 and len(twilio_api.messages) == 1
