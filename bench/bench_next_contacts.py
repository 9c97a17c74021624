"""``next_contacts`` on a big project, and the planner's command turn time.

One project with 100,000 contacts and 1,000,000 interactions (``--quick``: 2,000 and
20,000), bulk-loaded by :mod:`bench.bulk` (``COPY`` on PostgreSQL), on SQLite and
PostgreSQL. Measures ``next_contacts`` (median, p99), then a whole command turn (inbound
message stored → :func:`bot.turn.run.run_turn`: ``route``, state and reply saved) for
``next``, ``stats`` and ``due``, and for two free-text reports read back by the rules (a
donor named in a short report, and a long story around a report). Every statement
``next_contacts`` runs is EXPLAINed; a full table scan of a big table is reported in the
figure's notes.

2026-12-05, later: on SQLite the data set was analysed in full, every table, which a
SQLite database in use never is: Calltime analyses the contact tables only, sampled,
when an import doubles them (:mod:`bot.directory.import_statistics`). Measured with
those statistics, ``next_contacts`` took 66.9 ms (6.2 with the full ones): the
``vip``/``renewal`` pool, joined to ``contacts``, was driven from the project's contacts
by name. Each ranked tag now has its own pool, a walk of ``(project_id, tag,
contact_id)`` with the contact's eligibility as ``EXISTS``: 12.7 ms with the import's
statistics (``command turn: next`` 74.0 → 16.8 ms), about 10 ms without any or with
full ones. This benchmark now gives SQLite the import's statistics.

2026-12-05: the long story's turn first took 659 ms median on SQLite (93 % in the
driver): each word of a story clause was looked up as a possible donor name with
``display_name LIKE '%word%'``, a scan of 100,000 names per word. First names are now
looked up as index ranges on ``(project_id, display_name)`` (``first_name_contacts``):
37 ms. What is left is mostly the named donor's own lookup (``LIKE`` on the longest word
typed), which the short named report pays as well.

Where the time went (2026-12-03, EXPLAIN QUERY PLAN / EXPLAIN (ANALYZE, BUFFERS) and
cProfile on this data set): ``next_contacts`` ran 15 statements (14 on PostgreSQL): one
per candidate pool, a tag lookup and two primary-key loads per winner. On SQLite the
``vip``/``renewal`` pool (``contacts.id IN (SELECT contact_id FROM contact_tags …)``)
read every tag row (``SCAN contact_tags``, 12,500 rows): 32–37 ms of 0.6 ms for the
same rows walked in ``(project_id, contact_id)`` order; on PostgreSQL the tag lookup of
~300 candidates was a ``Seq Scan on contact_tags``. The "longest uncontacted" pool
sorted all 787 contacts sharing the oldest dates (5.4 of 9.6 ms server time). The pools
are now one ``UNION ALL`` statement built once per process (building and hashing it
cost more than running it), tags come with the pooled rows through the index, the
winners load in one statement per table, and ``(project_id, last_contacted_at, id)``
serves the stale pool (migration ``0006_perf``): 5 statements (4), no full scan.
Alternating old/new in one process (load 11–14): SQLite CPU 42 → 23 ms per call, a
whole ``next`` turn 131 → 81 ms wall; PostgreSQL 88 → 50 ms, turn 147 → 108 ms.

2026-12-04: on PostgreSQL the webhook → reply path was 50 statements in 8 transactions
(a statement log of one ``next``), and each costs ~0.5 ms of round trip, driver and ORM
work whatever it reads. The worker's check that a turn is needed now rides in the turn's
first transaction and the rows to send are held in the one that records the reply; the
claim no longer looks first on PostgreSQL; a first attempt skips the looks for an earlier
attempt's reply and writes; the card's draft reuses the phone and pledge the card read:
38 statements in 5 transactions (SQLite 59 → 46, the ``BEGIN`` statements included).
Two alternating runs of this benchmark, old code and new: "webhook → reply sent and
settled" (the span the one figure timed before) PostgreSQL median 67.0/55.3 → 53.0/38.6 ms,
p99 91.8/75.1 → 70.4/61.2; SQLite unchanged within the runs' noise (25.8/29.4 →
31.0/29.3). What is left on PostgreSQL is ~20 ms of statements and ~20 ms of Python
(``next_contacts`` typing and scoring ~360 pooled rows, the card and the draft).

2026-12-04, evening: the figures that were over their goal carry their profile in
``extra`` (:mod:`bench.profile`: statements per call, then a call's time under
``cProfile`` split between the database driver, SQLAlchemy, Calltime's code and the
rest). What it showed, and what changed:

- The pools' statement ran in 3.7 ms inside SQLite and took 7.2 ms through SQLAlchemy:
  the rest was typing ~360 rows of 14 columns, and making a UUID for each contact and
  hashing it in the candidate dicts was ~1.1 ms of it. The pools now carry the contact's
  key as hex text, and only the winners become UUIDs. Old and new in alternating
  processes, 300 calls each: SQLite median 15.8/12.3 → 14.1/10.3 ms, PostgreSQL
  16.4/17.1 → 15.8/16.1.
- On PostgreSQL, ``pg_prepared_statements`` showed the same statement planned afresh at
  every call (0 generic plans, 305 custom), 1.7 ms of planning (``EXPLAIN ANALYZE``)
  for 3.4 ms of execution, while every other prepared statement had moved to its
  generic plan. It now runs on its generic plan: median 14.3/14.8 → 13.4/12.9 ms in
  alternating blocks of one process.
- The command turn's message was stored with no attempt, so ``run_turn`` took a retry's
  path (two more statements, ~2.3 ms); it is stored now as the worker's first claim
  leaves it.

What is left, from the profiles of the full run of 17:21 UTC: a ``next`` turn is 25
statements on SQLite and 24 on PostgreSQL. Under ``cProfile`` SQLAlchemy takes 39–48 %
of it, the driver (round trips and the database's own work) 17 % on SQLite and 34 % on
PostgreSQL, Calltime's own code 13–17 %. On PostgreSQL a primary-key read costs
0.04–0.06 ms through psycopg alone and 0.34–0.43 ms through SQLAlchemy's Core or ORM, so
the ~20 statements besides the pools cost ~8 ms before any of them reads a row. Reaching
20 ms there takes fewer statements per turn (the card's five lookups, the savepoint
around a command), not faster ones.
"""

