"""Recording a confirmed match: the one write path for messages, screenshots and statements.

Everything is checked again at write time, because the read-back or the review may be
minutes old: the UTR may have been recorded by someone else, the pledge paid or
cancelled, the donor deleted. The payment goes through the engine's
:func:`~bot.engine.records.record_payment` (pledge fulfilled when fully paid, follow-ups
closed, events emitted), and the payer's VPA and bank-name spelling are remembered —
all through the caller's audited scope, so one ``undo`` (or one batch undo) reverts
them together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.engine.amounts import format_money
from bot.engine.records import (
    OutcomeError,
    open_pledge,
    paid_towards,
    payment_with_reference,
    record_payment,
)
from bot.engine.wording import day_text
from bot.models import Contact, File, FileLink, Payment, Pledge, User
from bot.reconcile import identities
from bot.reconcile.credit import Credit
from bot.store import ProjectScope

#: A credit dated on a past day is recorded at midday of that day (the bank gives no time).
CREDIT_TIME = time(12, 0)


class ReconcileError(OutcomeError):
    """A confirmed match that can no longer be recorded (with the reason)."""


@dataclass
class Recorded:
    """What a confirmation wrote."""

    payment: Payment
    pledge: Pledge
    contact: Contact
    left: Decimal
    learned: list[str]


def paid_at(credit: Credit, now: datetime, tz: ZoneInfo) -> datetime:
    """When the money arrived: the credit's day (at midday), or now for today or no date."""
    if credit.on is None or credit.on >= now.astimezone(tz).date():
        return now
    return datetime.combine(credit.on, CREDIT_TIME, tzinfo=tz).astimezone(now.tzinfo)


def duplicate_text(scope: ProjectScope, payment: Payment, tz: ZoneInfo) -> str:
    """``UTR … is Anita Sharma's ₹10,000 payment of 2 Dec`` for refusals and reviews."""
    contact = scope.get(Contact, payment.contact_id)
    who = contact.display_name if contact else "another donor"
    return (
        f"UTR {payment.reference} is already recorded: {who}'s {format_money(payment.amount)} "
        f"payment of {day_text(payment.paid_at, tz)}"
    )


def record_credit(
    scope: ProjectScope,
    user: User,
    credit: Credit,
    *,
    pledge_id: uuid.UUID | str,
    now: datetime,
    tz: ZoneInfo,
    session_id: uuid.UUID | None = None,
    file_ids: Iterable[str] = (),
) -> Recorded:
    """Record ``credit`` against the pledge, after checking everything again.

    Raises:
        ReconcileError: duplicate UTR, pledge gone or closed, donor deleted.
    """
    _refuse_a_known_reference(scope, credit, tz)
    pledge = scope.get(Pledge, pledge_id)
    contact = scope.get(Contact, pledge.contact_id) if pledge else None
    if pledge is None or contact is None or contact.deleted_at is not None:
        raise ReconcileError("that pledge or its donor no longer exists")
    if pledge.status != "open":
        raise ReconcileError(f"{contact.display_name}'s pledge is {pledge.status} now")
    payment, learned = _write(scope, user, credit, contact, pledge, now, tz, session_id, file_ids)
    left = pledge.amount - paid_towards(scope, pledge)
    return Recorded(payment, pledge, contact, left, learned)


def record_gift(
    scope: ProjectScope,
    user: User,
    credit: Credit,
    *,
    contact_id: uuid.UUID | str,
    now: datetime,
    tz: ZoneInfo,
    session_id: uuid.UUID | None = None,
    file_ids: Iterable[str] = (),
) -> tuple[Payment, Contact, list[str]]:
    """Record ``credit`` as a payment from a donor with no open pledge (a gift), after
    checking again: a duplicate UTR, the donor gone or unreachable, or a pledge opened
    since the question (then the message should be matched to it) stops it.

    Raises:
        ReconcileError: with the reason.
    """
    _refuse_a_known_reference(scope, credit, tz)
    contact = scope.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise ReconcileError("that donor no longer exists")
    if open_pledge(scope, contact) is not None:
        raise ReconcileError(
            f"{contact.display_name} has an open pledge now; forward the message again"
        )
    payment, learned = _write(scope, user, credit, contact, None, now, tz, session_id, file_ids)
    return payment, contact, learned


def _refuse_a_known_reference(scope: ProjectScope, credit: Credit, tz: ZoneInfo) -> None:
    duplicate = payment_with_reference(scope, credit.reference)
    if duplicate is not None:
        raise ReconcileError(duplicate_text(scope, duplicate, tz))


def _write(
    scope: ProjectScope,
    user: User,
    credit: Credit,
    contact: Contact,
    pledge: Pledge | None,
    now: datetime,
    tz: ZoneInfo,
    session_id: uuid.UUID | None,
    file_ids: Iterable[str],
) -> tuple[Payment, list[str]]:
    """The payment (on ``pledge``, or none), the payer's identities learned, files linked."""
    payment = record_payment(
        scope,
        user,
        contact,
        amount=credit.amount,
        now=paid_at(credit, now, tz),
        method=credit.method,
        reference=credit.reference,
        pledge_id=pledge.id if pledge is not None else None,
        session_id=session_id,
    )
    learned = identities.remember(scope, contact, credit)
    for file_id in file_ids:
        if scope.get(File, file_id) is not None:
            scope.insert(
                FileLink(file_id=str(file_id), entity_type="payment", entity_id=payment.id)
            )
    return payment, learned
