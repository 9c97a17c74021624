"""Resilience: the model failing for a minute, then coming back.

The scripted Messages API answers 529 (overloaded) and 500 for every call during a
one-minute window of the business clock (failures are scripted, not slept through);
the SDK's retries are exhausted on each message. Nothing the model did in that window
is kept (a write made before the model failed is reverted through the audit log, as
``undo`` would), each message gets exactly one fallback reply, Twilio re-delivering one
of them changes nothing, and after the window the operator's message is recorded exactly
once.
"""

from __future__ import annotations

from flask import Flask

from bot.agent.client import MAX_RETRIES
from bot.clock import FrozenClock
from bot.models import AuditLog, Interaction, Message, ProviderUsage
from bot.whatsapp.worker import Worker
from tests import pipeline_support
from tests.agent_support import rows
from tests.factories import make_contact, make_project, make_user
from tests.resilience_support import assert_each_answered_once, deliver, form_for
from tests.scripted_llm import ScriptedLLM, failure, reply, tool_use
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
pytest_plugins = ("tests.agent_fixtures",)  # scripted, assisted
ATTEMPTS = MAX_RETRIES + 1  # one call and the SDK's retries


def test_model_down_for_a_minute(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM, clock: FrozenClock
) -> None:
    """Six free-text messages 10 s apart while the model fails (one of them after a
    successful first round that already logged a call): six fallback replies, no
    interaction kept, every failed call in ``provider_usage``. A re-delivered message
    gets nothing more. Afterwards the same words are recorded once."""
    runtime = assisted.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    anita = make_contact(runtime.db, project, "Anita Sharma")
    log_call = {"contact_id": str(anita.id), "outcome": "no_response"}
    client = assisted.test_client()
    worker = Worker(runtime)
    sids = []
    for n in range(6):  # one minute of outage on the business clock
        if n == 0:
            scripted.add(reply(tool_use("log_interaction", log_call)))  # written, then undone
        scripted.add(*[failure(529 if k % 2 else 500) for k in range(ATTEMPTS)])
        form = form_for(project, user, f"Anita didn't pick up ({n})", f"SM{n:06d}" + "c" * 26)
        sids.append(form["MessageSid"])
        assert deliver(client, form).status_code == 200
        assert worker.run_once() == 1
        clock.advance(seconds=10)
    assert deliver(client, form_for(project, user, "x", sids[0])).status_code == 200  # again
    assert worker.run_once() == 0
    assert rows(runtime, Interaction) == []
    assert all(m.status == "failed" for m in rows(runtime, Message, Message.direction == "inbound"))
    fallbacks = twilio.bodies_to(user.phone)
    assert len(fallbacks) == 6 and all("nothing from it was saved" in b for b in fallbacks)
    assert sum(u.error is not None for u in rows(runtime, ProviderUsage)) == 6

    scripted.add(reply(tool_use("log_interaction", log_call)), reply("Logged: no answer."))
    recovered = form_for(project, user, "Anita didn't pick up, driver answered", "SM" + "d" * 32)
    assert deliver(client, recovered).status_code == 200
    assert worker.run_once() == 1
    assert len(rows(runtime, Interaction)) == 1
    [answered] = rows(runtime, Message, Message.twilio_sid == recovered["MessageSid"])
    # The write of the outage is in the audit log, reverted by the failed turn itself
    # (the undo machinery): the only write still standing is the recovered one.
    audits = rows(runtime, AuditLog)
    standing = {
        a.idempotency_key
        for a in audits
        if a.idempotency_key and a.reverted_at is None and not a.idempotency_key.startswith("undo:")
    }
    assert len(standing) == 1 and standing.pop().startswith(f"{answered.id}:"), (
        "a write was kept twice"
    )
    outage = [a for a in audits if a.turn_id != answered.id and a.table_name == "interactions"]
    assert outage and all(
        a.reverted_at is not None or a.idempotency_key.startswith("undo:") for a in outage
    )
    assert twilio.bodies_to(user.phone)[-1].split("\nDraft: ")[0] == "Logged: no answer."
    assert_each_answered_once(runtime.db, twilio, [*sids, recovered["MessageSid"]])
