"""No database transaction during a network call; a model turn that fails midway leaves
nothing behind; the model outage reply promises nothing the worker does not do.

(The overlap of model turns under load is in ``test_turn_concurrency.py``.)
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select, text

from bot.agent.client import MAX_RETRIES, anthropic_client
from bot.clock import FrozenClock
from bot.engine.undo import revert_turn
from bot.models import AuditLog, Memory, Message, Pledge
from bot.store import ProjectScope
from bot.whatsapp.media import fetch_media
from bot.whatsapp.queue import claim_next
from bot.whatsapp.twilio_rest import twilio_client
from bot.whatsapp.worker import Worker
from memory.service import MemoryService
from memory.zerodb import ZeroDBClient
from tests import pipeline_support
from tests.agent_support import rows
from tests.factories import make_contact, make_project, make_user
from tests.resilience_support import deliver, form_for
from tests.scripted_llm import ScriptedLLM, failure, reply, slow, tool_use
from tests.twilio_double import TwilioDouble
from tests.zerodb_fake import FakeZeroDB

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
pytest_plugins = ("tests.agent_fixtures",)  # scripted, assisted
# A report the rules cannot read whole, so the model takes it.
REPORT = "Anita pledged 25k by Friday, her driver answered first"


def _pledge(contact_id, tool_id: str) -> dict:
    return tool_use("record_pledge", {"contact_id": str(contact_id), "amount": "25000"}, tool_id)


def _standing_pledges(runtime) -> list[Pledge]:
    return rows(runtime, Pledge)


# -- the rule is enforced: the detector the whole suite runs under ---------------------
def test_every_network_client_is_caught_inside_a_transaction(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM, network_breaches: list[str]
) -> None:
    """The model, Twilio, a media download and ZeroDB each report a call made while the
    calling thread holds a transaction — and nothing when it holds none."""
    runtime = assisted.extensions["calltime"]
    project = make_project(runtime.db)
    media = [{"url": twilio.add_media("r.jpg", "image/jpeg", b"\xff\xd8jpeg"), "content_type": ""}]
    scripted.add(reply("one"), reply("two"))
    with FakeZeroDB() as fake:
        zerodb = ZeroDBClient(fake.url, fake.api_key, fake.project_id, backoff=0.01)

        def call_everything() -> None:
            anthropic_client(runtime).messages.create(
                model="claude-haiku-4-5", max_tokens=10, messages=[{"role": "user", "content": "x"}]
            )
            twilio_client(runtime).messages.create(
                to="whatsapp:+919800000001", from_=f"whatsapp:{project.whatsapp_number}", body="x"
            )
            fetch_media(runtime, media)
            zerodb.search_memory("x", 1)

        call_everything()
        assert network_breaches == []
        with runtime.db.session() as session:
            session.execute(text("SELECT 1"))  # the transaction begins here
            call_everything()
        zerodb.close()
    caught = [breach.split(" in thread")[0] for breach in network_breaches]
    assert caught == ["the model (Anthropic Messages API)", "Twilio", "a media download", "ZeroDB"]
    assert "call_everything" in network_breaches[0]
    network_breaches.clear()  # made on purpose


# -- a model failure midway -------------------------------------------------------------
def test_model_failure_in_round_two_reverts_round_one_and_a_resend_writes_once(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM
) -> None:
    """Round 1 records a pledge and re-stores a memory (an update of its ``meta``); the
    model then fails for good. Both writes are reverted through the audit log; the
    operator is told nothing was saved; sending the words again records one pledge."""
    runtime = assisted.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    anita = make_contact(runtime.db, project, "Anita Sharma")
    remember = {
        "content": "Anita prefers calls after 6pm",
        "memory_type": "contact_profile",
        "contact_id": str(anita.id),
    }
    with runtime.db.session() as session:  # imported earlier; the assistant will merge into it
        MemoryService(ProjectScope(session, project.id)).store(
            remember["content"], {**remember, "user_id": user.id, "source": "import"}, ["import"]
        )
    [before] = rows(runtime, Memory)
    client = assisted.test_client()
    worker = Worker(runtime)
    scripted.add(
        reply(_pledge(anita.id, "toolu_p1"), tool_use("store_memory", remember, "toolu_m1")),
        *[failure(500)] * (MAX_RETRIES + 1),
    )
    assert deliver(client, form_for(project, user, REPORT, "SM" + "1" * 32)).status_code == 200
    assert worker.run_once() == 1

    assert _standing_pledges(runtime) == []
    [after] = rows(runtime, Memory)
    assert after.meta["source"] == "import"
    assert (after.meta, after.tags, after.session_id) == (before.meta, before.tags, None)
    [failed] = rows(runtime, Message, Message.twilio_sid == "SM" + "1" * 32)
    assert failed.status == "failed" and "AI service had an error" in failed.error_message
    written = rows(runtime, AuditLog, AuditLog.turn_id == failed.id)
    assert {(a.table_name, a.action) for a in written if a.changed_by.startswith("agent:")} >= {
        ("pledges", "insert"),
        ("memories", "update"),
    }
    assert all(
        a.reverted_at is not None or (a.idempotency_key or "").startswith("undo:")
        for a in written
        if a.table_name in ("pledges", "memories", "interactions", "followups")
    )
    fallback = twilio.bodies_to(user.phone)[-1]
    assert "nothing from it was saved" in fallback and "send it again" in fallback

    scripted.add(reply(_pledge(anita.id, "toolu_p2")), reply("Logged Anita's ₹25,000 pledge."))
    assert deliver(client, form_for(project, user, REPORT, "SM" + "2" * 32)).status_code == 200
    assert worker.run_once() == 1
    [pledge] = _standing_pledges(runtime)
    assert (pledge.contact_id, pledge.amount) == (anita.id, Decimal("25000.00"))


def test_a_turn_taken_over_midway_is_redone_once(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM
) -> None:
    """Worker A records a pledge in round 1, then waits on a slow model past its lease.
    Worker B takes the message over: it reverts A's unfinished write, runs the turn and
    records one pledge. A's late round-2 tool call finds the claim gone and writes
    nothing. One pledge, one reply."""
    runtime = assisted.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    anita = make_contact(runtime.db, project, "Anita Sharma")
    scripted.add(
        reply(_pledge(anita.id, "toolu_a1")),
        slow(reply(_pledge(anita.id, "toolu_a2")), 3.0),
        reply(_pledge(anita.id, "toolu_b1")),
        reply("Logged Anita's ₹25,000 pledge."),
    )
    assert deliver(assisted.test_client(), form_for(project, user, REPORT, "SM" + "3" * 32))
    doomed = Worker(runtime, lease_seconds=1.0, name="doomed")
    first = threading.Thread(target=doomed.run_once)
    first.start()
    deadline = time.monotonic() + 20
    while len(scripted.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_standing_pledges(runtime)) == 1, "round 1 committed on its own"
    time.sleep(1.2)  # A's lease runs out while it waits for the model
    assert Worker(runtime, name="rescuer").run_once() == 1
    first.join(timeout=20)

    [pledge] = _standing_pledges(runtime)
    keys = {
        a.idempotency_key for a in rows(runtime, AuditLog, AuditLog.record_id == str(pledge.id))
    }
    assert any(key.endswith(":toolu_b1") for key in keys)
    [body] = twilio.bodies_to(user.phone)
    assert body.split("\nDraft: ")[0] == "Logged Anita's ₹25,000 pledge."
    [inbound] = rows(runtime, Message, Message.direction == "inbound")
    assert (inbound.status, inbound.attempts) == ("done", 2)
    assert len(scripted.requests) == 4


# -- the model outage reply -------------------------------------------------------------
def test_model_outage_reply_promises_no_retry_and_none_happens(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM, clock: FrozenClock
) -> None:
    runtime = assisted.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    scripted.add(*[failure(529)] * (MAX_RETRIES + 1))
    assert deliver(
        assisted.test_client(), form_for(project, user, "how is it going", "SM" + "4" * 32)
    )
    worker = Worker(runtime, retry_delay_seconds=0)
    assert worker.run_once() == 1

    [fallback] = twilio.bodies_to(user.phone)
    assert "overloaded" in fallback and "Please send it again in a minute." in fallback
    assert "retry" not in fallback.lower() and "I will" not in fallback
    clock.advance(hours=1)
    time.sleep(0.1)
    assert worker.run_once() == 0  # nothing was put back in the queue
    assert len(scripted.requests) == MAX_RETRIES + 1
    [inbound] = rows(runtime, Message, Message.direction == "inbound")
    assert (inbound.status, inbound.attempts) == ("failed", 1)


# -- SQLite's lock: the webhook and /healthz answer instead of hanging -------------------
def test_webhook_healthz_and_readers_answer_quickly_while_the_database_is_locked(
    assisted: Flask, db_url: str
) -> None:
    runtime = assisted.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    client = assisted.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "ok"
    if not db_url.startswith("sqlite"):
        return  # PostgreSQL has no database-wide write lock to hold
    holder = sqlite3.connect(runtime.db.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        started = time.monotonic()
        health = client.get("/healthz")
        assert time.monotonic() - started < 2.0
        assert health.status_code == 503 and health.json["database"] == "locked"
        started = time.monotonic()
        answer = deliver(client, form_for(project, user, "help", "SM" + "5" * 32))
        waited = time.monotonic() - started
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        assert waited < 10.0, f"the webhook hung for {waited:.1f} s (Twilio gives up at 15 s)"
        # Reading needs no write lock: an idle worker's look at the queue and a read-only
        # unit of work answer at once.
        started = time.monotonic()
        assert claim_next(runtime.db, "idle", timedelta(minutes=5)) is None
        with runtime.db.session(read_only=True) as session:
            assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert time.monotonic() - started < 1.0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert deliver(client, form_for(project, user, "help", "SM" + "5" * 32)).status_code == 200


# -- undo's machinery restores attributes named differently from their columns -----------
def test_revert_restores_an_attribute_whose_column_has_another_name(db, clock) -> None:
    project = make_project(db)
    turn = make_project(db, "Turn ids come from messages").id  # any id will do
    with db.session() as session:
        memory = ProjectScope(session, project.id).insert(
            Memory(
                content="Prefers Hindi",
                content_hash="h",
                memory_type="contact_profile",
                importance="medium",
                meta={"source": "import"},
            )
        )
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="agent:x", turn_id=turn)
        scope.update(session.get(Memory, memory.id), meta={"source": "agent"})
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="agent:x", turn_id=turn)
        assert revert_turn(scope, turn, clock.now()) == {}
    with db.session() as session:
        assert session.get(Memory, memory.id).meta == {"source": "import"}
