"""``calltime db …``: schema migrations."""

from __future__ import annotations

import click

from bot.cli.common import CliState, pass_state
from bot.cli.startup import migrate
from bot.migrate import current_revision


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Create or upgrade the schema to the latest migration (SQLite or PostgreSQL)."""
    state.migrates = True
    engine = state.runtime.db.engine
    migrate(state.runtime)
    click.echo(f"database at revision {current_revision(engine)} ({engine.dialect.name})")


@db_group.command("current")
@pass_state
def db_current(state: CliState) -> None:
    """Print the schema revision the database is at."""
    state.migrates = True  # any revision, or none, is an answer here
    click.echo(current_revision(state.runtime.db.engine) or "empty")
