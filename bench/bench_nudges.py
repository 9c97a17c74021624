"""One nudge run over many due follow-ups: 10,000 for 500 operators (simulated sends).

Every operator wrote to the bot within the last day, so each digest goes out as free
text; without Twilio credentials the sender stores it as ``simulated``. The figure is
the wall time of one :func:`bot.scheduler.nudges.run_nudges` (claiming, digests,
session state, job log), then of a second run that finds nothing new to send; both are
measured in :data:`bench.harness.RUNS` rounds, the state reset between rounds (follow-ups
due again, the digests and sessions deleted).

Where the time went (2026-12-03, cProfile, statements counted per run on SQLite): 14,516
statements and 1,506 transactions for 500 digests — per operator a claim transaction
(lock the operator, claim, read back), a transaction recording the digest (operator,
claimed follow-ups with contacts, session, last inbound, outbound row, marks, state,
events) and one recording Twilio's answer. Claims are now one transaction for all
operators (one ``FOR UPDATE SKIP LOCKED`` on their rows, ``UPDATE``s of 500 ids) and
digests are recorded 10 operators per transaction (a savepoint each): 557 transactions;
profiled CPU 24.6 → 18.1 s.

Then (2026-12-04, one run, statements timed with SQLAlchemy cursor events, a busy
2-core machine): SQLite 19.0 s with 2.2 s inside statements, PostgreSQL 30.6 s with
18.9 s. Per digest there were still ~20 statements — the operator, the claimed
follow-ups and contacts as ORM objects, the project twice, the session (look-up, team,
insert, audit), the last inbound message, the thread's latest message, the outbound
row, the marks, the session state, three events — and the answer's own transaction
(row re-read, update, event, a flush per row): 10,608 statements (PostgreSQL 10,051),
557 transactions. On SQLite the time was the ORM's per statement (compile, flush,
identity load), about 1 ms each. On PostgreSQL 8.7 s were one statement, the claimed
follow-ups read (501 × 17 ms): statistics taken while every follow-up was
``scheduled`` made the planner read a claim's 20 ids through
``ix_followups_status_due_at``, every due follow-up (``EXPLAIN ANALYZE``: 17,740
buffers, 12.5 ms); the claim ``UPDATE`` had the same plan (20 × 75 ms).

Now a group of 25 operators is recorded in one transaction
(:mod:`bot.scheduler.recording`) and its answers in one more
(:func:`bot.scheduler.outbox.transmit_groups`), with the same ~23 statements whatever
the group's size: 498 statements in all (PostgreSQL 451), 47 transactions. The status
term is written so no index covers it (:func:`bot.scheduler.claims.is_due`). Two more
PostgreSQL findings on the way: after five executions psycopg prepares a statement and
the server may switch to a generic plan, which for the follow-up ⋈ contact join scanned
every contact (87 ms a chunk with ``plan_cache_mode = force_generic_plan``), so contacts
are read by primary key separately; and IN lists of 500 ids cost more than the look-ups
(a parameter per id, and a statement psycopg re-parses every time), so ids go as one
array (:func:`bot.db.among`): the claimed follow-ups read 1.4 → 0.6 s.

What remains is mostly per row, not per digest: three passes over the due follow-ups
(``mark_due``, the claim, ``nudged_at``) — on PostgreSQL each rewrites every row with
its six index entries, the pages being full (no HOT update): 0.4 + 0.6 + 0.7 s of ~3 s
in statements; ``fillfactor = 70`` on ``followups`` halved the claim pass in a trial
(not applied: a migration) — and the ORM's bookkeeping of 500 outbound rows, 500
sessions, 500 audit rows and 1,500 events.

Result (2026-12-04, ``--only nudges``, medians of 3 rounds; the 2-core machine was
shared): at quiet moments (others' CPU share 2–18 %) SQLite 2.8 / 2.8 s, PostgreSQL
3.0 / 3.0 s, against 8.0 / 18.7 s for the code before (share 5 %); with the machine busy
(others' share 67–77 %) 3.9–9.0 s / 5.8–11.0 s, against 18.0–23.1 / 34.9–44.1 s.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update

from bench.harness import RUNS, BenchContext, Figure, Samples, summarise
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.directory.org import create_project
from bot.models import ChatSession, Contact, Followup, Message, User
from bot.models.types import new_id
from bot.runtime import Runtime
from bot.scheduler.nudges import run_nudges

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # 10:00 in Kolkata


def run(ctx: BenchContext) -> list[Figure]:
    followups = ctx.scale(10_000, 1_000)
    operators = ctx.scale(500, 50)
    figures = []
    for engine in ctx.engines:
        with ctx.database(engine) as url:
            figures += measure(ctx, engine, url, followups, operators)
    return figures


def measure(
    ctx: BenchContext, engine: str, url: str, followups: int, operators: int
) -> list[Figure]:
    settings = Settings(instance_path=ctx.workdir, database_url=url)
    runtime = Runtime(settings=settings, db=Database(url), clock=FrozenClock(NOW))
    try:
        seed(runtime.db, followups, operators)
        workload = f"{followups} due follow-ups, {operators} operators"
        firsts, idles = [], []
        for run_index in range(RUNS):
            if run_index:
                reset(runtime.db)
            start = time.perf_counter()
            report = run_nudges(runtime, worker="bench")
            firsts.append((time.perf_counter() - start) * 1000)
            if report.nudged != followups or report.failed:
                raise RuntimeError(f"nudged {report.nudged} of {followups}: {report.errors[:3]}")
            start = time.perf_counter()
            idle = run_nudges(runtime, worker="bench")
            idles.append((time.perf_counter() - start) * 1000)
            assert idle.nudged == 0
    finally:
        runtime.db.dispose()
    extra = {"digests": len(report.digests)}
    first = summarise("nudge run", workload, Samples([[ms] for ms in firsts]), engine=engine)
    first.extra = {
        **extra,
        "ms_per_digest": round(first.median_ms / len(report.digests), 2),
        **first.extra,
    }
    return [
        first,
        summarise(
            "nudge run, nothing new", workload, Samples([[ms] for ms in idles]), engine=engine
        ),
    ]


def reset(db: Database) -> None:
    """Undo a run: follow-ups due and un-nudged again, the digests and sessions gone."""
    with db.session() as session:
        session.execute(
            update(Followup).values(
                status="scheduled",
                nudged_at=None,
                nudge_message_id=None,
                nudge_claimed_at=None,
                nudge_claimed_by=None,
            )
        )
        session.execute(delete(Message).where(Message.direction == "outbound"))
        session.execute(update(Message).values(session_id=None))
        session.execute(delete(ChatSession))


def seed(db: Database, followups: int, operators: int) -> None:
    """A project, its operators (each wrote an hour ago) and due follow-ups across them."""
    with db.session() as session:
        project = create_project(session, "Bench Trust", "+919800000001")
    users = [_user(project.id, n) for n in range(operators)]
    contacts = [
        {
            "id": new_id(),
            "project_id": project.id,
            "display_name": f"Donor {n:05d}",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for n in range(followups)
    ]
    rows = [
        {
            "id": new_id(),
            "project_id": project.id,
            "contact_id": c["id"],
            "status": "scheduled",
            "due_at": NOW - timedelta(minutes=1 + n % 600),
            "reason": "no_response",
            "suggested_message": f"Hello {c['display_name']}, following up on our call.",
            "assigned_to_user_id": users[n % operators]["id"],
            "created_at": NOW,
        }
        for n, c in enumerate(contacts)
    ]
    inbound = [
        {
            "id": new_id(),
            "project_id": project.id,
            "user_id": u["id"],
            "direction": "inbound",
            "channel": "whatsapp",
            "from_number": u["phone"],
            "to_number": project.whatsapp_number,
            "body": "start",
            "status": "done",
            "twilio_sid": f"SMbench{n:08d}",
            "created_at": NOW - timedelta(hours=1),
            "updated_at": NOW - timedelta(hours=1),
        }
        for n, u in enumerate(users)
    ]
    with db.session() as session:
        session.execute(insert(User), users)
        session.execute(insert(Contact), contacts)
        session.execute(insert(Followup), rows)
        session.execute(insert(Message), inbound)
    if db.dialect == "postgresql":
        # Statistics autovacuum would have gathered on a live database by now.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def _user(project_id: Any, n: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "project_id": project_id,
        "full_name": f"Operator {n:03d}",
        "phone": f"+9197{n:08d}",
        "role": "USER",
        "created_at": NOW,
        "updated_at": NOW,
    }
