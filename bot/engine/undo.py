"""``undo``: revert every write of the operator's last turn, newest first.

The turn is found in ``audit_log``: rows written by ``user:<id>`` — or by the model
(``agent:<session>``) during one of the operator's own turns — under a ``turn_id``
other than the current one, not yet reverted, and not themselves an undo. Inserts are
deleted, updates restored to their old values, deletes re-inserted. The original rows
get ``reverted_at``; the rows the undo itself writes are tagged
``idempotency_key = "undo:<turn>"`` so a second ``undo`` steps further back instead of
undoing the undo. Sessions and messages are not business records and are left alone.

:func:`revert_rows` is the machinery itself: ``undo`` uses it for the operator's last
turn, and :func:`revert_turn` for the writes of a turn that did not finish (the model
failed midway, or the worker died).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.sql.sqltypes import Date, DateTime, Numeric, Uuid

from bot.models import AuditLog, Base, Message, User
from bot.store import ProjectScope

UNDO_WINDOW = timedelta(minutes=30)
RECENT_TURNS = 50
SKIPPED_TABLES = ("sessions", "messages_inbound_outbound", "events", "audit_log")
_LABELS = {
    "interactions": "interaction",
    "pledges": "pledge",
    "payments": "payment",
    "followups": "follow-up",
    "contacts": "contact change",
}


class UndoError(ValueError):
    """Nothing can be undone (with the reason)."""


def _model_for(table: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == table:
            return mapper.class_  # type: ignore[no-any-return]
    raise UndoError(f"cannot undo writes to {table}")


def _value(model: type[Base], key: str, raw: Any) -> Any:
    """Turn a JSON audit value back into the column's Python type.

    ``key`` is the attribute name the audit log stores, which may differ from the
    column's (the ``meta`` attribute of a memory is the ``metadata`` column).
    """
    if raw is None:
        return None
    column_type = inspect(model).column_attrs[key].columns[0].type
    impl = getattr(column_type, "impl", column_type)
    if isinstance(impl, Uuid):
        return uuid.UUID(raw)
    if isinstance(impl, DateTime):
        return datetime.fromisoformat(raw)
    if isinstance(impl, Date):
        return date.fromisoformat(raw)
    if isinstance(impl, Numeric):
        return Decimal(raw)
    return raw


def _recent_turns(scope: ProjectScope, user: User) -> list[uuid.UUID]:
    """The operator's latest inbound messages: the turns the model may have written in."""
    stmt = (
        select(Message.id)
        .where(
            Message.project_id == scope.project_id,
            Message.user_id == user.id,
            Message.direction == "inbound",
        )
        .order_by(Message.created_at.desc())
        .limit(RECENT_TURNS)
    )
    return list(scope.session.scalars(stmt))


def _standing(scope: ProjectScope) -> list[Any]:
    """Audit rows of business writes that were not reverted and are not reverts."""
    return [
        AuditLog.project_id == scope.project_id,
        AuditLog.reverted_at.is_(None),
        AuditLog.table_name.not_in(SKIPPED_TABLES),
        or_(AuditLog.idempotency_key.is_(None), AuditLog.idempotency_key.not_like("undo:%")),
    ]


def _last_turn(scope: ProjectScope, user: User) -> list[AuditLog]:
    mine = [AuditLog.changed_by == f"user:{user.id}"]
    turns = _recent_turns(scope, user)
    if turns:  # the model's writes (agent:<session>) in the operator's own turns
        mine.append(AuditLog.turn_id.in_(turns))
    stmt = (
        select(AuditLog)
        .where(*_standing(scope), or_(*mine), AuditLog.turn_id.is_not(None))
        .order_by(AuditLog.timestamp.desc(), AuditLog.id.desc())
    )
    if scope.turn_id is not None:
        stmt = stmt.where(AuditLog.turn_id != scope.turn_id)
    latest = scope.session.scalars(stmt.limit(1)).first()
    if latest is None:
        return []
    return list(scope.session.scalars(stmt.where(AuditLog.turn_id == latest.turn_id)))


def _turn_time(scope: ProjectScope, rows: list[AuditLog]) -> datetime:
    message = scope.get(Message, rows[0].turn_id)
    return message.created_at if message is not None else min(r.timestamp for r in rows)


