"""Project-scoped data access: how application code reads and writes tenant rows.

A :class:`ProjectScope` binds a SQLAlchemy session to one project and one actor.
Every query it builds filters by ``project_id``; every row it adds is stamped with
it; every write it makes is recorded in ``audit_log`` with ``changed_by`` and the
turn that caused it, which is what ``undo`` replays backwards.

The rule every module keeps (``tests/tenancy_guard.py`` checks every statement the test
suite runs): a statement on a table that carries ``project_id`` names ``project_id`` —
through a ProjectScope or spelled out in a hand-written query (reports, ranking and
search build their own SQL for speed) — or selects rows by primary key. Only the modules
that route a message to its project or sweep every project (the intake, the queue and
worker, the scheduler, sign-in, the CLI; listed with reasons in that file) select
across projects, and they then work inside one project's scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session

from bot.models import AuditLog, Base, Event
from bot.models.types import utcnow

#: A tenant model. Its ``id`` and ``project_id`` (ProjectMixin) are read below behind
#: ``type: ignore[attr-defined]``: Python has no intersection type for "Base and
#: ProjectMixin", and ProjectScope takes no other model.
M = TypeVar("M", bound=Base)


class NotFound(LookupError):
    """A row does not exist in this project (it may exist in another: we never say)."""


def event_values(
    project_id: uuid.UUID, event_type: str, user_id: uuid.UUID | None = None, **data: Any
) -> dict[str, Any]:
    """The columns of an operational event (data model §6), for an ORM row or a Core INSERT."""
    payload = {"project_id": str(project_id), **{k: jsonable(v) for k, v in data.items()}}
    if user_id is not None:
        payload["user_id"] = str(user_id)
    return {"project_id": project_id, "event_type": event_type, "data": payload, "user_id": user_id}


def jsonable(value: Any) -> Any:
    """Render a column value for audit/event JSON."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


#: Derived columns left out of the audit: an embedding is recomputed from the row's text
#: (``memory.vectors.set_embedding``), and its bytes or vector are not JSON.
UNAUDITED_COLUMNS = frozenset({"embedding", "embedding_model", "embedding_dim"})


def row_values(obj: Base) -> dict[str, Any]:
    """All audited column values of ``obj`` keyed by attribute name, JSON-ready."""
    mapper = inspect(obj).mapper
    return {
        attr.key: jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in UNAUDITED_COLUMNS
    }