from __future__ import annotations

import gc
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, text

from bench.bulk import bulk_load, deferred_indexes
from bench.harness import RUNS, BenchContext, Figure, Samples, summarise, time_calls
from bench.profile import breakdown
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.directory.import_statistics import ANALYSIS_LIMIT
from bot.directory.import_statistics import TABLES as IMPORTED_TABLES
from bot.directory.org import add_user, create_project
from bot.engine.ranking import next_contacts
from bot.models import (
    ChatSession,
    Contact,
    ContactIdentity,
    ContactTag,
    Followup,
    Interaction,
    Message,
    Pledge,
    User,
)
from bot.models.types import new_id
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.run import run_turn
from bot.whatsapp.intake import inject_inbound
from bot.whatsapp.queue import Claim, claim_next
from bot.whatsapp.warm_up import freeze_heap
from bot.whatsapp.worker import Outcome, Worker

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
#: Calls profiled after the timed runs of a figure over its goal (:mod:`bench.profile`).
PROFILED_CALLS = 20
OUTCOMES = ("no_response", "no_response", "spoke", "pledged", "declined", "reschedule")
BIG_TABLES = ("contacts", "interactions", "contact_tags", "followups", "pledges")
#: A long report as operators write one without a model: the donor named, the record
#: buried in story; each word of a story clause is looked up as a possible donor name.
STORY_REPORT = (
    "hi, just spoke to Meera Iyer, she was very warm, long chat about her daughter's school, "
    "said she'll do 25k for the school kits, will transfer by friday, send her the link pls"
)


