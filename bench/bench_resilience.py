"""The resilience burst at full size: 1,000 messages at once, none lost or duplicated.

``tests/test_resilience.py::test_burst`` runs the same routine with 100 messages in the
normal suite; this runs :func:`tests.resilience_support.run_burst` with 1,000 (200
under ``--quick``) on each engine: signed webhooks through the real Flask app (every
10th delivered twice, as Twilio retries), worker threads draining the queue, replies
sent through the real ``twilio`` library to the recording double. It fails unless every
MessageSid is stored once and answered once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bench.harness import BenchContext, Figure, summarise
from bot.clock import FrozenClock
from tests.pipeline_support import make_app, messages
from tests.resilience_support import BASE, assert_each_answered_once, run_burst
from tests.twilio_double import TwilioDouble


def burst(ctx: BenchContext, engine: str, count: int) -> Figure:
    """One burst of ``count`` messages on ``engine``; the figure is the acknowledgements."""
    with ctx.database(engine) as url, TwilioDouble() as twilio:
        clock = FrozenClock(datetime(2026, 11, 26, 4, 30, tzinfo=UTC))
        app = make_app(url, ctx.workdir, clock, **twilio.settings(), public_base_url=BASE)
        db = app.extensions["calltime"].db
        try:
            ack_ms: list[float] = []
            started = time.monotonic()
            sids = run_burst(app, twilio, count, ack_ms=ack_ms)
            seconds = time.monotonic() - started
            assert_each_answered_once(db, twilio, sids)
            stored = len(messages(db, "inbound"))
        finally:
            db.dispose()
    return summarise(
        "resilience_burst_ack",
        f"{count} messages from 20 operators at once (+{len(ack_ms) - count} Twilio "
        "retries), in-process webhook, then worker threads",
        ack_ms,
        engine=engine,
        extra={
            "stored": stored,
            "answered": len(twilio.sids),
            "lost": 0,
            "duplicated": 0,
            "drained_s": round(seconds, 1),
        },
    )


def run(ctx: BenchContext) -> list[Figure]:
    count = ctx.scale(1000, 200)
    return [burst(ctx, engine, count) for engine in ctx.engines]
