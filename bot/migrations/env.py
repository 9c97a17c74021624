"""Alembic environment: the connection comes from :func:`bot.migrate.alembic_config`."""

from __future__ import annotations

from alembic import context

from bot.migrate import include_name
from bot.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_name=include_name,  # search_* objects are hand-made (0004_memory)
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
