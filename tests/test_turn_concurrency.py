"""Operators never wait for each other's model turns (no transaction during a model call).

Five operators send free text at the same moment to a model that takes 3 s per call,
and a sixth sends commands. Through the real webhook (signed, over HTTP) and the worker
pool ``calltime serve`` runs (its default size), with replies sent through the real
``twilio`` library to the recording double. One model turn and one command are run
first, alone: they warm the process up and measure how long one turn takes here.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from bot.models import User
from bot.whatsapp.worker_threads import start_worker_threads
from tests import pipeline_support
from tests.browser import LiveServer
from tests.factories import make_contact, make_project, make_user
from tests.resilience_support import BASE
from tests.scripted_llm import ScriptedLLM, reply, slow
from tests.twilio_double import AUTH_TOKEN, TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
pytest_plugins = ("tests.agent_fixtures",)  # scripted, assisted
MODEL_SECONDS = 3.0
WRITERS = 5
COMMANDS = ("stats", "due", "help")
QUESTION = "what should I tell donors about the school kits?"


class Sender:
    """Signed webhooks to a live server, one HTTP client per sending thread."""

    def __init__(self, base: str, to: str) -> None:
        self.url, self.to = base + "/whatsapp/inbound", to
        self.signed_url = BASE + "/whatsapp/inbound"  # the URL Twilio is configured with
        self._local = threading.local()
        self._sids = iter(range(10_000))

    def post(self, user: User, body: str) -> float:
        """Deliver ``body`` from ``user``; returns how long the acknowledgement took (s)."""
        if not hasattr(self._local, "http"):
            self._local.http = httpx.Client(timeout=15)
        form = {"MessageSid": f"SM{next(self._sids):032d}", "From": f"whatsapp:{user.phone}"}
        form |= {"To": f"whatsapp:{self.to}", "Body": body, "NumMedia": "0"}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(self.signed_url, form)
        started = time.monotonic()
        answer = self._local.http.post(
            self.url, data=form, headers={"X-Twilio-Signature": signature}
        )
        assert answer.status_code == 200, answer.text
        return time.monotonic() - started


def _arrivals(double: TwilioDouble, expected: int, since: float, budget: float) -> list[float]:
    """When each message reached the double (seconds after ``since``), in order."""
    seen: list[float] = []
    deadline = time.monotonic() + budget
    while len(seen) < expected and time.monotonic() < deadline:
        seen.extend([time.monotonic() - since] * (len(double.messages) - len(seen)))
        time.sleep(0.01)
    return seen


def _one_at_a_time(sender: Sender, double: TwilioDouble, user: User, body: str) -> float:
    """Send ``body`` alone and return how long its reply took (seconds)."""
    before, started = len(double.messages), time.monotonic()
    sender.post(user, body)
    while len(double.messages) == before and time.monotonic() - started < 30:
        time.sleep(0.01)
    assert len(double.messages) > before, f"no reply to {body!r} within 30 s"
    return time.monotonic() - started


@pytest.mark.slow
def test_model_turns_overlap_and_commands_are_answered_meanwhile(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM
) -> None:
    db = assisted.extensions["calltime"].db
    project = make_project(db)
    writers = [make_user(db, project, f"Writer {i}") for i in range(WRITERS)]
    commander = make_user(db, project, "Commander")
    make_contact(db, project, "Anita Sharma")
    scripted.add(*[slow(reply("Noted, thank you."), MODEL_SECONDS) for _ in range(WRITERS + 1)])
    stop = threading.Event()
    pool_threads = start_worker_threads(assisted, stop)  # as many as `calltime serve` runs
    acks: list[float] = []
    try:
        with LiveServer(assisted) as server, ThreadPoolExecutor(max_workers=6) as pool:
            sender = Sender(server.url, project.whatsapp_number)
            one_turn = _one_at_a_time(sender, twilio, writers[0], QUESTION)
            _one_at_a_time(sender, twilio, commander, "help")
            scripted.max_in_flight, warm = 0, len(twilio.messages)

            def commands() -> None:
                for command in COMMANDS:
                    acks.append(sender.post(commander, command))

            started = time.monotonic()
            sent = [pool.submit(lambda w=w: acks.append(sender.post(w, QUESTION))) for w in writers]
            sent.append(pool.submit(commands))
            arrived = _arrivals(twilio, warm + WRITERS + len(COMMANDS), started, budget=60)[warm:]
            for future in sent:
                future.result()
    finally:
        stop.set()
        for thread in pool_threads:
            thread.join(timeout=30)

    to_commander = [m["To"] == f"whatsapp:{commander.phone}" for m in twilio.messages[warm:]]
    command_times = [t for t, mine in zip(arrived, to_commander, strict=True) if mine]
    model_times = [t for t, mine in zip(arrived, to_commander, strict=True) if not mine]
    assert len(acks) == WRITERS + len(COMMANDS)
    assert max(acks) < 0.5, f"slowest webhook acknowledgement took {max(acks):.2f} s"
    assert len(command_times) == len(COMMANDS) and len(model_times) == WRITERS
    assert max(command_times) < min(model_times), "a command waited for a model turn"
    assert min(model_times) >= MODEL_SECONDS <= one_turn
    assert max(model_times) < 2 * one_turn, (
        f"five model turns took {max(model_times):.1f} s; one alone took {one_turn:.1f} s"
    )
    assert scripted.max_in_flight > 1
