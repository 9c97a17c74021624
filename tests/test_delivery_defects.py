"""Defects of issue 14 (points 6 and 7), each failing on the code before the fix.

Point 6: with Twilio failing for a minute, replies were stored ``failed`` after three
quick retries and their messages marked ``done``; nothing retried them. Point 7: a
failed turn's message and apology were stored without a session, so no transcript
showed them. These tests use only the pipeline's public entry points (webhook, worker,
the recording Twilio double driven by the injected clock).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.models import ChatSession, Event, Message, Project, User
from bot.runtime import Runtime
from bot.turn.context import Reply, TurnContext
from bot.whatsapp.worker import Worker
from tests import delivery_support, pipeline_support
from tests.admin_support import login, seed_project
from tests.delivery_support import echo, inbound_statuses
from tests.factories import make_project, make_user
from tests.pipeline_support import messages
from tests.resilience_support import assert_each_answered_once, deliver, form_for
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
wired = delivery_support.wired  # the app wired to it (fixture)


def test_twilio_outage_for_a_minute_loses_and_repeats_nothing(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    """Twilio answers 503 to every send for 60 s of the clock while 20 messages arrive
    from five operators; afterwards every reply is delivered exactly once, in order."""
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    operators = [make_user(runtime.db, project, name=f"Operator {i}") for i in range(5)]
    start = clock.now()
    twilio.fail_during(clock, start, start + timedelta(seconds=60))
    worker = Worker(runtime, handler=echo)
    client = wired.test_client()
    sids = []
    for n in range(20):  # one message every 3 s of the outage
        form = form_for(project, operators[n % 5], f"update {n}", f"SM{n:06d}" + "e" * 26)
        sids.append(form["MessageSid"])
        assert deliver(client, form).status_code == 200
        worker.run_once()
        clock.advance(seconds=3)
    assert twilio.messages == [] and twilio.attempts >= 20
    assert set(inbound_statuses(runtime)) == {"pending"}, "a message claimed done unanswered"
    waiting = messages(runtime.db, "outbound")
    assert {r.status for r in waiting} == {"pending"}
    assert all(r.lease_until >= clock.now() for r in waiting), "retried within seconds"

    for _ in range(30):  # after the outage, minute by minute
        clock.advance(minutes=1)
        worker.run_once()
    assert set(inbound_statuses(runtime)) == {"done"}
    assert_each_answered_once(runtime.db, twilio, sids)
    for i, operator in enumerate(operators):
        assert twilio.bodies_to(operator.phone) == [f"got: update {n}" for n in range(i, 20, 5)]
    assert twilio.attempts < 20 * 4, "retries are minutes apart, not a hammering"


def test_reply_is_not_lost_when_twilio_fails_four_times_running(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    """Three quick retries used to be all there was: the reply was stored ``failed`` and
    its message ``done``. Now the message says its reply is pending, and it arrives."""
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    for _ in range(4):
        twilio.fail_next(503)
    form = form_for(project, user, "help", "SM" + "f" * 32)
    assert deliver(wired.test_client(), form).status_code == 200
    worker = Worker(runtime)
    for step in range(4):
        worker.run_once()
        assert inbound_statuses(runtime) == ["pending"], f"step {step}"
        clock.advance(minutes=15)
    worker.run_once()
    assert inbound_statuses(runtime) == ["done"]
    assert len(twilio.bodies_to(user.phone)) == 1 and twilio.attempts == 5
    [reply] = messages(runtime.db, "outbound")
    assert (reply.status, reply.attempts, reply.error_code) == ("sent", 5, None)
    assert_each_answered_once(runtime.db, twilio, [form["MessageSid"]])


def test_a_failed_turn_keeps_its_session_and_apology(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    """The failed message and its apology belong to the operator's session, so the
    transcript shows them (they used to be stored with ``session_id`` NULL)."""
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)

    def broken(ctx: TurnContext) -> Reply:
        if ctx.text == "boom":
            raise RuntimeError("planner exploded")
        return Reply(text="fine")

    client = wired.test_client()
    worker = Worker(runtime, handler=broken, retry_delay_seconds=0)
    deliver(client, form_for(project, user, "hello", "SM" + "6" * 32))
    deliver(client, form_for(project, user, "boom", "SM" + "7" * 32))
    worker.run_once()
    with runtime.db.session() as session:
        [chat] = session.scalars(select(ChatSession)).all()
        rows = session.scalars(select(Message)).all()
        assert {(m.body[:5], m.status, m.session_id) for m in rows} == {
            ("hello", "done", chat.id),
            ("fine", "sent", chat.id),
            ("boom", "failed", chat.id),
            ("Sorry", "sent", chat.id),
        }
        [event] = session.scalars(select(Event).where(Event.event_type == "whatsapp.turn.failed"))
        assert event.data["session_id"] == str(chat.id)


def test_a_first_message_that_fails_opens_a_session(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)

    def broken(ctx: TurnContext) -> Reply:
        raise RuntimeError("planner exploded")

    deliver(wired.test_client(), form_for(project, user, "boom", "SM" + "8" * 32))
    Worker(runtime, handler=broken, retry_delay_seconds=0).run_once()
    with runtime.db.session() as session:
        [chat] = session.scalars(select(ChatSession)).all()
        assert {m.session_id for m in session.scalars(select(Message))} == {chat.id}
        assert chat.user_id == user.id


def test_the_transcript_shows_a_failed_turn_and_its_apology(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    world = seed_project(runtime.db, clock.now(), "Asha")
    with runtime.db.session() as session:
        project = session.get(Project, world.project_id)
        operator = session.get(User, world.operator_id)

    def broken(ctx: TurnContext) -> Reply:
        raise RuntimeError("planner exploded")

    deliver(wired.test_client(), form_for(project, operator, "boom, pledged 10k", "SM" + "9" * 32))
    Worker(runtime, handler=broken, retry_delay_seconds=0).run_once()
    admin = wired.test_client()
    assert login(admin, world.admin_email).status_code == 302
    with runtime.db.session() as session:
        chats = session.scalars(select(ChatSession.id)).all()
    pages = [admin.get(f"/admin/conversations/{chat}").get_data(as_text=True) for chat in chats]
    shown = [p for p in pages if "boom, pledged 10k" in p]
    assert len(shown) == 1, "the failed turn is in no transcript"
    assert "Sorry, something went wrong" in shown[0] and "planner exploded" in shown[0]
