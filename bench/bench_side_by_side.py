"""Calltime next to the usual recipe, on the same model and the same load.

One process tree runs one :class:`~bench.slow_llm.SlowModelServer` (3 s per call) and
sends the same open-loop load of signed free-text webhooks (by default 50 operators,
one message each every 5 s, 10 each) to:

a. the baseline (:mod:`bench.baseline_app`) under gunicorn: the webhook calls the model
   inline and answers TwiML;
b. Calltime under gunicorn (``bot.app:create_app()``) on PostgreSQL, with ``calltime
   worker --threads`` processes taking the queue and sending replies through the real
   ``twilio`` library to the recording :class:`~tests.twilio_double.TwilioDouble`.

Both web tiers are the Procfile's (2 gunicorn workers × 4 threads). A baseline reply is
delivered when its request got a 200 with a TwiML ``<Message>`` within Twilio's 15 s; a
Calltime reply when the double received it (the queue is given a bounded time to
drain). Lost and duplicated replies are counted by MessageSid ↔ ``reply_to_id``.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.bench_webhook import free_port
from bench.harness import BenchContext, Figure, summarise
from bench.load import TWILIO_TIMEOUT_S, Sent, run_open_loop
from bench.processes import bench_env, start_gunicorn, start_workers, stop
from bench.slow_llm import SlowModelServer
from bot.db import Database
from bot.directory.org import add_user, create_project
from bot.models import Message
from bot.store import ProjectScope
from tests.twilio_double import AUTH_TOKEN, TwilioDouble

PUBLIC_BASE = "https://calltime.bench.example"
PROJECT_NUMBER = "+14155238886"
WORKER_PROCESSES = 2
#: Seconds between one operator's messages. 50 operators every 5 s is 10 free-text turns
#: a second. At every 2 s (25 turns/s) the 2-core benchmark machine, which also runs
#: the simulated Anthropic and Twilio, is out of CPU: Calltime's web tier then waits for
#: CPU behind its own workers and acknowledgements take seconds (measured 2026-11-27:
#: ack median 16.5 s). That measures the box, not the design; see docs/resilience.md.
INTERVAL_S = 5.0
MODEL_LATENCY_S = 3.0
WARM_UP = 8
WARM_UP_PHONE = "+919500000001"


@dataclass
class Outcome:
    """What one side did with the load."""

    sent: list[Sent]
    delivered: int
    duplicated: int
    seconds: float
    model_calls: int

    def figure(self, name: str, engine: str | None, workload: str, scheduled: int) -> Figure:
        latencies = [s.latency_s * 1000 for s in self.sent]
        over = sum(1 for s in self.sent if s.timed_out or s.latency_s >= TWILIO_TIMEOUT_S)
        extra = {
            "sent": len(self.sent),
            "not_sent": scheduled - len(self.sent),  # the load's own deadline passed
            "over_15s_share": round(over / len(self.sent), 3),
            "delivered": self.delivered,
            "lost": len(self.sent) - self.delivered,
            "duplicated": self.duplicated,
            "replies_per_s": round(self.delivered / self.seconds, 2),
            "model_calls": self.model_calls,
        }
        return summarise(name, workload, latencies, engine=engine, extra=extra)


def _load(port: int, operators: list[str], per_operator: int) -> tuple[list[Sent], float]:
    started = time.monotonic()
    sent = run_open_loop(
        url=f"http://127.0.0.1:{port}/whatsapp/inbound",
        public_url=PUBLIC_BASE + "/whatsapp/inbound",
        auth_token=AUTH_TOKEN,
        to_number=PROJECT_NUMBER,
        operators=operators,
        per_operator=per_operator,
        interval_s=INTERVAL_S,
        max_seconds=per_operator * INTERVAL_S + 60,
    )
    return sent, started


def _warm_up(port: int) -> int:
    """A few messages from a warm-up operator (not counted) so both sides start warm."""
    sent = run_open_loop(
        url=f"http://127.0.0.1:{port}/whatsapp/inbound",
        public_url=PUBLIC_BASE + "/whatsapp/inbound",
        auth_token=AUTH_TOKEN,
        to_number=PROJECT_NUMBER,
        operators=[WARM_UP_PHONE],
        per_operator=WARM_UP,
        interval_s=0.1,
        max_seconds=30,
    )
    return sum(1 for s in sent if s.status == 200)


def run_baseline(model: SlowModelServer, operators: list[str], per_operator: int) -> Outcome:
    """The usual recipe: every request waits for the model."""
    port = free_port()
    env = bench_env(
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PUBLIC_BASE_URL=PUBLIC_BASE,
        ANTHROPIC_BASE_URL=model.url,
    )
    server = start_gunicorn("bench.baseline_app:create_app_from_env()", port, env)
    try:
        _warm_up(port)
        calls_before = model.calls
        sent, started = _load(port, operators, per_operator)
        seconds = time.monotonic() - started
    finally:
        stop([server])
    time.sleep(MODEL_LATENCY_S + 0.5)  # let the model finish calls of abandoned requests
    delivered = [s for s in sent if s.status == 200 and not s.timed_out and "<Message>" in s.body]
    return Outcome(sent, len(delivered), 0, seconds, model.calls - calls_before)


def seed(url: str, count: int) -> list[str]:
    """One project and ``count`` operators; returns the operators' numbers."""
    db = Database(url)
    phones = [f"+9197{i:08d}" for i in range(1, count + 1)]
    with db.session() as session:
        project = create_project(session, "Side by Side Trust", PROJECT_NUMBER)
        scope = ProjectScope(session, project.id, actor="cli")
        for index, phone in enumerate([*phones, WARM_UP_PHONE]):
            add_user(scope, f"Operator {index}", phone, "USER")
    db.dispose()
    return phones


