"""The worker: turns, replies through Twilio, sessions, unknown senders, failures."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import event, select

from bot.clock import FrozenClock
from bot.engine.session_commands import HELP as HELP_TEXT
from bot.models import ChatSession, Contact, Event, Message, User
from bot.models.types import utcnow
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext
from bot.turn.sessions import close_idle_sessions, last_inbound_at
from bot.whatsapp.intake import inject_inbound
from bot.whatsapp.outbound import MAX_BODY, record_outbound, split_body
from bot.whatsapp.queue import claim_next
from bot.whatsapp.unknown_senders import NOT_REGISTERED
from bot.whatsapp.worker import Worker
from tests import pipeline_support
from tests.factories import make_project, make_user
from tests.pipeline_support import messages
from tests.twilio_double import TwilioDouble

# fixtures
twilio = pipeline_support.twilio
wired_app = pipeline_support.wired_app
wired_runtime = pipeline_support.wired_runtime


def test_help_is_answered_through_twilio(wired_runtime: Runtime, twilio: TwilioDouble) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    inject_inbound(
        wired_runtime, to_number=project.whatsapp_number, from_number=user.phone, body="help"
    )
    assert Worker(wired_runtime).run_once() == 1
    assert twilio.bodies_to(user.phone) == [HELP_TEXT]
    assert twilio.messages[0]["From"] == f"whatsapp:{project.whatsapp_number}"
    inbound = messages(wired_runtime.db, "inbound")
    outbound = messages(wired_runtime.db, "outbound")
    assert [m.status for m in inbound] == ["done"]
    assert len(outbound) == 1
    assert outbound[0].reply_to_id == inbound[0].id
    assert outbound[0].twilio_sid == twilio.sids[0]
    assert outbound[0].status == "sent"
    assert Worker(wired_runtime).run_once() == 0


def test_a_command_is_claimed_answered_and_settled_in_few_transactions(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    """The claim is one transaction (two on SQLite, whose idle look takes no write lock);
    the turn, its reply and holding the rows to send are one; recording Twilio's answer
    and settling are one. Each transaction is a round trip or more on PostgreSQL."""
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    _inject(wired_runtime, project, user, "help")
    begins: list[object] = []

    def began(conn: object) -> None:
        begins.append(conn)

    event.listen(wired_runtime.db.engine, "begin", began)
    try:
        worker = Worker(wired_runtime)
        claim = claim_next(wired_runtime.db, worker.worker_id, worker.lease)
        claimed = len(begins)
        assert claim is not None
        worker.handle(claim)
    finally:
        event.remove(wired_runtime.db.engine, "begin", began)
    assert claimed == (2 if wired_runtime.db.dialect == "sqlite" else 1)
    assert len(begins) - claimed == 2
    assert twilio.bodies_to(user.phone) == [HELP_TEXT]
    assert [m.status for m in messages(wired_runtime.db, "inbound")] == ["done"]


def _inject(runtime: Runtime, project, user, body: str = "help", **kw):
    return inject_inbound(
        runtime, to_number=project.whatsapp_number, from_number=user.phone, body=body, **kw
    )


def test_unknown_sender_gets_one_notice_per_day(
    wired_runtime: Runtime, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    project = make_project(wired_runtime.db)
    stranger = "+919000000001"
    for body in ("hello", "anyone there?"):
        inject_inbound(
            wired_runtime, to_number=project.whatsapp_number, from_number=stranger, body=body
        )
    Worker(wired_runtime).run_once()
    assert twilio.bodies_to(stranger) == [NOT_REGISTERED]
    assert [m.status for m in messages(wired_runtime.db, "inbound")] == ["ignored", "ignored"]
    clock.advance(days=1)
    inject_inbound(
        wired_runtime, to_number=project.whatsapp_number, from_number=stranger, body="hi"
    )
    Worker(wired_runtime).run_once()
    assert twilio.bodies_to(stranger) == [NOT_REGISTERED, NOT_REGISTERED]


def test_inactive_operator_is_treated_as_unknown(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    with wired_runtime.db.session() as session:
        session.get(User, user.id).is_active = False
    _inject(wired_runtime, project, user)
    Worker(wired_runtime).run_once()
    assert twilio.bodies_to(user.phone) == [NOT_REGISTERED]
    with wired_runtime.db.session() as session:
        assert session.scalars(select(ChatSession)).all() == []


def test_failing_turn_is_retried_then_answered_with_an_apology(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    calls = []

    def broken(ctx: TurnContext) -> Reply:
        calls.append(ctx.message.attempts)
        ctx.scope.insert(Contact(display_name="Half-written"))  # must be rolled back
        raise RuntimeError("planner exploded")

    _inject(wired_runtime, project, user, body="next")
    Worker(wired_runtime, handler=broken, max_attempts=3, retry_delay_seconds=0).run_once()
    assert calls == [1, 2, 3]
    [inbound] = messages(wired_runtime.db, "inbound")
    assert inbound.status == "failed"
    assert "planner exploded" in inbound.error_message
    assert len(twilio.messages) == 1
    assert twilio.messages[0]["Body"].startswith("Sorry, something went wrong")
    with wired_runtime.db.session() as session:
        assert session.scalars(select(Contact)).all() == []


def test_retry_waits_for_its_delay(wired_runtime: Runtime, twilio: TwilioDouble) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    outcomes = iter([RuntimeError("database blip"), None])

    def flaky(ctx: TurnContext) -> Reply:
        error = next(outcomes)
        if error:
            raise error
        return Reply(text="second time lucky")

    _inject(wired_runtime, project, user)
    worker = Worker(wired_runtime, handler=flaky, retry_delay_seconds=60)
    assert worker.run_once() == 1
    [inbound] = messages(wired_runtime.db, "inbound")
    assert inbound.status == "queued" and inbound.attempts == 1
    assert twilio.messages == []
    with wired_runtime.db.session() as session:
        session.get(Message, inbound.id).lease_until = utcnow() - timedelta(seconds=1)
    assert worker.run_once() == 1
    assert twilio.bodies_to(user.phone) == ["second time lucky"]


def test_state_and_session_persist_between_turns(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    seen: list[str | None] = []

    def remembering(ctx: TurnContext) -> Reply:
        seen.append(ctx.state.last_draft)
        ctx.state.last_draft = ctx.text
        return Reply(text=f"got {ctx.text}", prompt_type="free")

    for body in ("one", "two", "three"):
        _inject(wired_runtime, project, user, body=body)
    Worker(wired_runtime, handler=remembering).run_once()
    assert seen == [None, "one", "two"]
    assert twilio.bodies_to(user.phone) == ["got one", "got two", "got three"]
    with wired_runtime.db.session() as session:
        [chat] = session.scalars(select(ChatSession)).all()
        assert chat.state_json["last_draft"] == "three"
        assert chat.whatsapp_thread_id == f"whatsapp:{user.phone}"
        kinds = [e.event_type for e in session.scalars(select(Event))]
    assert kinds.count("session.started") == 1
    assert kinds.count("whatsapp.message.received") == 3
    assert kinds.count("whatsapp.message.sent") == 3


def test_idle_sessions_close_and_reopen(wired_runtime: Runtime, clock: FrozenClock) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    _inject(wired_runtime, project, user)
    Worker(wired_runtime).run_once()
    assert close_idle_sessions(wired_runtime, clock.now()) == 0
    clock.advance(hours=13)
    assert close_idle_sessions(wired_runtime, clock.now()) == 1
    _inject(wired_runtime, project, user)
    Worker(wired_runtime).run_once()
    with wired_runtime.db.session() as session:
        chats = session.scalars(select(ChatSession).order_by(ChatSession.started_at)).all()
        assert [c.closed_at is None for c in chats] == [False, True]
        scope = ProjectScope(session, project.id)
        assert last_inbound_at(scope, session.get(User, user.id)) == clock.now()


def test_long_replies_are_split_at_line_boundaries(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    lines = [f"{i}. Call donor number {i} about the school kits. ✅" for i in range(120)]
    _inject(wired_runtime, project, user)
    Worker(wired_runtime, handler=lambda ctx: Reply(text="\n".join(lines))).run_once()
    bodies = twilio.bodies_to(user.phone)
    assert len(bodies) > 1
    assert all(len(b) <= MAX_BODY for b in bodies)
    assert "\n".join(bodies).splitlines() == lines


def test_split_body_breaks_sentences_and_words() -> None:
    text = "Short sentence. " * 150 + "x" * 2000
    parts = split_body(text)
    assert all(len(p) <= MAX_BODY for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_rate_limit_is_retried_later_and_permanent_errors_recorded(
    wired_runtime: Runtime, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    twilio.fail_next(429, code=20429)
    twilio.fail_next(503)
    _inject(wired_runtime, project, user, body="help")
    worker = Worker(wired_runtime)
    worker.run_once()
    assert twilio.bodies_to(user.phone) == [] and twilio.attempts == 1  # no waiting in-line
    [reply] = messages(wired_runtime.db, "outbound")
    assert (reply.status, reply.attempts, reply.error_code) == ("pending", 1, "20429")
    assert reply.lease_until == clock.now() + timedelta(minutes=1)
    [inbound] = messages(wired_runtime.db, "inbound")
    assert inbound.status == "pending" and "20429" in inbound.error_message
    worker.run_once()
    assert twilio.attempts == 1  # not due yet
    clock.advance(minutes=1)
    worker.run_once()  # 503: waits two minutes more
    assert twilio.attempts == 2 and twilio.messages == []
    clock.advance(minutes=2)
    worker.run_once()
    assert twilio.bodies_to(user.phone) == [HELP_TEXT]
    assert twilio.attempts == 3
    twilio.fail_next(400, code=63016, message="Outside the allowed window")
    _inject(wired_runtime, project, user, body="help")
    worker.run_once()
    clock.advance(hours=1)
    worker.run_once()
    assert twilio.attempts == 4  # a refusal is final
    outbound = messages(wired_runtime.db, "outbound")
    assert [o.status for o in outbound] == ["sent", "failed"]
    assert outbound[1].error_code == "63016"
    inbound = messages(wired_runtime.db, "inbound")
    assert [m.status for m in inbound] == ["done", "undelivered"]
    assert inbound[0].error_message is None
    assert "63016" in inbound[1].error_message
    with wired_runtime.db.session() as session:
        failed = session.scalars(select(Event).where(Event.event_type == "whatsapp.message.failed"))
        assert [e.data["error_code"] for e in failed] == ["63016"]


def test_without_credentials_replies_are_simulated(runtime: Runtime) -> None:
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    _inject(runtime, project, user)
    Worker(runtime).run_once()
    [reply] = messages(runtime.db, "outbound")
    assert (reply.status, reply.body, reply.twilio_sid) == ("simulated", HELP_TEXT, None)


def test_deferred_messages_go_out_with_the_next_reply(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    with wired_runtime.db.session() as session:
        scope = ProjectScope(session, project.id, actor="system:nudge")
        rows = record_outbound(
            scope,
            user.phone,
            "3 follow-ups are due",
            now=wired_runtime.clock.now(),
            user_id=user.id,
            status="deferred",
        )
        assert [r.status for r in rows] == ["deferred"]
    assert twilio.messages == []
    _inject(wired_runtime, project, user)
    Worker(wired_runtime).run_once()
    assert twilio.bodies_to(user.phone) == [HELP_TEXT, "3 follow-ups are due"]


def test_reply_recorded_before_a_crash_is_sent_once(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    calls = []

    def counting(ctx: TurnContext) -> Reply:
        calls.append(ctx.message.id)
        return Reply(text="counted")

    _inject(wired_runtime, project, user)
    crashed = Worker(wired_runtime, handler=counting, lease_seconds=0.2)
    claim = claim_next(wired_runtime.db, crashed.worker_id, crashed.lease)
    assert crashed.turn(claim).status == "done"  # the turn committed; the process "dies" here
    time.sleep(0.3)
    assert Worker(wired_runtime, handler=counting).run_once() == 1
    assert len(calls) == 1
    assert twilio.bodies_to(user.phone) == ["counted"]
    [inbound] = messages(wired_runtime.db, "inbound")
    assert (inbound.status, inbound.attempts) == ("done", 2)


def test_a_message_that_keeps_killing_workers_is_given_up(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    _inject(wired_runtime, project, user)
    for _ in range(3):  # three workers claim it and die before finishing
        assert claim_next(wired_runtime.db, "doomed", timedelta(seconds=-1)) is not None
    assert Worker(wired_runtime, max_attempts=3).run_once() == 1
    [inbound] = messages(wired_runtime.db, "inbound")
    assert (inbound.status, inbound.attempts) == ("failed", 4)
    assert "interrupted" in inbound.error_message
    assert twilio.bodies_to(user.phone)[0].startswith("Sorry, something went wrong")
