"""The benchmarks' bulk loader stores exactly what the ORM's bulk ``insert()`` stores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, insert, inspect, select
from sqlalchemy.orm import Session

from bench.bulk import bulk_load, deferred_indexes
from bot.models import AgentLog, Contact, ContactIdentity, Memory, Pledge, Project

NOW = datetime(2026, 11, 26, 4, 30, 12, 345678, tzinfo=UTC)


def _project(engine, name: str, number: str) -> uuid.UUID:
    pid = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            insert(Project),
            [
                {
                    "id": pid,
                    "name": name,
                    "whatsapp_number": number,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )
    return pid


def _rows(pid: uuid.UUID, dialect: str) -> dict[type, list[dict]]:
    contact = uuid.uuid4()
    vector = [0.25, -0.5, 1.0]
    blob = b"\x00\x00\x80>\x00\x00\x00\xbf\x00\x00\x80?"  # the same three float32s
    return {
        # display_name only: primary_channel, relationship_strength and status take defaults
        Contact: [
            {
                "id": contact,
                "project_id": pid,
                "display_name": "Anita Rao, ಅನಿತಾ",
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
        AgentLog: [
            {
                "id": uuid.uuid4(),
                "project_id": pid,
                "action": "record_pledge",
                "input_json": {"amount": 25000, "note": 'tab\there "quoted" \\ back'},
                "status": "ok",
                "created_at": NOW,
            }
        ],
        Pledge: [
            {
                "id": uuid.uuid4(),
                "project_id": pid,
                "contact_id": contact,
                "currency": "INR",
                "amount": Decimal("25000.50"),
                "pledged_at": NOW,
                "status": "open",
            }
        ],
        Memory: [
            {
                "id": uuid.uuid4(),
                "project_id": pid,
                "content": "prefers evening calls\nin Hindi",
                "content_hash": "h1",
                "memory_type": "contact_profile",
                "contact_id": contact,
                "meta": {"source": "call"},
                "embedding": blob if dialect == "sqlite" else vector,
                "embedding_dim": 3,
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
    }


def _read(engine, model, pid):
    mapper = inspect(model)
    with engine.connect() as conn:
        rows = conn.execute(select(model.__table__).where(model.__table__.c.project_id == pid))
        out = []
        for row in rows.mappings():
            values = {attr.key: row[attr.columns[0].name] for attr in mapper.column_attrs}
            values.pop("id")
            values.pop("project_id")
            if "contact_id" in values:
                values["contact_id"] = values["contact_id"] is not None
            if hasattr(values.get("embedding"), "tolist"):
                values["embedding"] = values["embedding"].tolist()
            out.append(values)
        return out


def test_bulk_load_matches_insert(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        via_insert = _project(engine, "Via insert", "+14155550181")
        via_bulk = _project(engine, "Via bulk", "+14155550182")
        with Session(engine) as session, session.begin():  # the ORM's bulk insert
            for model, rows in _rows(via_insert, engine.dialect.name).items():
                session.execute(insert(model), rows)
        for model, rows in _rows(via_bulk, engine.dialect.name).items():
            assert bulk_load(engine, model, iter(rows)) == len(rows)
        for model in (Contact, AgentLog, Pledge, Memory):
            expected = _read(engine, model, via_insert)
            assert expected, model
            assert _read(engine, model, via_bulk) == expected, model.__tablename__
    finally:
        engine.dispose()


def test_bulk_load_refuses_unknown_columns_and_writes_nothing(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        pid = _project(engine, "Unknown", "+14155550183")
        with pytest.raises(ValueError, match="no column"):
            bulk_load(engine, Contact, [{"id": uuid.uuid4(), "project_id": pid, "nmae": "x"}])
        with engine.connect() as conn:
            assert conn.execute(select(Contact.id)).all() == []
    finally:
        engine.dispose()


def test_deferred_indexes_are_rebuilt_as_the_migrations_made_them(db_url: str) -> None:
    engine = create_engine(db_url)
    try:

        def indexes() -> dict[str, list]:
            found = inspect(engine)
            return {
                t: sorted(found.get_indexes(t), key=lambda i: i["name"])
                for t in ("agent_logs", "memories", "contact_identities")
            }

        before = indexes()
        assert before["agent_logs"], "agent_logs has secondary indexes to defer"
        with deferred_indexes(engine, AgentLog, Memory, ContactIdentity):
            during = inspect(engine)
            assert during.get_indexes("agent_logs") == []
        assert indexes() == before
    finally:
        engine.dispose()