def run_calltime(
    url: str, workdir: Path, model: SlowModelServer, operators: int, per_operator: int
) -> Outcome:
    """Calltime: acknowledge at once, answer from the queue."""
    phones = seed(url, operators)
    threads = -(-operators // WORKER_PROCESSES)  # one model call in flight per operator
    with TwilioDouble() as twilio:
        env = bench_env(
            DATABASE_URL=url,
            CALLTIME_INSTANCE_PATH=str(workdir / "side-by-side-instance"),
            SECRET_KEY="bench",
            PUBLIC_BASE_URL=PUBLIC_BASE,
            ANTHROPIC_API_KEY="sk-ant-bench-dummy",
            ANTHROPIC_BASE_URL=model.url,
            **{key.upper(): value for key, value in twilio.settings().items()},
        )
        calls_before = model.calls
        port = free_port()
        procs = [start_gunicorn("bot.app:create_app()", port, env)]
        try:
            log = workdir / "side-by-side-workers.log"
            procs.extend(start_workers(env, threads, log, WORKER_PROCESSES))
            warm = _warm_up(port)
            sent, started = _load(port, phones, per_operator)
            expected = warm + sum(1 for s in sent if s.status == 200)
            seconds = _drain(twilio, expected, started, budget=per_operator * 4 * MODEL_LATENCY_S)
        finally:
            stop(procs)
        delivered, duplicated = _match(url, twilio, sent)
    return Outcome(sent, delivered, duplicated, seconds, model.calls - calls_before - warm)


def _drain(twilio: TwilioDouble, expected: int, started: float, budget: float) -> float:
    """Wait (at most ``budget`` s) for ``expected`` replies; seconds from load start."""
    deadline = time.monotonic() + budget
    while len(twilio.messages) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return time.monotonic() - started


def _match(url: str, twilio: TwilioDouble, sent: list[Sent]) -> tuple[int, int]:
    """Replies received by the double, per inbound MessageSid: (answered once+, extra)."""
    db = Database(url)
    with db.session() as session:
        inbound = dict(
            session.execute(
                select(Message.id, Message.twilio_sid).where(Message.direction == "inbound")
            ).all()
        )
        replies = dict(
            session.execute(
                select(Message.twilio_sid, Message.reply_to_id).where(
                    Message.direction == "outbound", Message.twilio_sid.is_not(None)
                )
            ).all()
        )
    db.dispose()
    per_sid: Counter[str] = Counter()
    for sid in list(twilio.sids):
        reply_to = replies.get(sid)
        if reply_to is not None:
            per_sid[inbound[reply_to]] += 1
    answered = {s.sid for s in sent} & set(per_sid)
    return len(answered), sum(n - 1 for n in per_sid.values() if n > 1)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def ratios(base: Figure, ours: Figure) -> Figure:
    """baseline / Calltime for each reported quantity (None where Calltime's is 0)."""
    b, c = base.extra, ours.extra
    extra: dict[str, Any] = {
        "ack_median": _ratio(base.median_ms or 0, ours.median_ms or 0),
        "ack_p99": _ratio(base.p99_ms or 0, ours.p99_ms or 0),
        "over_15s_share": _ratio(b["over_15s_share"], c["over_15s_share"]),
        "delivered": _ratio(b["delivered"], c["delivered"]),
        "lost": _ratio(b["lost"], c["lost"]),
        "duplicated": _ratio(b["duplicated"], c["duplicated"]),
        "replies_per_s": _ratio(b["replies_per_s"], c["replies_per_s"]),
        "over_15s_share_b_c": f"{b['over_15s_share']}/{c['over_15s_share']}",
        "lost_b_c": f"{b['lost']}/{c['lost']}",
    }
    return Figure("side_by_side_ratio", "baseline / Calltime, same run", None, None, "-", 0, extra)


def run(ctx: BenchContext) -> list[Figure]:
    operators = ctx.scale(50, 10)
    per_operator = ctx.scale(10, 3)
    workload = (
        f"{operators} operators × {per_operator} free-text messages, one per operator every "
        f"{INTERVAL_S:g} s, model {MODEL_LATENCY_S:g} s/call, gunicorn 2×4"
    )
    with SlowModelServer(latency=MODEL_LATENCY_S) as model:
        phones = [f"+9196{i:08d}" for i in range(1, operators + 1)]
        baseline = run_baseline(model, phones, per_operator)
        with ctx.database("postgres") as url:
            calltime = run_calltime(url, ctx.workdir, model, operators, per_operator)
    threads = -(-operators // WORKER_PROCESSES)
    scheduled = operators * per_operator
    base_fig = baseline.figure(
        "side_by_side_baseline", None, workload + "; model inline", scheduled
    )
    ours_fig = calltime.figure(
        "side_by_side_calltime",
        "postgres",
        workload + f"; {WORKER_PROCESSES} × `calltime worker --threads {threads}`",
        scheduled,
    )
    return [base_fig, ours_fig, ratios(base_fig, ours_fig)]
