"""What every ``calltime`` command checks before it works on the database.

A new user's first mistakes (a wrong ``DATABASE_URL``, a database nobody migrated, a
server that is down) end in one line saying what to do, never in a traceback.
"""

from __future__ import annotations

import logging
import sqlite3

import click
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.migrate import alembic_config, current_revision, upgrade
from bot.runtime import Runtime

#: Seconds a command waits for the database server before saying it cannot reach it.
CONNECT_TIMEOUT_S = 5.0


def safe_url(url: str) -> str:
    """``url`` with its password masked, fit to print."""
    return make_url(url).render_as_string(hide_password=True)


def first_line(exc: BaseException) -> str:
    """The driver's own first line for a database error (not SQLAlchemy's wrapper)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def check_database(runtime: Runtime, *, schema: bool = True) -> None:
    """Fail in one line when the database cannot be reached, or (``schema``) is not migrated.

    Raises:
        click.ClickException: the database server is down, refuses the login, the file
            cannot be opened, or the schema is missing or older than this Calltime.
    """
    db = runtime.db
    try:
        db.probe(timeout=CONNECT_TIMEOUT_S)  # "locked" is fine: someone else is writing
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise click.ClickException(
            f"cannot reach the database {safe_url(db.url)}: {first_line(exc)}"
        ) from None
    if not schema:
        return
    migration_log = logging.getLogger("alembic.runtime.migration")
    level = migration_log.level
    migration_log.setLevel(logging.WARNING)  # "Context impl SQLiteImpl." on every command
    try:
        current = current_revision(db.engine)
    finally:
        migration_log.setLevel(level)
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current is None:
        raise click.ClickException(
            "the database has no Calltime tables yet: run `calltime db upgrade` first"
        )
    if current == head:
        return
    if current not in {script.revision for script in scripts.walk_revisions()}:
        raise click.ClickException(
            f"the database is at revision {current}, which this Calltime does not know: "
            "a newer version migrated it"
        )
    raise click.ClickException(
        f"the database is at revision {current}, this Calltime needs {head}: "
        "run `calltime db upgrade`"
    )


def migrate(runtime: Runtime) -> None:
    """Upgrade the schema, or say in one line why the database refused.

    Raises:
        click.ClickException: e.g. the pgvector extension is not installed on the
            server, or the database already holds another application's tables.
    """
    try:
        upgrade(runtime.db.engine)
    except SQLAlchemyError as exc:
        reason = first_line(exc)
        if '"vector"' in reason:
            reason += " (install the pgvector extension on the PostgreSQL server)"
        raise click.ClickException(f"could not migrate the database: {reason}") from None
