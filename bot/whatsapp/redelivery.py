"""Delivering what Twilio could not take at once, exactly once, in each thread's order.

An outbound row of ``messages_inbound_outbound`` goes through these states:

* ``pending`` — recorded, not yet accepted by Twilio. ``locked_by`` says who may send
  it: ``recorder`` (whoever recorded it, right after recording), a worker's or sweep's
  id (a send is in flight), or NULL (it waits for a retry). ``lease_until`` is the
  runtime-clock time after which a sweep may take it: the end of a holder's lease, or
  the next attempt of a waiting row. ``attempts`` counts the times Twilio was asked and
  ``error_code``/``error_message`` keep the last retriable failure.
* ``sent``/``delivered``/``read`` (or ``simulated``) — Twilio has it; never sent again.
* ``failed`` — refused for good (a 4xx such as 21211 or 63016), or given up.
* ``deferred`` — free text that may not go out now because WhatsApp's 24-hour window
  is closed; the worker sends it right after the reply to the operator's next message.

A row is sent by whoever holds it, and a holder is only ever set inside a transaction
that first saw the row free (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), then the transaction commits and only then is Twilio called.
So two processes never send the same row; the one remaining window — Twilio accepted
the message but the process died before saving its SID — is documented in
``docs/pipeline.md``.

Rows of one thread (one number) go out oldest first: when one of them has to wait, the
rows after it that were about to be sent wait with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.db import among
from bot.models import Message, User
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.sessions import last_inbound_at
from bot.whatsapp.outbound import PENDING_LEASE
from bot.whatsapp.sender import (
    WINDOW,
    SendResult,
    apply_result,
    in_window,
    twilio_send,
)

#: Rows one sweep claims at most (the rest wait for the next sweep).
SWEEP_LIMIT = 50
#: Rows re-read per statement by :func:`reload` (keeps IN lists short).
RELOAD_CHUNK = 500
#: Inbound statuses that follow their reply's delivery (see :func:`reply_state`).
SETTLEABLE = ("done", "pending", "undelivered")
WINDOW_CLOSED = (
    "not delivered within WhatsApp's 24-hour window; "
    "it goes out right after the operator's next message"
)


def hold(rows: Iterable[Message], holder: str, now: datetime) -> None:
    """Mark ``rows`` as being sent by ``holder`` (inside the caller's transaction)."""
    for row in rows:
        row.locked_by = holder
        row.lease_until = now + PENDING_LEASE if row.status == "pending" else row.lease_until


def waiting_rows(session: Session, thread_key: str | None, exclude: uuid.UUID) -> list[Message]:
    """The thread's rows waiting for a retry (not held by anyone), oldest first.

    They go out ahead of a new reply, so the operator reads answers in order and a
    message from the operator is itself a reason to try again at once.
    """
    if thread_key is None:
        return []
    stmt = (
        select(Message)
        .where(
            Message.thread_key == thread_key,
            Message.direction == "outbound",
            Message.status == "pending",
            Message.locked_by.is_(None),
            or_(Message.reply_to_id.is_(None), Message.reply_to_id != exclude),
        )
        .order_by(Message.created_at, Message.id)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending outbound rows whose lease or retry time has passed.

    A reply whose inbound message is still queued or being handled belongs to the
    worker holding that message, so sweeps leave it alone.
    """
    inbound = aliased(Message)
    in_hand = exists().where(
        inbound.id == Message.reply_to_id, inbound.status.in_(("queued", "processing"))
    )
    return and_(
        Message.direction == "outbound",
        Message.status == "pending",
        Message.lease_until <= now,
        ~in_hand,
    )


def claim_due(session: Session, sender: str, now: datetime, limit: int) -> list[Message]:
    """Take up to ``limit`` due rows for ``sender``; rows too late to send are settled.

    Free text to someone whose 24-hour window has closed becomes ``deferred`` (an
    operator's) or ``failed`` (anyone else's); a template older than a day is given up.
    """
    stmt = (
        select(Message)
        .where(_due(now))
        .order_by(Message.created_at, Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Message)
    )
    rows = list(session.scalars(stmt))
    claimed = []
    for row in rows:
        late = (
            now - row.created_at >= WINDOW
            if row.content_sid
            else not in_window(_last_inbound(session, row), now)
        )
        if late:
            _too_late(session, row)
        else:
            claimed.append(row)
    hold(claimed, sender, now)
    settle_replies(session, {r.reply_to_id for r in rows if r.reply_to_id})
    return claimed


def _last_inbound(session: Session, row: Message) -> datetime | None:
    """When the row's recipient last wrote (an operator's messages, else the thread's)."""
    scope = ProjectScope(session, row.project_id)
    user = scope.get(User, row.user_id) if row.user_id else None
    if user is not None:
        return last_inbound_at(scope, user)
    stmt = select(func.max(Message.created_at)).where(
        Message.thread_key == row.thread_key, Message.direction == "inbound"
    )
    return session.scalar(stmt)


def _too_late(session: Session, row: Message) -> None:
    row.locked_by = None
    row.lease_until = None
    if row.user_id is not None and not row.content_sid:
        row.status = "deferred"
        row.error_message = WINDOW_CLOSED
    else:
        row.status = "failed"
        row.error_message = "not delivered: WhatsApp's 24-hour window closed"
    ProjectScope(session, row.project_id, actor="system:sender").emit(
        "whatsapp.message.failed",
        user_id=row.user_id,
        message_id=row.id,
        error=row.error_message,
    )


def send_in_order(
    runtime: Runtime,
    rows: Sequence[Message],
    *,
    stop_on_refusal: bool = False,
    deadline: datetime | None = None,
) -> dict[uuid.UUID, SendResult]:
    """Hand ``rows`` to Twilio outside any transaction, thread by thread, oldest first.

    In a thread, the rows after one Twilio could not take are not tried now (nor, with
    ``stop_on_refusal``, the rows after a refused one); they are absent from the result,
    as are the rows still untried at ``deadline`` (runtime clock).
    """
    results: dict[uuid.UUID, SendResult] = {}
    stopped: set[str | None] = set()
    for row in rows:
        if deadline is not None and runtime.clock.now() >= deadline:
            break
        if row.thread_key in stopped:
            continue
        result = twilio_send(runtime, row)
        results[row.id] = result
        if result.status == "retry" or (stop_on_refusal and result.status == "failed"):
            stopped.add(row.thread_key)
    return results


def record_results(
    session: Session,
    rows: Sequence[Message],
    results: dict[uuid.UUID, SendResult],
    now: datetime,
    actor: str,
) -> None:
    """Record what Twilio answered, let unsent rows wait, and settle the inbound messages."""
    retry_at: dict[str | None, datetime | None] = {}
    refused: set[str | None] = set()
    fresh_rows = reload(session, rows)
    for row in fresh_rows:
        result = results.get(row.id)
        if result is None or row.status not in ("pending", "deferred"):
            continue
        apply_result(ProjectScope(session, row.project_id, actor=actor), row, result, now)
        if result.status == "retry":
            retry_at.setdefault(row.thread_key, row.lease_until)
        elif result.status == "failed":
            refused.add(row.thread_key)
    for row in fresh_rows:
        if row.id not in results and row.status in ("pending", "deferred"):
            _release_unsent(row, retry_at.get(row.thread_key), row.thread_key in refused)
    settle_replies(session, {r.reply_to_id for r in fresh_rows if r.reply_to_id})


def reload(session: Session, rows: Sequence[Message]) -> list[Message]:
    """``rows`` read again in ``session`` by primary key (a chunk per statement), in order."""
    ids = [row.id for row in rows]
    found: dict[uuid.UUID, Message] = {}
    for start in range(0, len(ids), RELOAD_CHUNK):
        stmt = select(Message).where(among(session, Message.id, ids[start : start + RELOAD_CHUNK]))
        found.update((row.id, row) for row in session.scalars(stmt))
    return [found[row_id] for row_id in ids if row_id in found]


def _release_unsent(row: Message, retry_at: datetime | None, refused: bool) -> None:
    """A row not tried because an earlier one in its thread could not go out."""
    row.locked_by = None
    if row.status == "deferred":
        return  # still waiting for the operator's next message
    if retry_at is not None:
        row.lease_until = retry_at
    elif refused:
        row.status = "failed"
        row.lease_until = None
        row.error_message = "not sent: an earlier part of the same message was refused"


def reply_state(session: Session, inbound_id: uuid.UUID) -> tuple[str, str | None]:
    """What the reply to ``inbound_id`` says about it: ``(status, error_message)``.

    ``done`` when every part is with Twilio; ``pending`` while a part waits for a retry
    or for the operator's next message; ``undelivered`` when a part was refused.
    """
    rows = session.scalars(
        select(Message).where(Message.reply_to_id == inbound_id, Message.direction == "outbound")
    ).all()
    waiting = [r for r in rows if r.status in ("pending", "deferred")]
    lost = [r for r in rows if r.status in ("failed", "undelivered")]
    if waiting:
        return "pending", f"reply not delivered yet: {_why(waiting[0])}"
    if lost:
        return "undelivered", f"reply not delivered: {_why(lost[0])}"
    return "done", None


def _why(row: Message) -> str:
    code = f"{row.error_code} " if row.error_code else ""
    return (code + (row.error_message or row.status))[:500]


def settle_replies(session: Session, inbound_ids: Iterable[uuid.UUID | None]) -> None:
    """Bring each handled inbound message's status in line with its reply's delivery."""
    ids = {i for i in inbound_ids if i is not None}
    if not ids:
        return
    stmt = select(Message).where(Message.id.in_(ids), Message.status.in_(SETTLEABLE))
    for inbound in session.scalars(stmt):
        status, error = reply_state(session, inbound.id)
        if status != inbound.status:
            inbound.status = status
            inbound.error_message = error
        elif error:
            inbound.error_message = error


def deliver_due(runtime: Runtime, sender: str, limit: int = SWEEP_LIMIT) -> int:
    """Send rows whose retry (or lease) time has come; returns how many were handed over.

    Three steps, so no transaction is open while Twilio is called: claim (commit),
    send, record the answers (commit). Uses the runtime clock, so tests move time.
    """
    now = runtime.clock.now()
    with runtime.db.session() as session:
        rows = claim_due(session, sender, now, limit)
    if not rows:
        return 0
    results = send_in_order(runtime, rows)
    with runtime.db.session() as session:
        record_results(session, rows, results, runtime.clock.now(), actor="system:sender")
    return len(results)


class RequeueRefused(ValueError):
    """A row that must not be sent again (with the reason, for the admin)."""


def requeue_refusal(row: Message, now: datetime) -> str | None:
    """Why ``row`` cannot be queued for another attempt now, or ``None`` if it can."""
    if row.direction != "outbound":
        return "it is not a message Calltime sends"
    if row.twilio_sid:
        return "Twilio accepted it already; sending it again could deliver it twice"
    if row.status == "pending" and row.locked_by and row.lease_until and row.lease_until > now:
        return "it is being sent right now"
    if row.status not in ("pending", "failed", "deferred"):
        return f"it is {row.status}"
    return None


def requeue(scope: ProjectScope, row_id: uuid.UUID, now: datetime) -> Message:
    """Queue one unsent row for the next sweep (an admin's "retry"); audited.

    The row is re-read under a lock, so a sweep claiming it at the same moment either
    finishes first (and the retry is refused as in flight) or waits for this one.

    Raises:
        RequeueRefused: the row was sent, is being sent, or is not ours to send.
    """
    stmt = scope.select(Message, Message.id == row_id).with_for_update()
    row = scope.session.scalar(stmt)
    if row is None:
        raise RequeueRefused("no such message in this project")
    reason = requeue_refusal(row, now)
    if reason:
        raise RequeueRefused(reason)
    scope.update(row, status="pending", lease_until=now, locked_by=None)
    scope.emit("whatsapp.message.retry_requested", message_id=row.id, by=scope.actor)
    settle_replies(scope.session, [row.reply_to_id])
    return row
