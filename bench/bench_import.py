"""A 100,000-row contact import while the webhook keeps acknowledging Twilio.

One project with 20 operators; gunicorn serves ``POST /whatsapp/inbound`` on the same
database (2 workers × 4 threads, like the Procfile) and a client posts a signed webhook
every 50 ms for as long as the import runs. The import is the CLI's:
:func:`bot.directory.contacts_csv.import_contacts` committing batch by batch (up to
500 rows, each batch sized so its transaction takes about 100 ms). Each
CSV row has a name, a phone, an email, two tags, a capacity band, a strength and a
note, so a row is five writes (contact, two identities, two tags).

Figures: the webhook's acknowledgements during the import (target: every one within
0.5 s), and each import transaction's duration from BEGIN to COMMIT (the time the
write lock is held; target ~100 ms). ``extra`` holds the import's wall time (target
≤ 60 s on SQLite), rows, audit entries and the database size after it (target < 100 MB),
with the share taken by ``audit_log``, and ``db_mb_names_and_phones``: the size after
importing the same number of rows with only a name and a phone (into a fresh database,
without the webhook load), the smallest file a contact list makes.

What the database holds. Migration 0010 made the operator and suggested-time indexes
partial and dropped identities' ``(project_id, value)`` (2,144 → 1,919 bytes per
contact); migration 0011 stores keys as 16 bytes and times as integers instead of 32
and 26 characters of text (1,919 → 1,191; 100,000 rows: 190.8 → 118.2 MB). Migration
0012 fitted four indexes to the queries that read them (identities by ``contact_id``
alone; status, strength and tags partial, see its docstring) and the import's audit
entries pack the ids they record (4.2 → 1.7 MB): 118.1 → **98.1 MB**, names and phones
alone 57.2 → 44.1 MB (two runs each, alternating old and new code, 2026-12-05 04:58–05:05
UTC, quiet). What is left per contact (``dbstat``, about 980 bytes): the three tables'
rows 461, the primary keys and unique constraints the data model asks for 325 (at the
80 % page fill SQLite's index inserts leave), the identities' contact index 57, the
stale, name and strength indexes 111 (the last for strengths 4 and 5 only), the audit
trail 17.

The size depends on what the rows hold. Per 100,000 rows (20,000 imported, scaled,
2026-12-05): a name, a phone and an email 67.5 MB; a name, a phone and two tags 73.4; a
name, a phone, an email and two tags 94.9; these rows 98.1; rows with longer names and
e-mail addresses (``Siddharth Venkataraman``, ``…@gmail.com``) and a 45-character note
104.8 MB. A VACUUM or REINDEX does not help in place: REINDEX packs the indexes but
leaves their freed pages in the file, and VACUUM holds the database for seconds.

``undo_s`` and the third figure time ``calltime contacts import --undo`` of the whole
import, one transaction per batch (no webhook load): 15.8 / 16.0 s on SQLite. Before
0012 it took 507 s: deleting a contact makes SQLite's foreign-key check search each
child table by ``contact_id``, and the identities' index began with the project, so
every deleted contact read all 200,000 identity entries. Migration 0013 gave the
activity tables the same index, which this benchmark (no activity) does not show:
beside 1,000,000 interactions each contact deleted took 45 ms, so a 500-contact batch
of an undo held the write lock for 22 s; now 0.01 ms.

On PostgreSQL the import analyses the contact tables as it doubles them
(:mod:`bot.directory.import_statistics`). Before that, the planner took a young
project's tables for empty and each batch's owner lookup compared every identity with
every value of the batch: 101 s for this import in one run, 34.5 s after.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select, text
from twilio.request_validator import RequestValidator

from bench.bench_webhook import AUTH_TOKEN, PROJECT_NUMBER, free_port, seed, start_gunicorn
from bench.harness import BenchContext, Figure, summarise
from bot.db import Database
from bot.directory.contacts_csv import import_contacts
from bot.directory.import_history import undo_import
from bot.models import AuditLog, Contact, Message, Project

ACK_EVERY_S = 0.05
ACK_TARGET_MS = 500.0


def contacts_csv(rows: int) -> str:
    """``rows`` distinct contacts in the import format."""
    lines = ["display_name,phone,email,tags,capacity_band,relationship_strength,status,notes"]
    for i in range(rows):
        lines.append(
            f"Donor {i:06d},+9197{i:08d},donor{i}@example.org,donor;gala-{i % 7},"
            f"{('5k-25k', '25k-1L', '1L+')[i % 3]},{1 + i % 5},active,met at the {i % 12} drive"
        )
    return "\n".join(lines) + "\n"


def names_and_phones_csv(rows: int) -> str:
    """``rows`` distinct contacts with only a name and a phone (two writes a row)."""
    return "display_name,phone\n" + "".join(f"Donor {i:06d},+9197{i:08d}\n" for i in range(rows))


def names_and_phones_mb(ctx: BenchContext, engine: str, rows: int) -> float:
    """The database's size after importing ``rows`` names and phones alone (no load)."""
    with ctx.database(engine) as url:
        seed(url)
        db = Database(url)
        with db.session() as session:
            project = session.scalar(select(Project))
            import_contacts(session, project, names_and_phones_csv(rows), actor="cli", commit=True)
        size_mb, _ = database_mb(db)
        db.dispose()
    return size_mb


class TransactionTimer:
    """BEGIN-to-COMMIT durations of every transaction on ``db`` (ms)."""

    def __init__(self, db: Database) -> None:
        self.durations: list[float] = []
        self._started: dict[int, float] = {}
        event.listen(db.engine, "begin", self._begin)
        event.listen(db.engine, "commit", self._end)
        event.listen(db.engine, "rollback", self._end)

    def _begin(self, conn: Any) -> None:
        self._started[id(conn)] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        started = self._started.pop(id(conn), None)
        if started is not None:
            self.durations.append((time.perf_counter() - started) * 1000)


