"""What needs an admin's attention: failed turns and replies that did not reach the operator.

Kept small on purpose: each list is one project-scoped query, newest first, capped at
:data:`LIMIT` rows with the total beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from bot.models import Message
from bot.store import ProjectScope
from bot.whatsapp.redelivery import requeue_refusal

LIMIT = 50
#: A ``pending`` row never tried whose lease ended this long ago is stuck (no sweep ran).
STUCK_AFTER = timedelta(minutes=10)


@dataclass
class AttentionList:
    """Up to :data:`LIMIT` rows and how many there are in all."""

    rows: list[Message]
    total: int


def failed_turns(scope: ProjectScope) -> AttentionList:
    """Inbound messages whose turn failed (the operator got an apology or a fallback)."""
    return _listed(scope, Message.direction == "inbound", Message.status == "failed")


def undelivered_replies(scope: ProjectScope, now: datetime) -> AttentionList:
    """Outbound rows not with Twilio: refused, waiting for a retry, or stuck."""
    return _listed(
        scope,
        Message.direction == "outbound",
        or_(
            Message.status.in_(("failed", "undelivered")),
            and_(
                Message.status == "pending",
                or_(Message.attempts > 0, Message.lease_until < now - STUCK_AFTER),
            ),
            and_(Message.status == "deferred", Message.error_message.is_not(None)),
        ),
    )


def _listed(scope: ProjectScope, *where: Any) -> AttentionList:
    rows = scope.all(
        Message, *where, order_by=[Message.created_at.desc(), Message.id.desc()], limit=LIMIT
    )
    total = scope.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.project_id == scope.project_id, *where)
    )
    return AttentionList(rows, int(total or 0))


def retry_refusals(rows: list[Message], now: datetime) -> dict[Any, str | None]:
    """For each row, why an admin cannot retry it (``None``: the retry button is shown)."""
    return {row.id: requeue_refusal(row, now) for row in rows}
