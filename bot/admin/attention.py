"""What needs an admin's attention: failed turns, replies that did not reach the
operator, follow-ups past their time and pledges past their expected date.

Kept small on purpose: each list is one project-scoped query, capped at :data:`LIMIT`
rows with the total beside it; messages newest first, overdue work oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from bot.engine.records import paid_towards
from bot.models import Contact, Followup, Message, Pledge
from bot.store import ProjectScope
from bot.whatsapp.redelivery import requeue_refusal

LIMIT = 50
#: A ``pending`` row never tried whose lease ended this long ago is stuck (no sweep ran).
STUCK_AFTER = timedelta(minutes=10)


@dataclass
class AttentionList:
    """Up to :data:`LIMIT` rows and how many there are in all."""

    rows: list[Any]
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


#: Follow-ups still to do (``due`` once the scheduler has nudged, ``scheduled`` before).
OPEN_FOLLOWUP = ("due", "scheduled")


def overdue_followups(scope: ProjectScope, now: datetime) -> AttentionList:
    """Open follow-ups whose time has passed, most overdue first, with the contact's name."""
    where = (
        Followup.project_id == scope.project_id,
        Followup.status.in_(OPEN_FOLLOWUP),
        Followup.due_at < now,
    )
    stmt = (
        select(Followup, Contact.display_name)
        .join(Contact, Contact.id == Followup.contact_id)
        .where(*where, Contact.project_id == scope.project_id)
        .order_by(Followup.due_at, Followup.id)
        .limit(LIMIT)
    )
    total = scope.session.scalar(select(func.count()).select_from(Followup).where(*where))
    return AttentionList(list(scope.session.execute(stmt)), int(total or 0))


@dataclass
class LatePledge:
    pledge: Pledge
    name: str
    paid: Decimal

    @property
    def unpaid(self) -> Decimal:
        return max(self.pledge.amount - self.paid, Decimal(0))


def pledges_past_due(scope: ProjectScope, today: date) -> AttentionList:
    """Open pledges whose ``expected_by`` day has passed (project time), oldest first,
    with what has been paid towards each."""
    where = (
        Pledge.project_id == scope.project_id,
        Pledge.status == "open",
        Pledge.expected_by < today,
    )
    stmt = (
        select(Pledge, Contact.display_name)
        .join(Contact, Contact.id == Pledge.contact_id)
        .where(*where, Contact.project_id == scope.project_id)
        .order_by(Pledge.expected_by, Pledge.id)
        .limit(LIMIT)
    )
    rows = [LatePledge(p, name, paid_towards(scope, p)) for p, name in scope.session.execute(stmt)]
    total = scope.session.scalar(select(func.count()).select_from(Pledge).where(*where))
    return AttentionList(rows, int(total or 0))


def is_overdue(followup: Followup, now: datetime) -> bool:
    """An open follow-up past its time: shown as *overdue*, not as *scheduled*."""
    return followup.status in OPEN_FOLLOWUP and followup.due_at < now
