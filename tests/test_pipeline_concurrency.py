"""Acceptance: concurrent webhooks with duplicates, several workers, and a worker crash."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.clock import FrozenClock
from bot.db import Database
from bot.engine.session_commands import HELP as HELP_TEXT
from bot.migrate import upgrade
from bot.models import Message
from bot.whatsapp.worker_threads import start_worker_threads
from tests.browser import LiveServer
from tests.factories import make_project, make_user
from tests.pipeline_support import make_app, messages
from tests.twilio_double import AUTH_TOKEN, TwilioDouble

ROOT = Path(__file__).resolve().parent.parent
CALLTIME = str(Path(sys.executable).parent / "calltime")
OPERATORS = 20
PER_OPERATOR = 10


@pytest.fixture
def double() -> Iterator[TwilioDouble]:
    with TwilioDouble() as twilio:
        yield twilio


@pytest.fixture
def served(
    db_url: str, tmp_path: Path, clock: FrozenClock, double: TwilioDouble
) -> Iterator[tuple[Flask, LiveServer]]:
    app = make_app(db_url, tmp_path, clock, **double.settings())
    with LiveServer(app) as server:
        yield app, server
    app.extensions["calltime"].db.dispose()


def worker_env(db_url: str, tmp_path: Path, double: TwilioDouble, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ANTHROPIC_"))}
    env.update(
        DATABASE_URL=db_url,
        CALLTIME_INSTANCE_PATH=str(tmp_path / "worker-instance"),
        TWILIO_ACCOUNT_SID=double.account_sid,
        TWILIO_AUTH_TOKEN=double.auth_token,
        TWILIO_API_BASE_URL=double.url,
        SECRET_KEY="test",
    )
    # Twilio credentials need PUBLIC_BASE_URL; a test serving on its own port passes its own.
    env["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    env.update(extra)
    return env


def post_signed(http: httpx.Client, url: str, form: dict[str, str]) -> int:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    return http.post(url, data=form, headers={"X-Twilio-Signature": signature}).status_code


def send_all(server: LiveServer, project, users) -> None:
    """Each operator posts 10 numbered messages in order; everyone at once; 1 in 5 twice."""
    url = server.url + "/whatsapp/inbound"

    def conversation(index: int) -> None:
        user = users[index]
        with httpx.Client(timeout=30) as http:
            for n in range(PER_OPERATOR):
                form = {
                    "MessageSid": f"SM{index:02d}{n:02d}" + "f" * 28,
                    "From": f"whatsapp:{user.phone}",
                    "To": f"whatsapp:{project.whatsapp_number}",
                    "Body": f"msg {n}",
                    "NumMedia": "0",
                }
                assert post_signed(http, url, form) == 200
                if n % 5 == 2:  # Twilio retrying a webhook it thinks timed out
                    assert post_signed(http, url, form) == 200

    with ThreadPoolExecutor(max_workers=OPERATORS) as pool:
        list(pool.map(conversation, range(OPERATORS)))


def wait_until_settled(app: Flask, expected: int, timeout: float = 120) -> list[Message]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inbound = messages(app.extensions["calltime"].db, "inbound")
        if len(inbound) == expected and all(m.status == "done" for m in inbound):
            return inbound
        time.sleep(0.2)
    raise AssertionError("the queue did not drain in time")


def by_id_body(inbound: list[Message], message_id) -> str:
    return next(m.body for m in inbound if m.id == message_id)


def assert_exactly_once_in_order(app: Flask, double: TwilioDouble, users) -> None:
    inbound = wait_until_settled(app, OPERATORS * PER_OPERATOR)
    assert len({m.twilio_sid for m in inbound}) == OPERATORS * PER_OPERATOR
    outbound = messages(app.extensions["calltime"].db, "outbound")
    assert sorted(o.reply_to_id for o in outbound) == sorted(m.id for m in inbound)
    assert len(double.messages) == OPERATORS * PER_OPERATOR
    # Each reply answers its own message: the planner quotes text it cannot parse.
    for sid, form in zip(double.sids, double.messages, strict=True):
        quoted = next(o for o in outbound if o.twilio_sid == sid)
        assert f"“{by_id_body(inbound, quoted.reply_to_id)}”" in form["Body"]
    by_id = {m.id: m for m in inbound}
    reply_for_sid = {o.twilio_sid: by_id[o.reply_to_id] for o in outbound}
    answered: dict[str, list[int]] = defaultdict(list)
    for sid, form in zip(double.sids, double.messages, strict=True):
        answered[form["To"]].append(int(reply_for_sid[sid].body.split()[1]))
    for user in users:
        assert answered[f"whatsapp:{user.phone}"] == list(range(PER_OPERATOR))


def make_operators(app: Flask):
    db = app.extensions["calltime"].db
    project = make_project(db)
    return project, [make_user(db, project, name=f"Operator {i}") for i in range(OPERATORS)]


@pytest.mark.slow
def test_concurrent_webhooks_handled_once_in_order(
    served, double: TwilioDouble, db_url: str, tmp_path: Path
) -> None:
    app, server = served
    project, users = make_operators(app)
    if db_url.startswith("sqlite"):
        stop = threading.Event()
        threads = start_worker_threads(app, stop, count=3)
        try:
            send_all(server, project, users)
            assert_exactly_once_in_order(app, double, users)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
        return
    env = worker_env(db_url, tmp_path, double)
    workers = [subprocess.Popen([CALLTIME, "worker"], env=env, cwd=ROOT) for _ in range(2)]
    try:
        send_all(server, project, users)
        assert_exactly_once_in_order(app, double, users)
        with app.extensions["calltime"].db.session() as session:
            holders = set(
                session.scalars(select(Message.locked_by).where(Message.direction == "inbound"))
            )
        assert holders == {None}
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=20) for proc in workers]
    assert codes == [0, 0]


@pytest.mark.slow
def test_worker_killed_mid_turn_is_retried_once(
    db_url: str, tmp_path: Path, clock: FrozenClock, double: TwilioDouble
) -> None:
    app = make_app(db_url, tmp_path, clock, **double.settings())
    db = app.extensions["calltime"].db
    project = make_project(db)
    user = make_user(db, project)
    from bot.whatsapp.intake import inject_inbound

    inject_inbound(
        app.extensions["calltime"],
        to_number=project.whatsapp_number,
        from_number=user.phone,
        body="help",
    )
    marker = tmp_path / "turn-started"
    env = worker_env(db_url, tmp_path, double, CALLTIME_TEST_MARKER=str(marker))
    doomed = subprocess.Popen(
        [sys.executable, "-m", "tests.pipeline_crash_worker"], env=env, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the worker never started the turn"
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    [held] = messages(db, "inbound")
    assert (held.status, held.attempts) == ("processing", 1)
    time.sleep(1.1)  # the dead worker's lease runs out
    restarted = subprocess.run([CALLTIME, "worker", "--once"], env=env, cwd=ROOT, timeout=60)
    assert restarted.returncode == 0
    [inbound] = messages(db, "inbound")
    assert (inbound.status, inbound.attempts) == ("done", 2)
    assert double.bodies_to(user.phone) == [HELP_TEXT]
    assert [o.reply_to_id for o in messages(db, "outbound")] == [inbound.id]
    db.dispose()


@pytest.mark.slow
def test_calltime_serve_answers_and_stops_cleanly(tmp_path: Path, double: TwilioDouble) -> None:
    """The embedded mode: HTTP and worker threads in one process, SIGTERM exits 0."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    db = Database(url)
    upgrade(db.engine)
    project = make_project(db)
    user = make_user(db, project)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = worker_env(url, tmp_path, double, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    server = subprocess.Popen([CALLTIME, "serve", "--port", str(port)], env=env, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        form = {
            "MessageSid": "SM" + "e" * 32,
            "From": f"whatsapp:{user.phone}",
            "To": f"whatsapp:{project.whatsapp_number}",
            "Body": "help",
            "NumMedia": "0",
        }
        with httpx.Client(timeout=10) as http:
            assert post_signed(http, base + "/whatsapp/inbound", form) == 200
        while not double.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert double.bodies_to(user.phone) == [HELP_TEXT]
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        db.dispose()
    assert code == 0
