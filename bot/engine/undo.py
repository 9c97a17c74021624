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
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.sqltypes import Date, DateTime, Numeric, Uuid

from bot.models import AuditLog, Base, Memory, Message, User, VectorRecord
from bot.store import ProjectScope

UNDO_WINDOW = timedelta(minutes=30)
#: ``idempotency_key`` prefix of the rows a correction wrote to revert the entry it
#: replaces (followed by that entry's turn id).
_CORRECTED = "correct:"
RECENT_TURNS = 50
SKIPPED_TABLES = ("sessions", "messages_inbound_outbound", "events", "audit_log")
#: What the operator calls a row of each table, in the order the reply lists them.
_NOUNS = {
    "interactions": "interaction",
    "pledges": "pledge",
    "payments": "payment",
    "followups": "follow-up",
    "contacts": "contact",
    "contact_identities": "saved payer detail",
}
#: Rows derived from the records (search index, rolling summaries): reverted with the
#: turn, not listed — the operator thinks in calls, pledges and payments.
DERIVED_TABLES = ("memories", "vectors")
_CLOSED = ("done", "cancelled", "fulfilled")


class UndoError(ValueError):
    """Nothing can be undone (with the reason)."""


def _model_for(table: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.class_.__tablename__ == table:
            return mapper.class_
    raise UndoError(f"cannot undo writes to {table}")


def _value(model: type[Base], key: str, raw: Any) -> Any:
    """Turn a JSON audit value back into the column's Python type.

    The audit log is keyed by attribute name, which is not always the column's
    (``meta`` is stored in the ``metadata`` column): the mapper maps one to the other.
    """
    if raw is None:
        return None
    attrs = inspect(model).column_attrs
    if key not in attrs:
        raise UndoError(f"cannot restore {model.__tablename__}.{key}")
    column_type = attrs[key].columns[0].type
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
        text_before = getattr(obj, "content_hash", None)
        scope.update(obj, **{k: _value(model, k, v) for k, v in (row.old_values or {}).items()})
        if getattr(obj, "content_hash", None) != text_before:
            _forget_embedding(obj)
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


def _forget_embedding(obj: Base) -> None:
    """Drop the embedding of text the undo replaced: it described the newer text.

    Embeddings are derived and not audited; the restored text is embedded again by
    its next upsert or ``calltime models reindex``, and keyword search finds it meanwhile.
    """
    if isinstance(obj, Memory | VectorRecord) and obj.embedding is not None:
        obj.embedding = None
        obj.embedding_model = None
        obj.embedding_dim = None


def revert_rows(
    scope: ProjectScope, rows: list[AuditLog], now: datetime, *, marker: str | None = None
) -> dict[str, int]:
    """Revert ``rows`` (newest first) and return the records removed per label.

    Inserts are deleted, updates restored, deletes re-inserted; each row gets
    ``reverted_at`` and the reverting writes are tagged ``undo:<turn>`` so neither a
    later ``undo`` nor a later revert of the same turn touches them again. Also used for
    writes grouped another way (a confirmed statement batch). A row a later change
    depends on (another operator's payment on the pledge being removed) stops the whole
    revert.

    A correction reverts the entry it replaces with ``marker = "correct:<turn>"``: those
    rows stay part of the correction's turn, so undoing the correction reverts them too
    (the corrected entry comes back) and its turn stands again for the next ``undo``.

    Raises:
        UndoError: a later change depends on one of the rows.
    """
    counts: dict[str, int] = {}
    if not rows:
        return counts
    turn = rows[0].turn_id
    # Writes grouped another way (a statement batch) come with a scope that keys its own.
    if marker is None and turn is not None:
        marker = f"undo:{turn}"
    marked = _MarkedScope(scope, marker) if marker is not None else scope
    try:
        for row in rows:
            _revert(marked, row)
            row.reverted_at = now
        scope.session.flush()
    except IntegrityError as exc:
        raise UndoError("a later change depends on that turn; ask an admin to correct it") from exc
    corrected = {
        uuid.UUID(row.idempotency_key.removeprefix(_CORRECTED))
        for row in rows
        if row.idempotency_key and row.idempotency_key.startswith(_CORRECTED)
    }
    if corrected:  # the entries a correction replaced are back: their turns stand again
        for row in scope.session.scalars(
            select(AuditLog).where(
                AuditLog.project_id == scope.project_id,
                AuditLog.turn_id.in_(corrected),
                AuditLog.reverted_at.is_not(None),
            )
        ):
            row.reverted_at = None
    for (table, _), record_rows in _by_record(rows).items():
        if table in _NOUNS and _effect(record_rows) == "removed":
            counts[_NOUNS[table]] = counts.get(_NOUNS[table], 0) + 1
    return counts


def _by_record(rows: list[AuditLog]) -> dict[tuple[str, str], list[AuditLog]]:
    """Audit rows grouped by the record they changed, each group newest first."""
    records: dict[tuple[str, str], list[AuditLog]] = {}
    for row in rows:
        records.setdefault((row.table_name, row.record_id), []).append(row)
    return records


def _effect(rows: list[AuditLog]) -> str:
    """What undoing ``rows`` (one record's, newest first) does to it.

    ``removed`` (the turn created it), ``restored`` (the turn deleted it), ``reopened``
    (the turn closed it: a follow-up done, a pledge fulfilled) or ``changed``.
    """
    actions = {row.action for row in rows}
    if "insert" in actions:
        return "removed"
    if "delete" in actions:
        return "restored"
    before = [
        r.old_values["status"] for r in reversed(rows) if r.old_values and "status" in r.old_values
    ]
    after = [r.new_values["status"] for r in rows if r.new_values and "status" in r.new_values]
    first, last = (before or [None])[0], (after or [None])[0]
    if first is not None and first not in _CLOSED and last in _CLOSED:
        return "reopened"
    return "changed"


def describe_reverted(rows: list[AuditLog]) -> str:
    """``Undone: 1 interaction, 1 payment, 1 contact change; reopened 1 pledge, 1 follow-up.``

    Counts records, not audit rows: a contact changed twice in one turn is one change.
    Every reverted record is counted, except the derived ones (:data:`DERIVED_TABLES`):
    records the turn created (removed now), changed, closed (reopened now) or deleted
    (restored now); rows of other tables as "other records".
    """
    counts: dict[tuple[str, str], int] = {}
    for (table, _), record_rows in _by_record(rows).items():
        if table not in DERIVED_TABLES:
            effect = _effect(record_rows) if table in _NOUNS else "other"
            counts[(table, effect)] = counts.get((table, effect), 0) + 1
    groups: dict[str, list[str]] = {"": [], "reopened": [], "restored": []}
    for table, noun in _NOUNS.items():
        groups[""] += _counted(noun, counts.get((table, "removed"), 0))
        groups[""] += _counted(f"{noun} change", counts.get((table, "changed"), 0))
        groups["reopened"] += _counted(noun, counts.get((table, "reopened"), 0))
        groups["restored"] += _counted(noun, counts.get((table, "restored"), 0))
    others = sum(n for (_, effect), n in counts.items() if effect == "other")
    groups[""] += _counted("other record", others)
    parts = [f"{verb} {', '.join(items)}".strip() for verb, items in groups.items() if items]
    return f"Undone: {'; '.join(parts) or 'your last change'}."


def _counted(noun: str, n: int) -> list[str]:
    return [f"{n} {noun}{'s' if n > 1 else ''}"] if n else []


def undo_last_turn(scope: ProjectScope, user: User, now: datetime) -> str:
    """Revert the operator's last turn (within 30 minutes) and say what was reverted."""
    rows = _last_turn(scope, user)
    if not rows:
        return "Nothing to undo."
    if now - _turn_time(scope, rows) > UNDO_WINDOW:
        return "Your last change is more than 30 minutes old; ask an admin to correct it."
    return describe_reverted(_revert_as_undo(scope, rows, now))


def last_turn_id(scope: ProjectScope, user: User) -> uuid.UUID | None:
    """The message of the operator's last turn that ``undo`` would revert, if any."""
    rows = _last_turn(scope, user)
    return rows[0].turn_id if rows else None


def revert_turn_for_correction(
    scope: ProjectScope, user: User, turn_id: uuid.UUID, now: datetime
) -> None:
    """Revert the operator's last turn, which must be ``turn_id`` (a correction replaces
    what it wrote). The reverting rows belong to the correction's turn, so a later
    ``undo`` reverts the whole correction and the corrected entry comes back.

    Raises:
        UndoError: the last turn is another one now, or too old.
    """
    rows = _last_turn(scope, user)
    if not rows or rows[0].turn_id != turn_id:
        raise UndoError("the last entry changed since I asked; nothing corrected")
    if now - _turn_time(scope, rows) > UNDO_WINDOW:
        raise UndoError("the last entry is more than 30 minutes old; ask an admin to correct it")
    revert_rows(scope, rows, now, marker=f"{_CORRECTED}{turn_id}")


def _revert_as_undo(scope: ProjectScope, rows: list[AuditLog], now: datetime) -> list[AuditLog]:
    """Revert ``rows`` and tag this turn's writes so far as the undo of their turn."""
    revert_rows(scope, rows, now)
    marker = f"undo:{rows[0].turn_id}"
    own_rows: Iterable[AuditLog] = (
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
    return rows
