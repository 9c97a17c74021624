"""Resilience: hostile, broken and overwhelming input never loses or repeats a message.

Each test says what it tried; each ends by checking that every accepted MessageSid was
stored once and answered once (:func:`assert_each_answered_once`). A worker SIGKILLed
mid-turn is covered by ``tests/test_pipeline_concurrency.py::
test_worker_killed_mid_turn_is_retried_once``; the model failing is in
``tests/test_resilience_model.py``; the cross-project probes in
``tests/test_resilience_tenancy.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from bot.clock import FrozenClock
from bot.models import Project, User
from bot.whatsapp.queue import claim_next
from bot.whatsapp.worker import Worker
from tests import pipeline_support
from tests.factories import make_project, make_user
from tests.pipeline_support import make_app, messages
from tests.resilience_support import (
    BASE,
    assert_each_answered_once,
    database_down,
    deliver,
    form_for,
    run_burst,
    sign,
)
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)


@pytest.fixture
def wired(db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble) -> Iterator[Flask]:  # noqa: F811
    app = make_app(db_url, tmp_path, clock, **twilio.settings(), public_base_url=BASE)
    yield app
    app.extensions["calltime"].db.dispose()


@pytest.fixture
def operator(wired: Flask) -> tuple[Project, User]:
    db = wired.extensions["calltime"].db
    project = make_project(db)
    return project, make_user(db, project)


def sid(n: int, prefix: str = "a") -> str:
    return f"SM{n:06d}" + prefix * 26


def test_forged_and_replayed_signatures(wired: Flask, operator, twilio: TwilioDouble) -> None:
    """Forged, misdirected and transplanted signatures: 403, nothing stored. The genuine
    request replayed three times is stored once and answered once."""
    project, user = operator
    client = wired.test_client()
    genuine = form_for(project, user, "paid 5000", sid(1))
    captured = sign(genuine)
    attempts = {
        "another token": (genuine, sign(genuine, token="not-the-auth-token")),
        "another URL": (genuine, sign(genuine, "https://attacker.example/whatsapp/inbound")),
        "tampered body": ({**genuine, "Body": "paid 500000"}, captured),
        "transplanted": (form_for(project, user, "undo", sid(2)), captured),
        "no signature": (genuine, None),
    }
    for what, (form, signature) in attempts.items():
        assert deliver(client, form, signature).status_code == 403, what
    assert messages(wired.extensions["calltime"].db) == []
    for _ in range(3):  # Twilio (or an attacker) replaying the genuine request verbatim
        assert deliver(client, genuine, captured).status_code == 200
    Worker(wired.extensions["calltime"]).run_once()
    [reply] = messages(wired.extensions["calltime"].db, "outbound")
    forged = {"MessageSid": reply.twilio_sid, "MessageStatus": "failed", "ErrorCode": "30008"}
    bad = sign(forged, BASE + "/whatsapp/status", token="not-the-auth-token")
    assert deliver(client, forged, bad, path="/whatsapp/status").status_code == 403
    [reply] = messages(wired.extensions["calltime"].db, "outbound")
    assert reply.status == "sent" and reply.error_code is None
    assert_each_answered_once(wired.extensions["calltime"].db, twilio, [sid(1)])


def _raw(client, **kwargs):
    """POST something that is not Twilio's form, signed as an empty form would be."""
    headers = {"X-Twilio-Signature": sign({})}
    return client.post("/whatsapp/inbound", base_url=BASE, headers=headers, **kwargs)


def test_malformed_oversized_and_empty_bodies(wired: Flask, operator, twilio: TwilioDouble) -> None:
    """Garbage, JSON, an empty POST, a 4,097-character body and a 2 MB+ request are
    refused with a 4xx (never a 500) and store nothing; a message whose Body is empty
    is a real (if odd) message: stored once, answered once with the command list."""
    project, user = operator
    client = wired.test_client()
    huge = form_for(project, user, "y" * (2 * 1024 * 1024 + 1), sid(4))
    refusals = {
        "empty POST": (_raw(client, data={}), 400),
        "JSON instead of a form": (_raw(client, json={"MessageSid": sid(9)}), 400),
        "undecodable bytes": (
            _raw(
                client,
                data=b"\xff\xfe%%%=&&Body=\x00",
                content_type="application/x-www-form-urlencoded",
            ),
            400,
        ),
        "body over 4,096 characters": (
            deliver(client, form_for(project, user, "x" * 4097, sid(3))),
            400,
        ),
        "request over MAX_CONTENT_LENGTH": (deliver(client, huge, signature="unchecked"), 413),
    }
    for what, (response, expected) in refusals.items():
        assert response.status_code == expected, (what, response.status_code, response.data)
    assert messages(wired.extensions["calltime"].db) == []
    assert deliver(client, form_for(project, user, "", sid(5))).status_code == 200
    Worker(wired.extensions["calltime"]).run_once()
    assert "next" in twilio.bodies_to(user.phone)[0]
    assert_each_answered_once(wired.extensions["calltime"].db, twilio, [sid(5)])


