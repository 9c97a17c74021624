"""Resilience: cross-project probes on every HTTP endpoint that exists.

Two projects (two WhatsApp numbers) share one deployment. One person is an operator of
both; another only of project A. The probes try to reach one project's data through
another's number, SID or operator id. The dashboard's probes (every ``/admin`` route
with another project's ids) are in ``tests/test_admin_isolation.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bot.clock import FrozenClock
from bot.models import ChatSession
from bot.whatsapp.unknown_senders import NOT_REGISTERED
from bot.whatsapp.worker import Worker
from tests import pipeline_support
from tests.agent_support import rows
from tests.factories import make_project, make_user, unique_mobile
from tests.pipeline_support import make_app, messages
from tests.resilience_support import BASE, assert_each_answered_once, deliver, form_for
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)


@pytest.fixture
def wired(db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble) -> Iterator[Flask]:
    app = make_app(db_url, tmp_path, clock, **twilio.settings(), public_base_url=BASE)
    yield app
    app.extensions["calltime"].db.dispose()


@pytest.fixture
def tenants(wired: Flask):
    db = wired.extensions["calltime"].db
    a, b = make_project(db, "Asha Trust"), make_project(db, "Bodhi Foundation")
    both = unique_mobile()
    return {
        "a": a,
        "b": b,
        "shared_a": make_user(db, a, "Meera (A)", phone=both),
        "shared_b": make_user(db, b, "Meera (B)", phone=both),
        "only_a": make_user(db, a, "Ravi (A only)"),
    }


def test_webhook_keeps_each_message_in_the_project_it_was_sent_to(
    wired: Flask, tenants, twilio: TwilioDouble
) -> None:
    """An A-only operator writes to B's number: B answers "not registered" from B's
    number, no session opens anywhere, A sees nothing. The shared operator writes to
    each number: each project gets its own message, session and reply, from its own
    number."""
    a, b, client = tenants["a"], tenants["b"], wired.test_client()
    probe = form_for(b, tenants["only_a"], "next", "SM" + "1" * 32)
    to_a = form_for(a, tenants["shared_a"], "help", "SM" + "2" * 32)
    to_b = form_for(b, tenants["shared_b"], "help", "SM" + "3" * 32)
    for form in (probe, to_a, to_b):
        assert deliver(client, form).status_code == 200
    runtime = wired.extensions["calltime"]
    assert Worker(runtime).run_once() == 3
    by_sid = {m.twilio_sid: m for m in messages(runtime.db, "inbound")}
    assert (by_sid[probe["MessageSid"]].project_id, by_sid[probe["MessageSid"]].status) == (
        b.id,
        "ignored",
    )
    assert by_sid[to_a["MessageSid"]].user_id == tenants["shared_a"].id
    assert by_sid[to_b["MessageSid"]].user_id == tenants["shared_b"].id
    sessions = rows(runtime, ChatSession)
    assert sorted((s.project_id, s.user_id) for s in sessions) == sorted(
        [(a.id, tenants["shared_a"].id), (b.id, tenants["shared_b"].id)]
    )
    sent_from = {(m["From"], m["Body"] == NOT_REGISTERED) for m in twilio.messages}
    assert sent_from == {
        (f"whatsapp:{b.whatsapp_number}", True),
        (f"whatsapp:{a.whatsapp_number}", False),
        (f"whatsapp:{b.whatsapp_number}", False),
    }
    assert_each_answered_once(
        runtime.db, twilio, [probe["MessageSid"], to_a["MessageSid"], to_b["MessageSid"]]
    )


def test_status_callbacks_touch_only_the_outbound_row_they_name(
    wired: Flask, tenants, twilio: TwilioDouble
) -> None:
    """A status callback carries no project, only a SID. A signed one naming B's reply
    moves that row and nothing of A's; one naming an inbound SID, or an unknown SID,
    changes nothing; an unsigned one is refused."""
    client = wired.test_client()
    for project, user, sid in (
        (tenants["a"], tenants["shared_a"], "SM" + "4" * 32),
        (tenants["b"], tenants["shared_b"], "SM" + "5" * 32),
    ):
        assert deliver(client, form_for(project, user, "help", sid)).status_code == 200
    runtime = wired.extensions["calltime"]
    Worker(runtime).run_once()
    replies = {m.project_id: m for m in messages(runtime.db, "outbound")}
    b_reply = replies[tenants["b"].id]
    path = "/whatsapp/status"
    probes = [
        ({"MessageSid": b_reply.twilio_sid, "MessageStatus": "read"}, "sign", 200),
        ({"MessageSid": "SM" + "4" * 32, "MessageStatus": "failed", "ErrorCode": "1"}, "sign", 200),
        ({"MessageSid": "SM" + "6" * 32, "MessageStatus": "failed"}, "sign", 200),
        ({"MessageSid": replies[tenants["a"].id].twilio_sid, "MessageStatus": "failed"}, None, 403),
    ]
    for form, signature, expected in probes:
        assert deliver(client, form, signature, path=path).status_code == expected
    after = {m.project_id: m for m in messages(runtime.db, "outbound")}
    assert after[tenants["b"].id].status == "read"
    assert (after[tenants["a"].id].status, after[tenants["a"].id].error_code) == ("sent", None)
    assert {m.status for m in messages(runtime.db, "inbound")} == {"done"}
    assert_each_answered_once(runtime.db, twilio, ["SM" + "4" * 32, "SM" + "5" * 32])


def test_simulator_keeps_projects_apart(wired: Flask, tenants) -> None:
    """The simulator (demo/tests only) serves the demo project alone: a message queues in
    that project, a thread shows that project's messages only, even for a number in both
    projects; another project's operator id is 404; outside demo mode every simulator
    URL is 404."""
    client = wired.test_client()
    shared_a, shared_b = tenants["shared_a"], tenants["shared_b"]
    wired.config["CALLTIME_DEMO_PROJECT_ID"] = str(tenants["a"].id)
    sent = client.post("/simulator/api/send", json={"user_id": str(shared_a.id), "body": "for A"})
    assert sent.status_code == 202
    refused = client.post("/simulator/api/send", json={"user_id": str(shared_b.id), "body": "B"})
    assert refused.status_code == 404
    runtime = wired.extensions["calltime"]
    stored = {m.body: m.project_id for m in messages(runtime.db, "inbound")}
    assert stored == {"for A": tenants["a"].id}
    thread_a = client.get(f"/simulator/api/thread/{shared_a.id}").get_json()["messages"]
    assert [m["body"] for m in thread_a] == ["for A"]
    assert client.get(f"/simulator/api/thread/{shared_b.id}").status_code == 404
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/simulator/api/thread/{missing}").status_code == 404
    wired.testing = False
    for url in ("/simulator/api/operators", f"/simulator/api/thread/{shared_a.id}"):
        assert client.get(url).status_code == 404
    probe = {"user_id": str(shared_a.id), "body": "x"}
    assert client.post("/simulator/api/send", json=probe).status_code == 404
    assert len(messages(runtime.db, "inbound")) == 1
