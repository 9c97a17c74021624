"""Operators never wait for each other's model turns (no transaction during a model call).

Five operators send free text at the same moment to a model that takes 3 s per call,
and a sixth sends commands. Through the real webhook (signed, over HTTP) and the worker
threads ``calltime serve`` runs (their default count), with replies sent through the
real ``twilio`` library to the recording double.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.clock import FrozenClock
from bot.whatsapp.worker_threads import start_worker_threads
from tests import pipeline_support
from tests.browser import LiveServer
from tests.factories import make_contact, make_project, make_user
from tests.pipeline_support import make_app
from tests.scripted_llm import DUMMY_KEY, ScriptedLLM, reply, slow
from tests.twilio_double import AUTH_TOKEN, TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
MODEL_SECONDS = 3.0
COMMANDS = ("help", "stats", "due")


@pytest.fixture
def scripted() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


def _post(http: httpx.Client, base: str, phone: str, to: str, body: str, sid: str) -> float:
    """Deliver one signed webhook; returns how long the acknowledgement took (seconds)."""
    url = base + "/whatsapp/inbound"
    form = {"MessageSid": sid, "From": f"whatsapp:{phone}", "To": f"whatsapp:{to}"}
    form |= {"Body": body, "NumMedia": "0"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    started = time.monotonic()
    answer = http.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    return time.monotonic() - started


def _arrivals(double: TwilioDouble, expected: int, started: float, budget: float) -> list[float]:
    """When each message reached the double (seconds after ``started``), in order."""
    seen: list[float] = []
    deadline = time.monotonic() + budget
    while len(seen) < expected and time.monotonic() < deadline:
        seen.extend([time.monotonic() - started] * (len(double.messages) - len(seen)))
        time.sleep(0.02)
    return seen


@pytest.mark.slow
def test_model_turns_overlap_and_commands_are_answered_meanwhile(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble, scripted: ScriptedLLM
) -> None:
    app = make_app(
        db_url,
        tmp_path,
        clock,
        **twilio.settings(),
        anthropic_api_key=DUMMY_KEY,
        anthropic_base_url=scripted.url,
    )
    db = app.extensions["calltime"].db
    project = make_project(db)
    writers = [make_user(db, project, f"Writer {i}") for i in range(5)]
    commander = make_user(db, project, "Commander")
    make_contact(db, project, "Anita Sharma")
    scripted.add(*[slow(reply("Noted, thank you."), MODEL_SECONDS) for _ in writers])
    stop = threading.Event()
    workers = start_worker_threads(app, stop)  # as many as `calltime serve` starts
    acks: list[float] = []
    try:
        with LiveServer(app) as server, ThreadPoolExecutor(max_workers=6) as pool:
            clients = threading.local()

            def http() -> httpx.Client:  # one client per sending thread, made before timing
                if not hasattr(clients, "http"):
                    clients.http = httpx.Client(timeout=15)
                return clients.http

            list(pool.map(lambda _: http(), range(12)))
            started = time.monotonic()

            def free_text(index: int) -> None:
                body = f"what should I tell donors about the school kits? ({index})"
                sid = f"SM{index:02d}" + "a" * 30
                acks.append(
                    _post(
                        http(), server.url, writers[index].phone, project.whatsapp_number, body, sid
                    )
                )

            def commands() -> None:
                for n, command in enumerate(COMMANDS):
                    sid = f"SM9{n}" + "c" * 30
                    acks.append(
                        _post(
                            http(),
                            server.url,
                            commander.phone,
                            project.whatsapp_number,
                            command,
                            sid,
                        )
                    )

            sent = [pool.submit(free_text, i) for i in range(len(writers))]
            sent.append(pool.submit(commands))
            arrived = _arrivals(twilio, len(writers) + len(COMMANDS), started, budget=30)
            for future in sent:
                future.result()
    finally:
        stop.set()
        for thread in workers:
            thread.join(timeout=30)
        db.dispose()

    recipients = [m["To"] for m in twilio.messages]
    command_times = [
        t for t, to in zip(arrived, recipients, strict=True) if to == f"whatsapp:{commander.phone}"
    ]
    model_times = [
        t for t, to in zip(arrived, recipients, strict=True) if to != f"whatsapp:{commander.phone}"
    ]
    assert len(acks) == len(writers) + len(COMMANDS)
    assert max(acks) < 0.5, f"slowest webhook acknowledgement took {max(acks):.2f} s"
    assert len(command_times) == len(COMMANDS) and len(model_times) == len(writers)
    assert max(command_times) < min(model_times), "a command waited for a model turn"
    assert min(model_times) >= MODEL_SECONDS
    assert max(model_times) < 2 * MODEL_SECONDS, f"model turns ran one after another: {model_times}"
    assert scripted.max_in_flight > 1
