"""The queue's doorbell: an idle worker starts a stored message at once, not at its next look.

The pools here look at an empty queue only once a minute, so a reply within seconds
can only come from the bell: rung in-process by the intake, or on PostgreSQL by the
``NOTIFY`` of another process's intake (a second :class:`Database`, with its own bell).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import pytest

from bot.db import Database
from bot.runtime import Runtime
from bot.turn.context import Reply
from bot.whatsapp.doorbell import bell_of
from bot.whatsapp.intake import inject_inbound
from bot.whatsapp.worker import Worker
from bot.whatsapp.worker_threads import run_pool
from tests import pipeline_support
from tests.factories import make_project, make_user
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio
wired_app = pipeline_support.wired_app
wired_runtime = pipeline_support.wired_runtime

LOOK_EVERY_S = 60.0
ANSWERED_WITHIN_S = 15.0


@pytest.fixture
def idle_pool(wired_runtime: Runtime) -> Iterator[threading.Event]:
    """Two worker threads that look at an empty queue once a minute."""
    stop = threading.Event()
    workers = [
        Worker(wired_runtime, name=f"bell-{i}", handler=lambda ctx: Reply(text="ok"))
        for i in range(2)
    ]
    pool = threading.Thread(target=run_pool, args=(workers, stop, LOOK_EVERY_S), daemon=True)
    pool.start()
    time.sleep(1.0)  # its first look found nothing; it waits now
    yield stop
    stop.set()
    bell_of(wired_runtime.db).ring()
    pool.join(timeout=10)


def _answered(twilio: TwilioDouble, phone: str) -> bool:
    deadline = time.monotonic() + ANSWERED_WITHIN_S
    while time.monotonic() < deadline:
        if twilio.bodies_to(phone):
            return True
        time.sleep(0.05)
    return False


def test_a_message_stored_in_this_process_wakes_the_idle_pool(
    wired_runtime: Runtime, twilio: TwilioDouble, idle_pool: threading.Event
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    inject_inbound(
        wired_runtime, to_number=project.whatsapp_number, from_number=user.phone, body="help"
    )
    assert _answered(twilio, user.phone)
    assert twilio.bodies_to(user.phone) == ["ok"]


def test_a_message_stored_by_another_process_wakes_the_pool_on_postgresql(
    wired_runtime: Runtime, twilio: TwilioDouble, idle_pool: threading.Event
) -> None:
    if wired_runtime.db.dialect != "postgresql":
        pytest.skip("SQLite has no notifications; its workers share the web process")
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    web = dataclasses.replace(wired_runtime, db=Database(str(wired_runtime.settings.database_url)))
    try:
        inject_inbound(web, to_number=project.whatsapp_number, from_number=user.phone, body="hi")
    finally:
        web.db.dispose()
    assert _answered(twilio, user.phone)
