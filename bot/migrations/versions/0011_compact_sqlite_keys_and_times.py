"""SQLite stores keys as 16 bytes and times as integer microseconds

Until now SQLite held every UUID as 32 hexadecimal characters and every time as 26
characters of text; :class:`bot.models.types.CompactUuid` and
:class:`bot.models.types.UTCDateTime` now write 16-byte BLOBs and whole microseconds
since 1970-01-01 UTC. This revision rewrites the values already stored, table by table,
so old and new rows compare and sort together. Columns keep their declared types
(``CHAR(32)``, ``DATETIME``), and the types declare them so on new databases too:
SQLite keeps a BLOB in a column of text affinity and an integer in one of numeric
affinity as they are, and rebuilding every table to rename a type would gain nothing.

The memory tables' write counters (``search_versions``, migration 0004) were named by
concatenating the project's key to the table's name in a trigger; the triggers now
spell the key's bytes as the same 32 hexadecimal digits, so existing counters carry on.

PostgreSQL stores both natively and is not touched.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How SQLAlchemy's ``DateTime`` wrote times on SQLite.
TEXT_TIME = "%Y-%m-%d %H:%M:%S.%f"
#: The tables whose writes ``search_versions`` counts (migration 0004).
MEMORY_TABLES = ("memories", "vectors")


def _uuid_bytes(value: str) -> bytes:
    return uuid.UUID(value).bytes


def _uuid_text(value: bytes) -> str:
    return uuid.UUID(bytes=bytes(value)).hex


def _time_integer(value: str) -> int:
    moment = datetime.fromisoformat(value)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def _time_text(value: int) -> str:
    return (EPOCH + timedelta(microseconds=value)).strftime(TEXT_TIME)


def _rewrite(conversions: dict[str, tuple[str, Callable[[Any], Any]]]) -> None:
    """Apply ``conversions`` (declared type → stored type, function) to every column."""
    bind = op.get_bind()
    connection = bind.connection.driver_connection
    for _, function in conversions.values():
        connection.create_function(_sql_name(function), 1, function, deterministic=True)
    # Keys change in parents and children alike; the references hold again at COMMIT.
    op.execute("PRAGMA defer_foreign_keys = ON")
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        if table.startswith("search_") or table == "alembic_version":
            continue
        for column in inspector.get_columns(table):
            conversion = conversions.get(str(column["type"]).upper())
            if conversion is None:
                continue
            stored, function = conversion
            name = column["name"]
            op.execute(
                f'UPDATE "{table}" SET "{name}" = {_sql_name(function)}("{name}") '
                f"WHERE typeof(\"{name}\") = '{stored}'"
            )


def _version_triggers(project_key: str) -> None:
    """(Re)create the memory tables' write-counter triggers, naming projects by ``project_key``
    (an SQL expression of ``{row}``, the new or old row)."""
    for table in MEMORY_TABLES:
        for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
            trigger = f"search_{table}_v{event[0].lower()}"
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            if not project_key:
                continue
            key = project_key.format(row=row)
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN "
                f"INSERT INTO search_versions(name, version) VALUES ('{table}:' || {key}, 1) "
                f"ON CONFLICT(name) DO UPDATE SET version = version + 1; END"
            )


def _sql_name(function: Callable[[Any], Any]) -> str:
    return "calltime" + function.__name__


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _version_triggers("")  # the rewrite itself is not a write to count
    _rewrite({"CHAR(32)": ("text", _uuid_bytes), "DATETIME": ("text", _time_integer)})
    _version_triggers("lower(hex({row}.project_id))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _version_triggers("")
    _rewrite({"CHAR(32)": ("blob", _uuid_text), "DATETIME": ("integer", _time_text)})
    _version_triggers("{row}.project_id")
