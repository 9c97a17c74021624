"""Migrations, autogenerate parity and health on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from bot.migrate import current_revision, pending_model_changes, upgrade
from bot.models import Base
from tests.conftest import ENGINES, _admin_execute


def test_migrations_build_the_models_exactly(db_url: str) -> None:
    """All migrations on an empty database leave nothing for autogenerate to add."""
    # db_url comes migrated from the template; start from a truly empty database too.
    engine = create_engine(db_url)
    try:
        assert current_revision(engine) is not None
        assert pending_model_changes(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()


@pytest.fixture(params=ENGINES)
def empty_db_url(request, tmp_path):
    """A database with no tables at all, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"calltime_empty_{uuid.uuid4().hex[:8]}"
    _admin_execute(admin, f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_empty(empty_db_url) -> None:
    engine = create_engine(empty_db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert pending_model_changes(engine) == []
    engine.dispose()


def test_healthz_reports_the_database(client, runtime) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == runtime.db.dialect


def test_healthz_fails_when_database_is_gone(tmp_path) -> None:
    from bot.app import create_app

    app = create_app(
        {
            "database_url": "postgresql://nobody@127.0.0.1:1/none",
            "instance_path": tmp_path,
            "secret_key": "x",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}


def _condition(clause: object) -> str | None:
    """A partial index's WHERE as comparable text (no brackets, case, extra spaces, or the
    casts and ``= ANY (ARRAY[…])`` PostgreSQL writes for text constants and ``IN``)."""
    if clause is None:
        return None
    plain = str(clause).lower().replace("::text", "").replace("= any (array[", "in (")
    plain = plain.replace("(", " ").replace(")", " ").replace("]", " ")
    return " ".join(plain.split())


def test_partial_indexes_have_the_models_conditions(db_url: str) -> None:
    """Autogenerate does not compare a partial index's WHERE; the migrations must match it.

    The contacts' operator and suggested-time indexes leave out rows without a value, so
    an imported contact is not written to them (migration 0010).
    """
    engine = create_engine(db_url)
    key = f"{engine.dialect.name}_where"
    try:
        inspector = inspect(engine)
        found = {
            index["name"]: _condition(index.get("dialect_options", {}).get(key))
            for table in Base.metadata.tables
            for index in inspector.get_indexes(table)
        }
        wanted = {
            index.name: _condition(index.dialect_options[engine.dialect.name].get("where"))
            for table in Base.metadata.tables.values()
            for index in table.indexes
        }
    finally:
        engine.dispose()
    assert {name: found.get(name) for name in wanted} == wanted
    assert wanted["ix_contacts_project_id_assigned_to_user_id"] == "assigned_to_user_id is not null"
    assert wanted["ix_contacts_project_id_next_suggested_at"] == "next_suggested_at is not null"
    assert "ix_contact_identities_project_id_value" not in found


def test_every_contact_foreign_key_leads_an_index(db_url: str) -> None:
    """Deleting a contact looks each child table up by ``contact_id`` alone; with only
    ``(project_id, contact_id, …)`` indexes SQLite read a whole index per contact deleted
    (45 ms beside a million interactions; migrations 0012 and 0013)."""
    engine = create_engine(db_url)
    try:
        inspector = inspect(engine)
        unserved = [
            (table, key["constrained_columns"])
            for table in inspector.get_table_names()
            for key in inspector.get_foreign_keys(table)
            if key["referred_table"] == "contacts"
            and not any(
                index["column_names"][: len(key["constrained_columns"])]
                == key["constrained_columns"]
                and not index.get("dialect_options", {}).get(f"{engine.dialect.name}_where")
                for index in inspector.get_indexes(table)
                + [
                    {"column_names": u["column_names"]}
                    for u in inspector.get_unique_constraints(table)
                ]
            )
        ]
    finally:
        engine.dispose()
    assert unserved == []