def _load(
    db: Database, pid: uuid.UUID, operators: list[uuid.UUID], contacts: int, interactions: int
) -> None:
    rng = random.Random(42)
    ids = [new_id() for _ in range(contacts)]
    last = {cid: NOW - timedelta(days=rng.randint(1, 120)) for cid in ids}

    def contact_rows() -> Iterator[dict[str, Any]]:
        for i, cid in enumerate(ids):
            yield {
                "id": cid,
                "project_id": pid,
                "display_name": f"Donor {i}",
                "primary_channel": "whatsapp",
                "relationship_strength": rng.randint(1, 5),
                "capacity_band": rng.choice(("5k-25k", "25k-1L", "1L+")),
                "status": "do_not_contact" if i % 50 == 0 else "active",
                "last_contacted_at": last[cid],
                "assigned_to_user_id": operators[i % len(operators)] if i % 10 == 0 else None,
                "created_at": NOW,
                "updated_at": NOW,
            }

    def identity_rows() -> Iterator[dict[str, Any]]:
        for i, cid in enumerate(ids):
            yield {
                "id": new_id(),
                "project_id": pid,
                "contact_id": cid,
                "type": "phone",
                "value": f"+9190{i:08d}",
                "is_primary": True,
                "is_whatsapp_capable": True,
                "created_at": NOW,
            }

    def tag_rows() -> Iterator[dict[str, Any]]:
        for cid in ids[::8]:
            yield {
                "id": new_id(),
                "project_id": pid,
                "contact_id": cid,
                "tag": rng.choice(("vip", "renewal", "warm")),
                "created_at": NOW,
            }

    def interaction_rows() -> Iterator[dict[str, Any]]:
        for _ in range(interactions):
            cid = ids[rng.randrange(contacts)]
            yield {
                "id": new_id(),
                "project_id": pid,
                "contact_id": cid,
                "channel": "call",
                "direction": "outbound",
                "outcome": rng.choice(OUTCOMES),
                "occurred_at": last[cid] - timedelta(days=rng.randint(0, 200)),
                "created_by_user_id": operators[rng.randrange(len(operators))],
                "created_at": NOW,
            }

    def followup_rows() -> Iterator[dict[str, Any]]:
        for cid in ids[::40]:
            yield {
                "id": new_id(),
                "project_id": pid,
                "contact_id": cid,
                "status": "scheduled",
                "reason": "no_response",
                "due_at": NOW + timedelta(hours=rng.randint(-72, 72)),
                "created_at": NOW,
                "assigned_to_user_id": operators[rng.randrange(len(operators))],
            }

    def pledge_rows() -> Iterator[dict[str, Any]]:
        for cid in ids[3::60]:
            yield {
                "id": new_id(),
                "project_id": pid,
                "contact_id": cid,
                "currency": "INR",
                "amount": Decimal(rng.choice((5000, 25000, 100000))),
                "pledged_at": last[cid],
                "status": "open",
                "expected_by": (NOW + timedelta(days=rng.randint(-10, 10))).date(),
            }

    loads = (
        (Contact, contact_rows()),
        (ContactIdentity, identity_rows()),
        (ContactTag, tag_rows()),
        (Interaction, interaction_rows()),
        (Followup, followup_rows()),
        (Pledge, pledge_rows()),
    )
    with deferred_indexes(db.engine, *(model for model, _ in loads)):
        for model, rows in loads:
            bulk_load(db.engine, model, rows)
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            # The statistics a SQLite database has in use: an import's, sampled, of the
            # contact tables only (a full ANALYZE of every table flattered the plans).
            conn.execute(text(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
            for table in IMPORTED_TABLES:
                conn.execute(text(f"ANALYZE {table}"))
        else:  # what autovacuum gathers on a live database
            conn.execute(text("ANALYZE"))


def _plans(db: Database, statements: list[tuple[str, Any]]) -> list[str]:
    """Big tables that a statement reads with a full scan."""
    scans = []
    with db.engine.connect() as conn:
        for statement, params in statements:
            prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(prefix + statement, params))
            for table in BIG_TABLES:
                if (
                    f"SCAN {table}" in plan
                    and f"SCAN {table} USING" not in plan
                    or f"Seq Scan on {table}" in plan
                ):
                    scans.append(table)
    return sorted(set(scans))


def _capture(db: Database, fn: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return seen


def _turn(
    runtime: Runtime, pid: uuid.UUID, user_id: uuid.UUID, chat_id: uuid.UUID, body: str
) -> None:
    """One command turn as the worker runs it: store inbound, then :func:`run_turn`.

    The message is stored as the worker's first claim leaves it (``processing``, one
    attempt): every turn in service runs on a claimed message. Until 2026-12-04 it was
    stored with no attempt, which made :func:`run_turn` look for an earlier attempt's
    reply and writes (two statements, ~2.3 ms) as only a retry does.
    """
    with runtime.db.session() as session:
        scope = ProjectScope(session, pid)
        user = scope.require(User, user_id)
        message = scope.insert(
            Message(
                user_id=user_id,
                session_id=chat_id,
                direction="inbound",
                body=body,
                from_number=user.phone,
                to_number="+14155550100",
                status="processing",
                attempts=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    run_turn(runtime, message.id)
    with runtime.db.session() as session:
        session.get(Message, message.id).status = "done"


def _webhook_turns(
    runtime: Runtime, to_number: str, from_number: str, repeat: int, workload: str, engine: str
) -> list[Figure]:
    """Webhook to queued reply: ``inject_inbound`` (the webhook's store), the worker's
    claim and :meth:`~bot.whatsapp.worker.Worker.turn`, up to the commit that records the
    reply and holds its rows for sending. Then, timed on (a second figure), the reply
    handed to the sender and the message settled (:meth:`~bot.whatsapp.worker.Worker.deliver`).
    Until 2026-12-04 the one figure timed ``run_once`` (the worker's next look at the
    empty queue included), then ``handle``; the first figure now stops where its name does.
    """
    worker = Worker(runtime)

    def queue_reply() -> tuple[Claim, Outcome]:
        inject_inbound(runtime, to_number=to_number, from_number=from_number, body="next")
        claim = claim_next(runtime.db, worker.worker_id, worker.lease)
        outcome = worker.turn(claim) if claim is not None else None
        if claim is None or outcome is None:
            raise RuntimeError("the message just stored was not claimed and answered")
        return claim, outcome

    queued_runs: list[list[float]] = []
    settled_runs: list[list[float]] = []
    for _ in range(RUNS):
        queued_runs.append([])
        settled_runs.append([])
        for index in range(2 + repeat):  # two untimed warm-up turns per run
            started = time.perf_counter()
            claim, outcome = queue_reply()
            queued = time.perf_counter()
            worker.deliver(claim, outcome)
            settled = time.perf_counter()
            if index >= 2:
                queued_runs[-1].append((queued - started) * 1000)
                settled_runs[-1].append((settled - started) * 1000)
    where = breakdown(runtime.db.engine, queue_reply, PROFILED_CALLS, lambda q: worker.deliver(*q))
    return [
        summarise(
            "command turn: webhook → queued reply (next)",
            workload,
            Samples(queued_runs),
            engine=engine,
            extra=where,
        ),
        summarise(
            "command turn: webhook → reply sent and settled (next)",
            workload,
            Samples(settled_runs),
            engine=engine,
        ),
    ]


def _engine_figures(ctx: BenchContext, engine: str) -> list[Figure]:
    contacts, interactions = ctx.scale(100_000, 2_000), ctx.scale(1_000_000, 20_000)
    workload = f"{contacts:,} contacts, {interactions:,} interactions, one project"
    with ctx.database(engine) as url:
        db = Database(url)
        with db.session() as session:
            project = create_project(session, "Bench Trust", "+14155550100")
            scope = ProjectScope(session, project.id)
            users = [add_user(scope, f"Op {i}", f"+9198000000{i:02d}", "USER") for i in range(3)]
            chat = scope.insert(
                ChatSession(
                    user_id=users[0].id,
                    whatsapp_thread_id=whatsapp_address(users[0].phone or ""),
                    state_json={},
                    started_at=NOW,
                    last_activity_at=NOW,
                )
            )
        _load(db, project.id, [u.id for u in users], contacts, interactions)
        with db.session() as session:
            ProjectScope(session, project.id).insert(Contact(display_name="Meera Iyer"))
        # A worker freezes its start-up heap once (``freeze_heap``); this process does the
        # same after loading, so full collections walk what the turns make, as there.
        freeze_heap()
        user = users[0]

        def rank() -> None:
            with db.session() as session:
                next_contacts(ProjectScope(session, project.id), user, NOW)

        scans = _plans(db, _capture(db, rank))
        figures = [
            summarise(
                "next_contacts",
                workload,
                time_calls(rank, ctx.scale(50, 10)),
                engine=engine,
                extra={
                    "full_scans": ",".join(scans) or "none",
                    **breakdown(db.engine, rank, PROFILED_CALLS),
                },
            )
        ]
        runtime = Runtime(
            settings=Settings(instance_path=ctx.workdir, database_url=url),
            db=db,
            clock=FrozenClock(NOW),
        )
        turns = {f"command turn: {c}": c for c in ("next", "stats", "due")}
        turns["report turn: a named donor (read back)"] = "Meera Iyer pledged 25k by friday"
        turns["report turn: a long story (read back)"] = STORY_REPORT
        for name, body in turns.items():

            def turn(text: str = body) -> None:
                _turn(runtime, project.id, user.id, chat.id, text)

            samples = time_calls(turn, ctx.scale(30, 5))
            where = (
                breakdown(db.engine, turn, PROFILED_CALLS) if body in ("next", STORY_REPORT) else {}
            )
            figures.append(summarise(name, workload, samples, engine=engine, extra=where))
        figures.extend(
            _webhook_turns(
                runtime,
                project.whatsapp_number,
                user.phone or "",
                ctx.scale(30, 5),
                workload,
                engine,
            )
        )
        db.dispose()
        gc.unfreeze()
    return figures


def run(ctx: BenchContext) -> list[Figure]:
    figures: list[Figure] = []
    for engine in ctx.engines:
        figures.extend(_engine_figures(ctx, engine))
    return figures
