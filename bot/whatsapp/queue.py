"""The inbound queue: claiming, leasing and settling messages.

Rules the worker relies on:

* a thread (one sender → one project number) has at most one message in flight: a
  message is claimable only when no message of its thread is ``processing`` under a live
  lease and no earlier message of its thread is still waiting;
* a claim is a lease: a worker that dies leaves the row ``processing`` until
  ``lease_until`` passes, then another worker takes it again;
* on PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED`` so several worker
  processes share the queue; on SQLite every transaction starts with ``BEGIN
  IMMEDIATE`` (see :mod:`bot.db`), which makes the same statements atomic.

Lease times use the wall clock (process liveness), not the runtime's business clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.db import Database
from bot.models import Message
from bot.models.base import table_of
from bot.models.types import utcnow


@dataclass(frozen=True)
class Claim:
    """A message this worker now holds, and how many times it has been tried."""

    message_id: uuid.UUID
    project_id: uuid.UUID
    attempts: int
    media: list[dict[str, Any]] = field(default_factory=list)


def _claimable(now: ColumnElement[datetime]) -> ColumnElement[bool]:
    """The WHERE clause selecting the head of each thread that is free to run."""
    other = aliased(Message)
    busy = exists().where(
        other.thread_key == Message.thread_key,
        other.direction == "inbound",
        other.id != Message.id,
        other.status == "processing",
        other.lease_until > now,
    )
    earlier = exists().where(
        other.thread_key == Message.thread_key,
        other.direction == "inbound",
        other.status.in_(("queued", "processing")),
        or_(
            other.created_at < Message.created_at,
            and_(other.created_at == Message.created_at, other.id < Message.id),
        ),
    )
    ready = or_(
        and_(
            Message.status == "queued",
            or_(Message.lease_until.is_(None), Message.lease_until <= now),
        ),
        and_(Message.status == "processing", Message.lease_until <= now),
    )
    return and_(Message.direction == "inbound", ready, ~busy, ~earlier)


#: The claim's statements, built once: composing the clause (an aliased self-join) costs
#: more CPU than running it, and idle workers run the look-up twice a second.
_NOW = bindparam("now", type_=Message.__table__.c.lease_until.type)
_ANY_CLAIMABLE = select(Message.id).where(_claimable(_NOW)).limit(1)
_NEXT_CLAIMABLE = (
    select(Message).where(_claimable(_NOW)).order_by(Message.created_at, Message.id).limit(1)
)
_NEXT_CLAIMABLE_LOCKED = _NEXT_CLAIMABLE.with_for_update(skip_locked=True, of=Message)


def claim_next(db: Database, worker_id: str, lease: timedelta) -> Claim | None:
    """Take the oldest runnable message, or ``None`` when nothing may run now.

    On SQLite an idle queue is seen by a read-only look first, so idle workers polling
    it never take the write lock (which the webhook needs). PostgreSQL has no such lock:
    the claim itself looks, and one that finds nothing writes nothing.
    """
    now = utcnow()
    postgres = db.dialect == "postgresql"
    if not postgres:
        with db.session(read_only=True) as session:
            if session.scalar(_ANY_CLAIMABLE, {"now": now}) is None:
                return None
    with db.session() as session:
        stmt = _NEXT_CLAIMABLE_LOCKED if postgres else _NEXT_CLAIMABLE
        message = session.scalar(stmt, {"now": now})
        if message is None:
            return None
        message.status = "processing"
        message.attempts += 1
        message.lease_until = now + lease
        message.locked_by = worker_id
        return Claim(message.id, message.project_id, message.attempts, list(message.media_json))


def first_attempt(message: Message) -> bool:
    """Whether ``message`` is on its first claim. Each claim counts an attempt, and only a
    turn (or the last attempt's apology) writes or records a reply, so a message on its
    first attempt has no earlier attempt's reply to send or writes to undo."""
    return message.attempts == 1


def lock_claimed(session: Session, message_id: uuid.UUID, worker_id: str) -> Message | None:
    """Re-read a claimed message inside a transaction, if this worker still holds it.

    On PostgreSQL the row stays locked until that transaction ends, so no other worker
    can re-claim it meanwhile.
    """
    stmt = select(Message).where(Message.id == message_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    message = session.scalar(stmt)
    if message is None or message.status != "processing" or message.locked_by != worker_id:
        return None
    return message


def hold_claim(
    session: Session, message_id: uuid.UUID, worker_id: str, lease: timedelta
) -> Message | None:
    """:func:`lock_claimed`, renewing the lease: a long model turn keeps its message.

    A turn calls this in each of its transactions, so a worker whose lease ran out (and
    whose message another worker took) finds out before it writes anything more.
    """
    message = lock_claimed(session, message_id, worker_id)
    if message is not None:
        message.lease_until = utcnow() + lease
    return message


def settle(message: Message, status: str) -> None:
    """Finish a message: ``done``, ``ignored`` or ``failed``."""
    message.status = status
    message.processed_at = utcnow()
    message.lease_until = None
    message.locked_by = None


def release_for_retry(message: Message, error: str, delay: timedelta) -> None:
    """Put a failed turn back in the queue, not before ``delay`` has passed."""
    message.status = "queued"
    message.error_message = error[:1000]
    message.lease_until = utcnow() + delay
    message.locked_by = None


#: A thread's latest message time (a Core statement built once: the webhook runs it
#: under the write lock).
_THREAD_LATEST = select(func.max(table_of(Message).c.created_at)).where(
    table_of(Message).c.thread_key == bindparam("key")
)


def thread_time(session: Session, key: str, now: datetime) -> datetime:
    """``now``, nudged past the thread's latest message so the thread's order is strict.

    The worker takes a thread's messages in ``created_at`` order and the simulator shows
    them that way; a clock that stands still (tests, replays) or two messages in the same
    microsecond must not tie.
    """
    session.flush()  # rows added to the session count too (a reply's earlier parts)
    latest: datetime | None = session.connection().execute(_THREAD_LATEST, {"key": key}).scalar()
    return after_latest(latest, now)


def latest_in_threads(session: Session, keys: Sequence[str]) -> dict[str, datetime | None]:
    """When each thread's latest message was created, in one statement (for batches).

    One scalar subquery per thread: each is the same index lookup :func:`thread_time`
    makes, however long the thread.
    """
    unique = list(dict.fromkeys(keys))
    if not unique:
        return {}
    latest = [_latest_in_thread(key).scalar_subquery() for key in unique]
    return dict(zip(unique, session.execute(select(*latest)).one(), strict=True))


def after_latest(latest: datetime | None, now: datetime) -> datetime:
    """``now``, or just after ``latest`` when that is not earlier (see :func:`thread_time`)."""
    if latest is not None and latest >= now:
        return latest + timedelta(microseconds=1)
    return now


def _latest_in_thread(key: str) -> Select[datetime]:
    return select(func.max(Message.created_at)).where(Message.thread_key == key)
