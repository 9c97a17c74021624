"""Schema migrations (Alembic), driven from Python so no ``alembic.ini`` is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.models import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Whether autogenerate compares the schema object ``name``.

    Objects named ``search_*`` are the memory area's full-text and vector search
    structures (SQLite FTS5 tables, PostgreSQL's generated ``search_tsv`` column and
    expression indexes, see migration ``0004_memory``); the models cannot declare them
    portably, so they are excluded deliberately.
    """
    return not (name or "").startswith("search_")


def alembic_config(connection: Any | None = None) -> Config:
    """An Alembic config pointing at Calltime's migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema on ``engine`` (SQLite or PostgreSQL)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending_model_changes(engine: Engine) -> list[Any]:
    """Differences Alembic's autogenerate finds between the models and the database."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        # Alembic annotates the result as Any; it documents a list of diff tuples.
        diffs: list[Any] = compare_metadata(context, Base.metadata)
        return diffs
