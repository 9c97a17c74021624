"""Replies Twilio could not take at once: kept, retried minutes apart, delivered once.

Time is the application's injected clock: the recording Twilio double fails while that
clock is inside an outage window, and the tests move through retries by advancing it.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask

from bot.clock import FrozenClock
from bot.runtime import Runtime
from bot.scheduler.outbox import resend_stale
from bot.whatsapp.redelivery import claim_due, deliver_due
from bot.whatsapp.sender import RETRY_BACKOFF, WINDOW
from bot.whatsapp.worker import Worker
from tests import delivery_support, pipeline_support
from tests.delivery_support import echo, inbound_statuses
from tests.factories import make_project, make_user
from tests.pipeline_support import messages
from tests.resilience_support import assert_each_answered_once, deliver, form_for
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
wired = delivery_support.wired  # the app wired to it (fixture)


def test_backoff_grows_in_minutes(wired: Flask, twilio: TwilioDouble, clock: FrozenClock) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    twilio.fail_during(clock, clock.now(), clock.now() + timedelta(hours=2), status=429)
    assert deliver(wired.test_client(), form_for(project, user, "help", "SM" + "a" * 32))
    worker = Worker(runtime)
    worker.run_once()
    waits = []
    for _ in range(len(RETRY_BACKOFF) + 1):
        [reply] = messages(runtime.db, "outbound")
        waits.append(reply.lease_until - clock.now())
        clock.set(reply.lease_until)
        worker.run_once()
    assert waits == [*RETRY_BACKOFF, RETRY_BACKOFF[-1]]
    assert twilio.attempts == len(RETRY_BACKOFF) + 2


def test_a_new_message_sends_waiting_replies_first(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    """Twilio is back before the retry time: the operator's next message carries the
    waiting reply out ahead of its own, so replies arrive in the order asked."""
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    worker = Worker(runtime, handler=echo)
    client = wired.test_client()
    twilio.fail_next(500)
    deliver(client, form_for(project, user, "first", "SM" + "1" * 32))
    worker.run_once()
    clock.advance(seconds=20)
    deliver(client, form_for(project, user, "second", "SM" + "2" * 32))
    worker.run_once()
    assert twilio.bodies_to(user.phone) == ["got: first", "got: second"]
    assert inbound_statuses(runtime) == ["done", "done"]
    clock.advance(minutes=5)
    worker.run_once()
    assert len(twilio.messages) == 2


def test_reply_waits_for_the_next_message_once_the_window_closes(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    twilio.fail_during(clock, clock.now(), clock.now() + WINDOW + timedelta(hours=1))
    client = wired.test_client()
    worker = Worker(runtime, handler=echo)
    deliver(client, form_for(project, user, "pledged 5k", "SM" + "3" * 32))
    worker.run_once()
    attempts = twilio.attempts
    clock.advance(hours=25)  # past the window: free text would be refused (63016)
    worker.run_once()
    assert twilio.attempts <= attempts + 1  # at most the one due before the window closed
    [reply] = messages(runtime.db, "outbound")
    assert reply.status == "deferred" and "24-hour window" in reply.error_message
    assert inbound_statuses(runtime) == ["pending"]
    clock.advance(hours=1)  # Twilio is back; the operator writes again
    deliver(client, form_for(project, user, "hello", "SM" + "4" * 32))
    worker.run_once()
    assert twilio.bodies_to(user.phone) == ["got: hello", "got: pledged 5k"]
    assert inbound_statuses(runtime) == ["done", "done"]


def test_the_clock_and_workers_sweeping_together_send_each_reply_once(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    """Replies left waiting by an outage are swept by three workers and the clock's
    outbox job at the same moment: each goes out once."""
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    users = [make_user(runtime.db, project, name=f"Operator {i}") for i in range(10)]
    twilio.fail_during(clock, clock.now(), clock.now() + timedelta(seconds=30))
    client = wired.test_client()
    sids = []
    for n, user in enumerate(users):
        form = form_for(project, user, "help", f"SM{n:06d}" + "9" * 26)
        sids.append(form["MessageSid"])
        deliver(client, form)
    Worker(runtime).run_once()
    assert twilio.messages == []
    clock.advance(minutes=2)
    twilio.delay_seconds = 0.02  # sends overlap
    sweeps = [lambda i=i: deliver_due(runtime, f"worker-{i}", limit=4) for i in range(3)]
    sweeps.append(lambda: resend_stale(runtime))
    threads = [threading.Thread(target=sweep) for sweep in sweeps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    Worker(runtime).run_once()  # whatever the limits left
    assert_each_answered_once(runtime.db, twilio, sids)
    assert set(inbound_statuses(runtime)) == {"done"}


def test_a_sweep_that_dies_after_claiming_is_taken_over(
    wired: Flask, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    twilio.fail_next(503)
    deliver(wired.test_client(), form_for(project, user, "help", "SM" + "5" * 32))
    Worker(runtime).run_once()
    clock.advance(minutes=1)
    with runtime.db.session() as session:  # claimed and committed, then the process dies
        assert len(claim_due(session, "doomed", clock.now(), 10)) == 1
    assert deliver_due(runtime, "other") == 0  # still held
    clock.advance(minutes=2)  # the lease has run out
    assert deliver_due(runtime, "other") == 1
    assert deliver_due(runtime, "other") == 0
    assert len(twilio.messages) == 1 and inbound_statuses(runtime) == ["done"]
