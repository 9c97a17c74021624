"""Helpers for the resilience tests: signed deliveries, a database outage, the ledger check.

Every resilience test ends with :func:`assert_each_answered_once`: each accepted
MessageSid is stored once, has exactly one reply row (``reply_to_id``), and Twilio (the
recording double) received exactly one message per reply row.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from bot.db import Database
from bot.models import Project, User
from bot.whatsapp.worker_threads import start_worker_threads
from tests.factories import make_project, make_user
from tests.pipeline_support import messages
from tests.twilio_double import AUTH_TOKEN, TwilioDouble

BASE = "https://calltime.example.org"
INBOUND = BASE + "/whatsapp/inbound"
STATUS = BASE + "/whatsapp/status"


def form_for(project: Project, user: User | str, body: str, sid: str) -> dict[str, str]:
    """Twilio's form for a WhatsApp message from ``user`` (or a raw number) to ``project``."""
    phone = user if isinstance(user, str) else user.phone
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": f"whatsapp:{project.whatsapp_number}",
        "Body": body,
        "NumMedia": "0",
    }


def sign(form: dict[str, str], url: str = INBOUND, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def deliver(
    client: FlaskClient,
    form: dict[str, str],
    signature: str | None = "sign",
    path: str = "/whatsapp/inbound",
) -> TestResponse:
    """POST ``form`` as Twilio would; ``signature="sign"`` signs it correctly."""
    if signature == "sign":
        signature = sign(form, BASE + path)
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return client.post(path, data=form, headers=headers, base_url=BASE)


@contextmanager
def database_down(db: Database) -> Iterator[None]:
    """Make the database unreachable: pooled connections dropped, new ones refused.

    The refusal is raised by the driver's own ``OperationalError`` class at connect time
    (SQLAlchemy's ``do_connect`` hook), which is what the app sees when PostgreSQL is
    down or an SQLite file cannot be opened.
    """
    dbapi = db.engine.dialect.loaded_dbapi

    def refuse(*_args: Any) -> None:
        raise dbapi.OperationalError("connection refused: database is down (resilience test)")

    db.engine.dispose()
    event.listen(db.engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "do_connect", refuse)


def assert_each_answered_once(db: Database, twilio: TwilioDouble, sids: list[str]) -> None:
    """Nothing lost, nothing duplicated, for the inbound MessageSids ``sids``."""
    inbound = messages(db, "inbound")
    stored = Counter(m.twilio_sid for m in inbound)
    assert sorted(stored) == sorted(set(sids)), "lost or unexpected inbound messages"
    assert max(stored.values(), default=1) == 1, "an inbound MessageSid was stored twice"
    outbound = messages(db, "outbound")
    replies = Counter(o.reply_to_id for o in outbound)
    assert {m.id for m in inbound} == set(replies), "an inbound message has no reply"
    assert max(replies.values(), default=1) == 1, "an inbound message was answered twice"
    sent_sids = [o.twilio_sid for o in outbound]
    assert None not in sent_sids, "a reply was recorded but never reached Twilio"
    assert sorted(sent_sids) == sorted(twilio.sids), "Twilio got a message twice or not at all"


def run_burst(
    app: Flask,
    twilio: TwilioDouble,
    count: int,
    operators: int = 20,
    ack_ms: list[float] | None = None,
) -> list[str]:
    """``count`` messages from ``operators`` operators in one burst through the real
    webhook (every 10th delivered twice, as Twilio retries), then drained by worker
    threads (4 on PostgreSQL, 1 on SQLite where turns share one write lock).

    Returns the MessageSids sent; checks each reply quotes its own message. Each
    webhook's acknowledgement time is appended to ``ack_ms`` when given.
    """
    runtime = app.extensions["calltime"]
    project = make_project(runtime.db)
    users = [make_user(runtime.db, project, name=f"Operator {i}") for i in range(operators)]
    client = app.test_client()
    sids = []
    for n in range(count):
        form = form_for(project, users[n % operators], f"burst {n}", f"SM{n:06d}" + "b" * 26)
        sids.append(form["MessageSid"])
        for _ in range(2 if n % 10 == 0 else 1):
            started = time.perf_counter()
            assert deliver(client, form).status_code == 200
            if ack_ms is not None:
                ack_ms.append((time.perf_counter() - started) * 1000)
    stop = threading.Event()
    threads = start_worker_threads(app, stop, count=4 if runtime.db.dialect != "sqlite" else 1)
    try:
        deadline = time.monotonic() + 30 + count * 0.5
        while len(twilio.sids) < count and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    inbound = {m.id: m.body for m in messages(runtime.db, "inbound")}
    for reply in messages(runtime.db, "outbound"):
        assert f"“{inbound[reply.reply_to_id]}”" in reply.body
    return sids