def webhook_load(base: str, phones: list[str], stop: threading.Event) -> list[float]:
    """Signed webhooks every :data:`ACK_EVERY_S` until ``stop``; acknowledgement times in ms."""
    url = base + "/whatsapp/inbound"
    validator = RequestValidator(AUTH_TOKEN)
    samples: list[float] = []
    with httpx.Client(timeout=60) as http:
        while not stop.is_set():
            form = {
                "MessageSid": "SM" + uuid.uuid4().hex,
                "From": f"whatsapp:{phones[len(samples) % len(phones)]}",
                "To": f"whatsapp:{PROJECT_NUMBER}",
                "Body": "spoke to Anita, pledged 25k",
                "NumMedia": "0",
            }
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
            started = time.perf_counter()
            response = http.post(url, data=form, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"webhook answered {response.status_code} during the import")
            time.sleep(ACK_EVERY_S)
    return samples


def database_mb(db: Database) -> tuple[float, float | None]:
    """The database's size and ``audit_log``'s share of it, in MB (after a checkpoint)."""
    if db.dialect == "sqlite":
        path = Path(db.engine.url.database or "")
        db.dispose()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try:  # dbstat is a compile-time option of SQLite
                audit = conn.execute(
                    "SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%audit_log%'"
                ).fetchone()[0]
            except sqlite3.OperationalError:
                audit = None
        return path.stat().st_size / 1e6, (audit / 1e6 if audit is not None else None)
    with db.engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        audit = conn.execute(text("SELECT pg_total_relation_size('audit_log')")).scalar()
    return float(size or 0) / 1e6, float(audit or 0) / 1e6


def one_engine(ctx: BenchContext, engine: str, rows: int) -> list[Figure]:
    csv_text = contacts_csv(rows)
    with ctx.database(engine) as url:
        phones = seed(url)
        port = free_port()
        server = start_gunicorn(url, port, ctx.workdir)
        db = Database(url)
        try:
            with db.session() as session:
                project = session.scalar(select(Project))
            stop = threading.Event()
            acks: list[float] = []
            load = threading.Thread(
                target=lambda: acks.extend(webhook_load(f"http://127.0.0.1:{port}", phones, stop))
            )
            timer = TransactionTimer(db)
            load.start()
            started = time.monotonic()
            with db.session() as session:
                report = import_contacts(session, project, csv_text, actor="cli", commit=True)
            seconds = time.monotonic() - started
            stop.set()
            load.join(timeout=120)
        finally:
            server.terminate()
            server.wait(timeout=30)
        with db.session() as session:
            contacts = session.scalar(select(func.count()).select_from(Contact))
            audits = session.scalar(select(func.count()).select_from(AuditLog))
            stored = session.scalar(select(func.count()).select_from(Message))
        size_mb, audit_mb = database_mb(db)
        db.dispose()
        undo_s, undo_ms = undo_everything(url, report.import_id)
    if report.imported != rows or contacts != rows:
        raise RuntimeError(f"{report.imported} imported, {contacts} stored, of {rows} rows")
    if stored != len(acks):
        raise RuntimeError(f"{stored} webhooks stored of {len(acks)} acknowledged")
    lean_mb = names_and_phones_mb(ctx, engine, rows)
    common = {
        "import_s": round(seconds, 1),
        "rows": rows,
        "audit_rows": audits,
        "batches": audits - 1,  # one entry per batch, one with the report
        "db_mb": round(size_mb, 1),
        "db_mb_names_and_phones": round(lean_mb, 1),
        "audit_mb": round(audit_mb, 2) if audit_mb is not None else None,
        "undo_s": round(undo_s, 1),
    }
    return [
        summarise(
            "import_webhook_ack",
            f"webhook every {int(ACK_EVERY_S * 1000)} ms during a {rows:,}-row CSV import "
            "(committed batch by batch), gunicorn 2×4",
            acks,
            engine=engine,
            extra={
                **common,
                "max_ms": round(max(acks), 1),
                f"over_{int(ACK_TARGET_MS)}ms": sum(1 for a in acks if a > ACK_TARGET_MS),
            },
        ),
        summarise(
            "import_transaction",
            f"BEGIN to COMMIT of each import transaction ({rows:,} rows, ≤ 500 per batch)",
            timer.durations,
            engine=engine,
            extra={**common, "max_ms": round(max(timer.durations), 1)},
        ),
        summarise(
            "import_undo_transaction",
            f"BEGIN to COMMIT of each transaction undoing the {rows:,}-row import "
            "(calltime contacts import --undo)",
            undo_ms,
            engine=engine,
            extra={**common, "max_ms": round(max(undo_ms), 1)},
        ),
    ]


def undo_everything(url: str, import_id: uuid.UUID) -> tuple[float, list[float]]:
    """Undo the import as the CLI does; its wall time and each transaction's (ms)."""
    db = Database(url)
    try:
        timer = TransactionTimer(db)
        started = time.monotonic()
        with db.session() as session:
            project = session.scalar(select(Project))
            undone = undo_import(
                session, project.id, import_id, actor="cli", now=datetime.now(UTC), commit=True
            )
        seconds = time.monotonic() - started
        with db.session() as session:
            left = session.scalar(select(func.count()).select_from(Contact)) or 0
    finally:
        db.dispose()
    if left or not undone.deleted:
        raise RuntimeError(f"the undo left {left} contacts ({undone})")
    return seconds, timer.durations


def run(ctx: BenchContext) -> list[Figure]:
    rows = ctx.scale(100_000, 5_000)
    return [figure for engine in ctx.engines for figure in one_engine(ctx, engine, rows)]
