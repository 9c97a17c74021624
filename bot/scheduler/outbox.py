"""Sending the scheduler's messages outside database transactions.

A job first records its outbound rows as ``pending`` and commits (with whatever marks
the work done, e.g. ``followups.nudged_at``); only then are the rows handed to Twilio,
so no transaction — and on SQLite no write lock — is held during an HTTP call. The
answers are recorded in a second short transaction. A clock that dies between the two
leaves ``pending`` rows behind; :func:`resend_stale` delivers them on the next run, so
nothing recorded is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from bot.models import Message
from bot.models.types import utcnow
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.whatsapp.sender import PENDING_LEASE, SendResult, apply_result, twilio_send

FAILED_STATUSES = frozenset({"failed", "undelivered"})
#: Stale rows resent per run at most (the rest wait for the next run).
RESEND_LIMIT = 200


def transmit_rows(
    runtime: Runtime, project_id: uuid.UUID, rows: Sequence[Message], actor: str
) -> str | None:
    """Send committed ``pending`` rows, then record Twilio's answers; the first error or None."""
    results: list[tuple[uuid.UUID, SendResult]] = []
    for row in rows:
        result = twilio_send(runtime, row)
        results.append((row.id, result))
        if result.status in FAILED_STATUSES:
            break  # the rest of a refused digest would make no sense on its own
    with runtime.db.session() as session:
        scope = ProjectScope(session, project_id, actor=actor)
        for row_id, result in results:
            fresh = scope.get(Message, row_id)
            if fresh is not None and fresh.status == "pending":
                apply_result(scope, fresh, result)
    failed = [r for _, r in results if r.status in FAILED_STATUSES]
    if not failed:
        return None
    return failed[0].error_message or f"message {failed[0].status}"


def resend_stale(runtime: Runtime) -> int:
    """Deliver outbound rows a crashed clock recorded but never sent; returns how many.

    Only rows that answer no inbound message (``reply_to_id`` is NULL: nudges, briefs)
    are the scheduler's; the worker owns replies. Each row is leased first, under
    ``FOR UPDATE SKIP LOCKED``, so two clocks never send the same row.
    """
    now = utcnow()
    with runtime.db.session() as session:
        rows = list(
            session.scalars(
                select(Message)
                .where(
                    Message.direction == "outbound",
                    Message.status == "pending",
                    Message.reply_to_id.is_(None),
                    Message.lease_until < now,
                )
                .order_by(Message.created_at)
                .limit(RESEND_LIMIT)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.lease_until = now + PENDING_LEASE
    for row in rows:
        transmit_rows(runtime, row.project_id, [row], actor="system:outbox")
    return len(rows)