#: The suite's burst; ``python -m bench --only resilience`` sends 1,000 the same way.
BURST = 100


@pytest.mark.slow
def test_burst(wired: Flask, twilio: TwilioDouble) -> None:
    """100 messages from 20 operators in one burst through the real webhook, every 10th
    delivered twice (Twilio retrying), then the worker: each stored once and answered
    once with its own text quoted back. (1,000: ``bench/bench_resilience.py``.)"""
    sids = run_burst(wired, twilio, BURST)
    assert_each_answered_once(wired.extensions["calltime"].db, twilio, sids)


def test_database_down_for_a_few_seconds(wired: Flask, operator, twilio: TwilioDouble) -> None:
    """The database goes away for ~2 s: Twilio's deliveries get 503 + Retry-After (so
    Twilio retries), a status callback gets 503, the worker's sweep fails without losing
    the message it had claimed. When the database is back, Twilio's retry is stored once,
    the claimed message is taken again after its lease, and each is answered once."""
    project, user = operator
    runtime = wired.extensions["calltime"]
    client = wired.test_client()
    before = form_for(project, user, "help", sid(1))
    assert deliver(client, before).status_code == 200
    worker = Worker(runtime, lease_seconds=0.5)
    claim = claim_next(runtime.db, worker.worker_id, worker.lease)
    during = form_for(project, user, "due", sid(2))
    callback = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    with database_down(runtime.db):
        with pytest.raises(OperationalError):
            worker.handle(claim)  # its turn cannot open a transaction; the row stays claimed
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:  # Twilio retrying
            refused = deliver(client, during)
            assert (refused.status_code, refused.headers["Retry-After"]) == (503, "5")
            time.sleep(0.4)
        assert deliver(client, callback, path="/whatsapp/status").status_code == 503
        with pytest.raises(OperationalError):
            worker.run_once()
        assert runtime.db.engine.pool.checkedout() == 0
    assert [m.twilio_sid for m in messages(runtime.db)] == [sid(1)]
    assert deliver(client, during).status_code == 200  # the retry that gets through
    assert deliver(client, during).status_code == 200  # and a late duplicate of it
    time.sleep(0.6)  # the claim's lease runs out
    assert worker.run_once() == 2
    assert twilio.bodies_to(user.phone)[0].startswith("Calltime commands")  # help answered first
    assert_each_answered_once(runtime.db, twilio, [sid(1), sid(2)])
    held = messages(runtime.db, "inbound")[0]
    assert (held.status, held.attempts) == ("done", 2)
    assert all(m.status == "done" for m in messages(runtime.db, "inbound"))


@pytest.mark.slow
def test_threaded_worker_process(
    wired: Flask, operator, twilio: TwilioDouble, db_url: str, tmp_path: Path
) -> None:
    """``calltime worker --threads 3`` (the side-by-side benchmark's workers): five
    messages from one operator are answered once each, in order; SIGTERM exits 0."""
    project, user = operator
    client = wired.test_client()
    sids = [sid(n, "t") for n in range(5)]
    for n, message_sid in enumerate(sids):
        assert (
            deliver(client, form_for(project, user, f"burst {n}", message_sid)).status_code == 200
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ANTHROPIC_"))}
    env.update(
        DATABASE_URL=db_url,
        CALLTIME_INSTANCE_PATH=str(tmp_path / "worker-instance"),
        SECRET_KEY="test",
        PUBLIC_BASE_URL=BASE,
        **{key.upper(): value for key, value in twilio.settings().items()},
    )
    calltime = str(Path(sys.executable).parent / "calltime")
    command = [calltime, "worker", "--threads", "3"]
    if db_url.startswith("sqlite"):
        command.append("--allow-sqlite")  # one host, one file: the test's own
    proc = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(twilio.sids) < len(sids) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
    assert [b.split("“")[1].split("”")[0] for b in twilio.bodies_to(user.phone)] == [
        f"burst {n}" for n in range(5)
    ]
    assert_each_answered_once(wired.extensions["calltime"].db, twilio, sids)