def _revert(scope: ProjectScope, row: AuditLog) -> None:
    model = _model_for(row.table_name)
    obj = scope.get(model, row.record_id)
    if row.action == "insert":
        if obj is not None:
            scope.delete(obj)
    elif row.action == "update":
        if obj is None:
            raise UndoError("a changed record no longer exists")
        scope.update(obj, **{k: _value(model, k, v) for k, v in (row.old_values or {}).items()})
    else:
        values = {k: _value(model, k, v) for k, v in (row.old_values or {}).items()}
        values.pop("project_id", None)
        scope.insert(model(**values))


def turn_writes(
    scope: ProjectScope, turn_id: uuid.UUID, changed_by: str | None = None
) -> list[AuditLog]:
    """The writes recorded under ``turn_id`` that still stand, newest first.

    ``changed_by`` narrows them to one actor (e.g. the assistant's ``agent:<session>``).
    """
    stmt = (
        select(AuditLog)
        .where(*_standing(scope), AuditLog.turn_id == turn_id)
        .order_by(AuditLog.timestamp.desc(), AuditLog.id.desc())
    )
    if changed_by is not None:
        stmt = stmt.where(AuditLog.changed_by == changed_by)
    return list(scope.session.scalars(stmt))


class _MarkedScope(ProjectScope):
    """``scope``'s session, actor and turn, stamping ``undo:<turn>`` on what it writes."""

    def __init__(self, scope: ProjectScope, marker: str) -> None:
        super().__init__(scope.session, scope.project_id, actor=scope.actor, turn_id=scope.turn_id)
        self.marker = marker

    def _audit(
        self, obj: Any, action: str, old: Any, new: Any, idempotency_key: Any = None
    ) -> None:
        super()._audit(obj, action, old, new, self.marker)


def revert_turn(
    scope: ProjectScope, turn_id: uuid.UUID, now: datetime, *, changed_by: str | None = None
) -> dict[str, int]:
    """Revert every write of ``turn_id`` that still stands (of ``changed_by`` only, if given).

    Returns the reverted records by kind (see :func:`revert_rows`).
    """
    return revert_rows(scope, turn_writes(scope, turn_id, changed_by), now)


def revert_rows(scope: ProjectScope, rows: list[AuditLog], now: datetime) -> dict[str, int]:
    """Revert ``rows`` (one turn's writes, newest first) and count them for the operator.

    Inserts are deleted, updates restored, deletes re-inserted; each row gets
    ``reverted_at`` and the reverting writes are tagged ``undo:<turn>`` so neither a
    later ``undo`` nor a later revert of the same turn touches them again.
    """
    counts: dict[str, int] = {}
    if not rows:
        return counts
    marked = _MarkedScope(scope, f"undo:{rows[0].turn_id}")
    for row in rows:  # newest first
        _revert(marked, row)
        row.reverted_at = now
        # Derived rows (memories, vectors) are reverted too but not listed: the operator
        # thinks in calls, pledges and payments.
        label = _LABELS.get(row.table_name)
        if label and (row.action == "insert" or row.table_name == "contacts"):
            counts[label] = counts.get(label, 0) + 1
    scope.session.flush()
    return counts


def undo_last_turn(scope: ProjectScope, user: User, now: datetime) -> str:
    """Revert the operator's last turn (within 30 minutes) and say what was reverted."""
    rows = _last_turn(scope, user)
    if not rows:
        return "Nothing to undo."
    if now - _turn_time(scope, rows) > UNDO_WINDOW:
        return "Your last change is more than 30 minutes old; ask an admin to correct it."
    counts = revert_rows(scope, rows, now)
    marker = f"undo:{rows[0].turn_id}"
    own_rows = (
        []
        if scope.turn_id is None
        else scope.session.scalars(
            select(AuditLog).where(
                AuditLog.project_id == scope.project_id,
                AuditLog.turn_id == scope.turn_id,
                AuditLog.idempotency_key.is_(None),
            )
        )
    )
    for own in own_rows:
        own.idempotency_key = marker
    order = list(_LABELS.values())
    ranked = sorted(
        counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
    )
    what = ", ".join(f"{n} {label}{'s' if n > 1 else ''}" for label, n in ranked)
    return f"Undone: {what or 'your last change'}."
