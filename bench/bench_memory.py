"""Memory store and search latency at 100,000 memories per project, on both engines.

The project is bulk-loaded (embeddings computed by a tiny 384-dim model built on the
spot, so nothing is downloaded; the indexes, PostgreSQL's HNSW among them, are built
after the load, as a real bulk import would), then single ``store`` calls (validate,
dedup check, embed, insert, commit) and ``search`` calls (keyword, vector, and fused
hybrid) are timed. The memories and queries are realistic text made by
:class:`bench.memory_text.MemoryText` (Faker's names, cities, job titles and word lists,
about 3,200 words, Zipf-weighted; queries are a name, a short topic, or both).

Where the time went (2026-12-03, cProfile and EXPLAIN ANALYZE on this data set):
keyword search OR-ed every query word and ranked *every* match (``ts_rank`` on
PostgreSQL, ``ORDER BY bm25`` in FTS5): a query of common words matched tens of
thousands of rows (p90 502 ms on PostgreSQL under load). Now rows holding every word
come first and rows holding any fill up, each pass ranking at most 200 matches (on
PostgreSQL ``ts_rank`` over 500 rows alone cost ~5 ms; on SQLite the newest matches'
rowid range is ranked inside FTS5 — an ``IN (…)`` list was 290 ms). SQLite's exact
vector search is a 100,000 × 384 float32 product (~21 ms here at best, memory-bound)
plus a full ``argsort`` (now ``argpartition``); it bounds hybrid search on SQLite.
Recall@5 on ``tests/test_memory_quality.py`` is unchanged (same rows, old vs new).
"""

from __future__ import annotations

import gc
import hashlib
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import select, text

from bench.bulk import bulk_load, deferred_indexes
from bench.harness import BenchContext, Figure, summarise, time_calls
from bench.memory_text import MemoryText
from bot.db import Database
from bot.directory.org import create_project
from bot.models import Contact, Memory
from bot.models.types import new_id
from bot.store import ProjectScope
from bot.whatsapp.warm_up import freeze_heap
from memory.embedder import load_embedder, to_blob
from memory.service import MemoryService
from memory.tiny_model import build_tiny_model

DIM = 384
CONTACTS = 5_000


TEXT = MemoryText()


def _bulk_contacts(db: Database, project_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Insert the donors the memories are about; returns their ids."""
    contacts = [new_id() for _ in range(CONTACTS)]
    rows = [
        {
            "id": c,
            "project_id": project_id,
            "display_name": f"Donor {n}",
            "primary_channel": "whatsapp",
            "relationship_strength": 3,
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for n, c in enumerate(contacts)
    ]
    bulk_load(db.engine, Contact, rows)
    return contacts


def _bulk_load(db: Database, project_id: uuid.UUID, embedder, count: int) -> list[str]:
    """Load ``count`` memories; returns the people they mention (for name queries)."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    sqlite = db.dialect == "sqlite"
    contacts = _bulk_contacts(db, project_id, now)
    people: list[str] = []
    for start in range(0, count, 2000):
        batch = [TEXT.memory(rng) for _ in range(start, min(count, start + 2000))]
        people += [person for person, _ in batch[:20]]
        texts = [f"{content} #{n}" for n, (_, content) in enumerate(batch, start=start)]
        vectors = embedder.embed(texts)
        rows = [
            {
                "id": new_id(),
                "project_id": project_id,
                "content": t,
                "content_hash": hashlib.sha256(t.encode()).hexdigest(),
                "memory_type": rng.choice(["contact_profile", "campaign_playbook"]),
                "importance": "medium",
                "contact_id": rng.choice(contacts),
                "tags": [],
                "meta": {},
                "embedding": to_blob(v) if sqlite else v,
                "embedding_model": embedder.model_name,
                "embedding_dim": DIM,
                "created_at": now,
                "updated_at": now,
            }
            for t, v in zip(texts, vectors, strict=True)
        ]
        bulk_load(db.engine, Memory, rows)
    return people


def _load_project(db: Database, embedder, count: int) -> tuple[uuid.UUID, list[str], float]:
    with db.session() as session:
        project = create_project(session, f"Bench {uuid.uuid4().hex[:6]}", "+919800000001")
    started = time.perf_counter()
    # Full-text, HNSW and b-tree indexes are built once after the load, as a bulk
    # import would (deferred_indexes rebuilds them from the migrations' definitions).
    with deferred_indexes(db.engine, Memory):
        people = _bulk_load(db, project.id, embedder, count)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE memories"))
    return project.id, people, time.perf_counter() - started


def _store(db: Database, project_id: uuid.UUID, embedder, rng: random.Random) -> None:
    with db.session() as session:
        scope = ProjectScope(session, project_id, actor="bench")
        contact = session.scalars(
            select(Contact.id)
            .where(Contact.project_id == project_id)
            .limit(1)
            .offset(rng.randrange(CONTACTS))
        ).one()
        MemoryService(scope, embedder).store(
            f"{TEXT.memory(rng)[1]} {uuid.uuid4().hex[:6]}",
            {"memory_type": "contact_profile", "contact_id": contact},
        )


def _search(
    db: Database, project_id: uuid.UUID, embedder, queries: Iterator[str], kind: str
) -> None:
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project_id), embedder)
        getattr(svc, kind)(next(queries), limit=5)


def run(ctx: BenchContext) -> list[Figure]:
    count = ctx.scale(100_000, 2_000)
    repeat = ctx.scale(30, 5)
    embedder = load_embedder(
        build_tiny_model(ctx.workdir / "bench-model", TEXT.vocabulary, dim=DIM)
    )
    assert embedder is not None
    figures: list[Figure] = []
    for engine in ctx.engines:
        with ctx.database(engine) as url:
            db = Database(url)
            project_id, people, load_s = _load_project(db, embedder, count)
            # A server freezes its start-up heap, the embedding model included
            # (``warm_up``, ``freeze_heap``); this process does the same after loading.
            freeze_heap()
            rng = random.Random(11)
            queries = iter([TEXT.query(rng, people) for _ in range(10_000)])
            workload = f"{count:,} memories in one project"
            store = partial(_store, db, project_id, embedder, rng)
            figures.append(
                summarise(
                    "memory.store",
                    workload,
                    time_calls(store, repeat),
                    engine=engine,
                    extra={"bulk_load_s": round(load_s, 1)},
                )
            )
            for kind, label in (
                ("keyword_search", "keyword"),
                ("vector_search", "vector"),
                ("search", "hybrid"),
            ):
                search = partial(_search, db, project_id, embedder, queries, kind)
                figures.append(
                    summarise(
                        f"memory.search.{label}",
                        workload,
                        time_calls(search, repeat),
                        engine=engine,
                        extra={"limit": 5, "dim": DIM, "vocabulary": len(TEXT.vocabulary)},
                    )
                )
            db.dispose()
            gc.unfreeze()
    return figures