class ProjectScope:
    """Reads and audited writes for one project, on behalf of one actor.

    Args:
        session: an open unit of work.
        project_id: the tenant every statement is restricted to.
        actor: ``user:<id>``, ``agent:<session_id>``, ``system:<job>`` or ``cli``.
        turn_id: the inbound message being handled, when there is one.
        audit_key: stamped as ``idempotency_key`` on every audit row (a batch of writes
            that is undone as one, e.g. ``statement:<batch id>``).
    """

    def __init__(
        self,
        session: Session,
        project_id: uuid.UUID,
        *,
        actor: str = "system",
        turn_id: uuid.UUID | None = None,
        audit_key: str | None = None,
    ) -> None:
        self.session = session
        self.project_id = project_id
        self.actor = actor
        self.turn_id = turn_id
        self.audit_key = audit_key

    # -- reads -----------------------------------------------------------------
    def select(self, model: type[M], *where: Any) -> Select[M]:
        """``SELECT model WHERE project_id = :project AND <where>``."""
        return select(model).where(_project_column(model) == self.project_id, *where)

    def all(
        self, model: type[M], *where: Any, order_by: Any = None, limit: int | None = None
    ) -> list[M]:
        stmt = self.select(model, *where)
        if order_by is not None:
            stmt = (
                stmt.order_by(*order_by)
                if isinstance(order_by, list | tuple)
                else stmt.order_by(order_by)
            )
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def first(self, model: type[M], *where: Any, order_by: Any = None) -> M | None:
        found = self.all(model, *where, order_by=order_by, limit=1)
        return found[0] if found else None

    def count(self, model: type[M], *where: Any) -> int:
        stmt = (
            select(func.count())
            .select_from(model)
            .where(_project_column(model) == self.project_id, *where)
        )
        return int(self.session.scalar(stmt) or 0)

    def get(self, model: type[M], row_id: Any) -> M | None:
        """The row with primary key ``row_id`` if it belongs to this project, else ``None``."""
        row_uuid = _as_uuid(row_id)
        if row_uuid is None:
            return None
        row = self.session.get(model, row_uuid)
        if row is None or row.project_id != self.project_id:  # type: ignore[attr-defined]
            return None
        return row

    def require(self, model: type[M], row_id: Any) -> M:
        """Like :meth:`get` but raises :class:`NotFound`."""
        row = self.get(model, row_id)
        if row is None:
            raise NotFound(f"{model.__tablename__} {row_id} not found")
        return row

    # -- writes ----------------------------------------------------------------
    def insert(self, obj: M) -> M:
        """Add ``obj`` to this project and audit it."""
        return self.insert_all([obj])[0]

    def insert_all(self, objs: Sequence[M]) -> list[M]:
        """Add ``objs`` to this project with one flush (a batch job's rows) and audit each."""
        for obj in objs:
            if getattr(obj, "project_id", None) not in (None, self.project_id):
                raise PermissionError("row belongs to another project")
            obj.project_id = self.project_id  # type: ignore[attr-defined]
        self.session.add_all(objs)
        self.session.flush()
        for obj in objs:
            self._audit(obj, "insert", None, row_values(obj))
        return list(objs)

    def update(self, obj: M, **changes: Any) -> M:
        """Apply ``changes`` to a row of this project and audit the old and new values."""
        self._check_owned(obj)
        old = {key: jsonable(getattr(obj, key)) for key in changes}
        for key, value in changes.items():
            if not hasattr(obj, key):
                raise AttributeError(f"{type(obj).__name__} has no column {key}")
            setattr(obj, key, value)
        self.session.flush()
        new = {key: jsonable(getattr(obj, key)) for key in changes}
        if old != new:
            self._audit(obj, "update", old, new)
        return obj

    def delete(self, obj: M) -> None:
        """Hard-delete a row of this project (soft deletes are updates of ``deleted_at``)."""
        self._check_owned(obj)
        old = row_values(obj)
        self.session.delete(obj)
        self.session.flush()
        self._audit(obj, "delete", old, None)

    def emit(self, event_type: str, user_id: uuid.UUID | None = None, **data: Any) -> Event:
        """Record an operational event (data model §6) for this project."""
        event = Event(**event_values(self.project_id, event_type, user_id, **data))
        self.session.add(event)
        return event

    def audit_rows(self, *where: Any) -> Iterable[AuditLog]:
        return self.all(AuditLog, *where, order_by=AuditLog.timestamp)

    # -- internals -------------------------------------------------------------
    def _check_owned(self, obj: Base) -> None:
        if getattr(obj, "project_id", None) != self.project_id:
            raise PermissionError("row belongs to another project")

    def _audit(
        self,
        obj: Base,
        action: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        idempotency_key: str | None = None,
    ) -> None:
        self.session.add(
            AuditLog(
                project_id=self.project_id,
                table_name=obj.__tablename__,
                record_id=str(obj.id),  # type: ignore[attr-defined]
                action=action,
                changed_by=self.actor,
                old_values=old,
                new_values=new,
                timestamp=utcnow(),
                turn_id=self.turn_id,
                idempotency_key=idempotency_key or self.audit_key,
            )
        )


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _project_column(model: type[Base]) -> Any:
    """``model.project_id`` (every tenant model has one; ProjectScope takes no other)."""
    return getattr(model, "project_id")  # noqa: B009 - Base itself declares no such column
