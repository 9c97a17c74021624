"""SQLite's storage of keys and times (migration 0011, bot.models.types).

Keys are 16-byte BLOBs and times whole microseconds since 1970 UTC; databases made
before 0011 hold 32 hexadecimal characters and SQLAlchemy's text times, and the
revision rewrites them so old and new rows compare, join and sort together.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import create_engine, func, select

from bot.admin.timeframe import local_day_expr, local_hour_expr
from bot.db import Database
from bot.migrate import alembic_config, pending_model_changes, upgrade
from bot.models import Contact, ContactIdentity, Project
from bot.models.types import new_id

PROJECT = uuid.UUID("0192f0c4-1d2e-7a00-8000-000000000001")
CONTACT = uuid.UUID("0192f0c4-1d2e-7a00-8000-000000000002")
IDENTITY = uuid.UUID("0192f0c4-1d2e-7a00-8000-000000000003")
#: How SQLAlchemy's DateTime wrote a time on SQLite before 0011.
OLD_TIME = "2026-11-25 19:04:05.123456"
MOMENT = datetime(2026, 11, 25, 19, 4, 5, 123456, tzinfo=UTC)


def _rows_before_0011(path: Path) -> None:
    """A project, a contact and an identity as SQLite held them at revision 0010."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO projects (id, name, whatsapp_number, timezone, currency,"
            " default_region, settings_json, created_at, updated_at)"
            " VALUES (?, 'Old Trust', '+14155550100', 'Asia/Kolkata', 'INR', 'IN', '{}', ?, ?)",
            (PROJECT.hex, OLD_TIME, OLD_TIME),
        )
        conn.execute(
            "INSERT INTO contacts (id, project_id, display_name, primary_channel,"
            " relationship_strength, status, last_contacted_at, created_at, updated_at)"
            " VALUES (?, ?, 'Meera Iyer', 'whatsapp', 3, 'active', NULL, ?, ?)",
            (CONTACT.hex, PROJECT.hex, OLD_TIME, OLD_TIME),
        )
        conn.execute(
            "INSERT INTO contact_identities (id, project_id, contact_id, type, value,"
            " is_primary, is_whatsapp_capable, created_at)"
            " VALUES (?, ?, ?, 'phone', '+919800000001', 1, 1, ?)",
            (IDENTITY.hex, PROJECT.hex, CONTACT.hex, OLD_TIME),
        )


def _stored(path: Path, sql: str) -> tuple[object, ...]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return tuple(row)


def test_0011_rewrites_old_keys_and_times_and_back(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0010")
    _rows_before_0011(path)

    upgrade(engine)
    assert _stored(path, "SELECT typeof(id), length(id), typeof(created_at) FROM contacts") == (
        "blob",
        16,
        "integer",
    )
    assert _stored(path, "SELECT count(*) FROM pragma_foreign_key_check") == (0,)
    assert pending_model_changes(engine) == []
    engine.dispose()

    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        contact = session.get(Contact, CONTACT)
        assert contact is not None
        assert contact.project_id == PROJECT
        assert contact.created_at == MOMENT
        # Old rows and new rows join and compare in SQL.
        identity = session.scalar(
            select(ContactIdentity).join(Contact).where(Contact.created_at == MOMENT)
        )
        assert identity is not None and identity.id == IDENTITY
        later = Contact(
            project_id=PROJECT,
            display_name="Ravi Kumar",
            created_at=MOMENT + timedelta(microseconds=1),
        )
        session.add(later)
        session.flush()
        newest = session.scalars(
            select(Contact.display_name).order_by(Contact.created_at.desc())
        ).first()
        assert newest == "Ravi Kumar"
        session.delete(later)
    db.dispose()

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0010")
    engine.dispose()
    assert _stored(path, "SELECT id, project_id, created_at FROM contacts") == (
        CONTACT.hex,
        PROJECT.hex,
        OLD_TIME,
    )
    assert _stored(path, "SELECT contact_id FROM contact_identities") == (CONTACT.hex,)


def test_keys_and_times_round_trip_exactly(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    key = new_id()
    # Microseconds survive; a time given in another zone comes back as the same instant.
    moment = datetime(2026, 12, 4, 23, 59, 59, 999999, tzinfo=UTC)
    ist = moment.astimezone(ZoneInfo("Asia/Kolkata"))
    with db.session() as session:
        session.add(Project(id=key, name="T", whatsapp_number="+14155550101", created_at=ist))
    with db.session() as session:
        project = session.get(Project, str(key))  # a key given as text is read as a UUID
        assert project is not None
        assert project.id == key
        assert project.created_at == moment
        assert project.created_at.tzinfo is UTC
    db.dispose()
    assert _stored(path, "SELECT hex(id), created_at FROM projects") == (
        key.hex.upper(),
        (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1),
    )


def test_days_and_hours_are_bucketed_in_the_projects_zone(tmp_path: Path) -> None:
    """19:04 UTC on 25 Nov is 00:34 on 26 Nov in India (+330 minutes)."""
    path = tmp_path / "days.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.session() as session:
        session.add(Project(id=PROJECT, name="T", whatsapp_number="+1", created_at=MOMENT))
    with db.session() as session:
        day = session.scalar(select(local_day_expr(session, Project.created_at, 330)))
        hour = session.scalar(select(local_hour_expr(session, Project.created_at, 330)))
        utc_day = session.scalar(select(func.min(local_day_expr(session, Project.created_at, 0))))
    db.dispose()
    assert (day, hour, utc_day) == ("2026-11-26", 0, "2026-11-25")


def _stat_tables(path: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone():
            return set()
        return {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}


def test_0012_gives_a_database_with_contacts_statistics(tmp_path: Path) -> None:
    """A database holding 1,000 contacts leaves 0012 with ``sqlite_stat1`` for the contact
    tables (planned by their size, not by SQLite's ten-rows-a-project guess); a smaller
    one keeps the heuristics; downgrading removes the rows 0012 wrote."""
    for contacts, analysed in ((1000, True), (999, False)):
        path = tmp_path / f"{contacts}.db"
        engine = create_engine(f"sqlite:///{path}")
        upgrade(engine, "0011")
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute(
                "INSERT INTO projects (id, name, whatsapp_number, timezone, currency,"
                " default_region, settings_json, created_at, updated_at)"
                " VALUES (?, 'T', '+14155550101', 'Asia/Kolkata', 'INR', 'IN', '{}', 0, 0)",
                (PROJECT.bytes,),
            )
            conn.executemany(
                "INSERT INTO contacts (id, project_id, display_name, primary_channel,"
                " relationship_strength, status, created_at, updated_at)"
                " VALUES (?, ?, ?, 'whatsapp', 3, 'active', 0, 0)",
                [(new_id().bytes, PROJECT.bytes, f"Donor {i}") for i in range(contacts)],
            )
            conn.commit()
        upgrade(engine)
        wanted = {"contacts", "contact_identities", "contact_tags"} & _stat_tables(path)
        assert bool(wanted) is analysed, contacts
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0011")
        engine.dispose()
        assert "contacts" not in _stat_tables(path)
