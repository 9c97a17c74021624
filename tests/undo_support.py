"""Snapshots of one project's records, to prove ``undo`` puts the database back exactly.

:func:`snapshot` reads every table that carries ``project_id`` — the business records
and the rows derived from them (memories, vectors) — except the append-only logs in
:data:`LOG_TABLES`, whose rows undo never removes (it stamps ``audit_log.reverted_at``
instead; :func:`audit_marks` reads those stamps). ``updated_at`` is left out: it is the
wall-clock time of a row's last write, and the undo is a write.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, func, select

from bot.db import Database
from bot.models import AuditLog, Base

#: Logs that only grow (or are not business data): compared another way, or not at all.
LOG_TABLES = frozenset(
    {
        "audit_log",
        "events",
        "messages_inbound_outbound",
        "sessions",
        "provider_usage",
        "agent_logs",
        "job_runs",
        "login_tokens",
        "login_attempts",
    }
)
SKIPPED_COLUMNS = frozenset({"updated_at"})


def snapshot_tables() -> list[Table]:
    """The project-scoped tables a snapshot compares."""
    return [
        table
        for table in Base.metadata.sorted_tables
        if "project_id" in table.columns and table.name not in LOG_TABLES
    ]


def snapshot(db: Database, project_id: uuid.UUID) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of the project in :func:`snapshot_tables`, by table and id.

    One statement counts the project's rows in every table, then only the tables that
    hold some are read: most of the tables are empty for one project, and a query per
    table made the snapshot the state machine's largest cost after the turns themselves.
    """
    tables = snapshot_tables()
    found: dict[str, dict[Any, dict[str, Any]]] = {table.name: {} for table in tables}
    with db.engine.connect() as conn:
        counts = conn.execute(
            select(
                *(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.project_id == project_id)
                    .scalar_subquery()
                    for table in tables
                )
            )
        ).one()
        for table, count in zip(tables, counts, strict=True):
            if not count:
                continue
            columns = [c for c in table.columns if c.name not in SKIPPED_COLUMNS]
            rows = conn.execute(select(*columns).where(table.c.project_id == project_id))
            found[table.name] = {row.id: dict(row._mapping) for row in rows}
    return found


def difference(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two snapshots, table by table (empty when equal)."""
    changed: dict[str, Any] = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, {}), after.get(name, {})
        rows = {
            str(row_id): (old.get(row_id), new.get(row_id))
            for row_id in old.keys() | new.keys()
            if old.get(row_id) != new.get(row_id)
        }
        if rows:
            changed[name] = rows
    return changed


def audit_marks(db: Database, project_id: uuid.UUID) -> dict[uuid.UUID, tuple[Any, bool]]:
    """Every audit row of the project: ``id → (turn_id, reverted?)``."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(AuditLog.id, AuditLog.turn_id, AuditLog.reverted_at).where(
                AuditLog.project_id == project_id
            )
        )
        return {row.id: (row.turn_id, row.reverted_at is not None) for row in rows}


def turn_wrote(db: Database, turn_id: uuid.UUID | None) -> bool:
    """Whether the turn wrote anything ``undo`` would revert (its own undo rows aside)."""
    if turn_id is None:
        return False
    with db.engine.connect() as conn:
        count = conn.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.turn_id == turn_id,
                AuditLog.table_name.not_in(("sessions", "messages_inbound_outbound")),
                (AuditLog.idempotency_key.is_(None)) | AuditLog.idempotency_key.not_like("undo:%"),
            )
        )
    return bool(count)
