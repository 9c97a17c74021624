"""Migrations, autogenerate parity and health on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from bot.migrate import current_revision, pending_model_changes, upgrade
from bot.models import Base


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


def test_upgrade_from_empty(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert pending_model_changes(engine) == []
    engine.dispose()


def test_healthz_reports_the_database(client, runtime) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == runtime.db.dialect


def test_healthz_fails_when_database_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
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
