"""Memory store and search latency at 100,000 memories per project, on both engines.

The project is bulk-loaded (embeddings computed by a tiny 384-dim model built on the
spot, so nothing is downloaded; the indexes, PostgreSQL's HNSW among them, are built
after the load, as a real bulk import would), then single ``store`` calls (validate,
dedup check, embed, insert, commit) and ``search`` calls (keyword, vector, and fused
hybrid) are timed.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import select, text

from bench.bulk import bulk_load, deferred_indexes
from bench.harness import BenchContext, Figure, summarise, time_calls
from bot.db import Database
from bot.directory.org import create_project
from bot.models import Contact, Memory
from bot.store import ProjectScope
from memory.embedder import load_embedder, to_blob
from memory.service import MemoryService
from memory.tiny_model import build_tiny_model


def _split(text: str) -> list[str]:
    return text.split()


WORDS = _split(
    "prefers hindi tamil english calls evening morning weekend diwali holi festival "
    "already gave another ngo charity temple travelling abroad dubai surgery hospital "
    "upi cheque bank transfer receipt tax exemption scholarship girls education meals "
    "water village photos report newsletter formal informal short brief monthly annual "
    "renewal pledge sponsor doctor lawyer teacher founder engineer wife son family "
    "reschedule postpone remind later objection overheads politics religion consent"
)
#: Rare words (think names, places, programmes) give the corpus a realistic long tail.
RARE = [
    f"{a}{b}{c}"
    for a in "bdgkmprst"
    for b in "aeiou"
    for c in ("lan", "rin", "dot", "pur", "mesh", "vati", "kar")
]
DIM = 384
CONTACTS = 5_000


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 5))]
    words += [rng.choice(RARE) for _ in range(rng.randint(2, 5))]
    rng.shuffle(words)
    return " ".join(words)


def _bulk_contacts(db: Database, project_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Insert the donors the memories are about; returns their ids."""
    contacts = [uuid.uuid4() for _ in range(CONTACTS)]
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


def _bulk_load(db: Database, project_id: uuid.UUID, embedder, count: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    sqlite = db.dialect == "sqlite"
    contacts = _bulk_contacts(db, project_id, now)
    for start in range(0, count, 2000):
        texts = [f"{_sentence(rng)} #{n}" for n in range(start, min(count, start + 2000))]
        vectors = embedder.embed(texts)
        rows = [
            {
                "id": uuid.uuid4(),
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


def _load_project(db: Database, embedder, count: int) -> tuple[uuid.UUID, float]:
    with db.session() as session:
        project = create_project(session, f"Bench {uuid.uuid4().hex[:6]}", "+919800000001")
    started = time.perf_counter()
    # Full-text, HNSW and b-tree indexes are built once after the load, as a bulk
    # import would (deferred_indexes rebuilds them from the migrations' definitions).
    with deferred_indexes(db.engine, Memory):
        _bulk_load(db, project.id, embedder, count)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE memories"))
    return project.id, time.perf_counter() - started


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
            f"{_sentence(rng)} {uuid.uuid4().hex[:6]}",
            {"memory_type": "contact_profile", "contact_id": contact},
        )


def _search(db: Database, project_id: uuid.UUID, embedder, rng: random.Random, kind: str) -> None:
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project_id), embedder)
        getattr(svc, kind)(_sentence(rng), limit=5)


def run(ctx: BenchContext) -> list[Figure]:
    count = ctx.scale(100_000, 2_000)
    repeat = ctx.scale(30, 5)
    embedder = load_embedder(build_tiny_model(ctx.workdir / "bench-model", WORDS + RARE, dim=DIM))
    assert embedder is not None
    figures: list[Figure] = []
    for engine in ctx.engines:
        with ctx.database(engine) as url:
            db = Database(url)
            project_id, load_s = _load_project(db, embedder, count)
            rng = random.Random(11)
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
                search = partial(_search, db, project_id, embedder, rng, kind)
                figures.append(
                    summarise(
                        f"memory.search.{label}",
                        workload,
                        time_calls(search, repeat),
                        engine=engine,
                        extra={"limit": 5, "dim": DIM},
                    )
                )
            db.dispose()
    return figures
