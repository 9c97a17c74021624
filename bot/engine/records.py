"""The engine's primitive writes: pledges, payments, follow-ups and contact changes.

Every write goes through the operator's :class:`~bot.store.ProjectScope`, so it lands
in ``audit_log`` under ``user:<id>`` and the current turn (which is what ``undo``
reverts), and emits the data model's events. Refusals raise :class:`OutcomeError`
before anything is written.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import func, select

from bot.engine.amounts import format_money
from bot.engine.timezones import operator_tz
from bot.engine.vocabulary import METHODS
from bot.engine.wording import day_text
from bot.models import Contact, ContactIdentity, Followup, Payment, Pledge, Project, User
from bot.models.enums import CHANNELS, CONTACT_STATUSES, PAYMENT_METHODS
from bot.store import ProjectScope


class Links(TypedDict):
    """What a derived row (pledge, follow-up) points back to: the call and the campaign."""

    interaction_id: uuid.UUID | None
    campaign_id: uuid.UUID | None


OPEN_FOLLOWUP = ("scheduled", "due")
#: Outcomes after which we reached the person (a "connect" in stats).
CONNECTS = ("spoke", "pledged", "paid", "declined", "reschedule")
EDITABLE_CONTACT_FIELDS = {
    "display_name",
    "primary_channel",
    "relationship_strength",
    "capacity_band",
    "status",
    "notes",
    "next_suggested_at",
    "assigned_to_user_id",
    "last_contacted_at",
}


#: Method names kept in ``payments.notes`` (see :func:`method_label`).
NAMED_METHODS = {name.lower() for _, name in METHODS.values()}


class OutcomeError(ValueError):
    """An outcome we will not record (do_not_contact contact, bad amount, nothing to pay …)."""


def is_reachable(contact: Contact) -> bool:
    """Whether Calltime may suggest, draft to, nudge about or record for ``contact``."""
    return contact.deleted_at is None and contact.status != "do_not_contact"


def require_reachable(contact: Contact) -> None:
    """Refuse any write for a deleted or do-not-contact contact (the one wording)."""
    if contact.deleted_at is not None:
        raise OutcomeError(f"{contact.display_name} has been deleted")
    if contact.status == "do_not_contact":
        raise OutcomeError(f"{contact.display_name} is marked do-not-contact; nothing recorded")


def phone_of(scope: ProjectScope, contact: Contact) -> str | None:
    """The contact's primary phone (any phone if none is marked primary), or ``None``."""
    identity = scope.first(
        ContactIdentity,
        ContactIdentity.contact_id == contact.id,
        ContactIdentity.type == "phone",
        order_by=[ContactIdentity.is_primary.desc(), ContactIdentity.created_at],
    )
    return identity.value if identity else None


def _positive(amount: Decimal | None, what: str) -> Decimal:
    if amount is None:
        raise OutcomeError(f"{what} needs an amount, e.g. 25k")
    amount = Decimal(amount)
    if amount <= 0:
        raise OutcomeError(f"{what} must be more than zero")
    return amount


def open_pledge(scope: ProjectScope, contact: Contact) -> Pledge | None:
    """The contact's most recent open pledge."""
    return scope.first(
        Pledge,
        Pledge.contact_id == contact.id,
        Pledge.status == "open",
        order_by=Pledge.pledged_at.desc(),
    )


def payment_with_reference(scope: ProjectScope, reference: str | None) -> Payment | None:
    """A payment of this project already carrying ``reference`` (compared without spaces,
    in capitals): a UTR or cheque number is one payment, however it reaches Calltime."""
    if not reference:
        return None
    key = func.upper(func.replace(Payment.reference, " ", ""))
    wanted = reference.replace(" ", "").upper()
    return scope.first(Payment, key == wanted, order_by=Payment.paid_at)


def paid_towards(scope: ProjectScope, pledge: Pledge) -> Decimal:
    """Confirmed payments recorded against ``pledge``."""
    stmt = select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.project_id == scope.project_id,
        Payment.pledge_id == pledge.id,
        Payment.status == "confirmed",
    )
    return Decimal(str(scope.session.scalar(stmt) or 0)).quantize(Decimal("0.01"))


def record_pledge(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    *,
    amount: Decimal,
    now: datetime,
    expected_by: date | None = None,
    notes: str | None = None,
    session_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    interaction_id: uuid.UUID | None = None,
) -> Pledge:
    """Record an open pledge (and emit ``pledge.created``)."""
    require_reachable(contact)
    amount = _positive(amount, "a pledge")
    pledge = scope.insert(
        Pledge(
            contact_id=contact.id,
            campaign_id=campaign_id,
            interaction_id=interaction_id,
            amount=amount,
            pledged_at=now,
            expected_by=expected_by,
            status="open",
            notes=notes,
            created_by_user_id=user.id,
        )
    )
    scope.emit(
        "pledge.created",
        user_id=user.id,
        pledge_id=pledge.id,
        contact_id=contact.id,
        amount=amount,
        expected_by=expected_by,
        session_id=session_id,
    )
    return pledge


def record_payment(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    *,
    amount: Decimal,
    now: datetime,
    method: str | None = None,
    method_name: str | None = None,
    reference: str | None = None,
    pledge_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    interaction_id: uuid.UUID | None = None,
    paid_on: date | None = None,
) -> Payment:
    """Record a confirmed payment, linked to ``pledge_id`` or the open pledge.

    ``paid_on`` (in the operator's zone) dates a payment made before today: its
    ``paid_at`` is noon that day, the time being unknown; without it, or today, it is now.

    The pledge becomes ``fulfilled`` once its confirmed payments cover it. The method
    as the operator named it (``cheque``, ``GPay``) is kept in ``notes`` when it says
    more than ``method`` (the data model's ``upi|bank|cash|card|other``); see
    :func:`method_label`.
    """
    if contact.deleted_at is not None:
        raise OutcomeError(f"{contact.display_name} has been deleted")
    amount = _positive(amount, "a payment")
    if method is not None and method not in PAYMENT_METHODS:
        raise OutcomeError(f"method must be one of {', '.join(PAYMENT_METHODS)}")
    paid_at = _paid_at(scope, user, paid_on, now)
    earlier = payment_with_reference(scope, reference)
    if earlier is not None:
        owner = scope.get(Contact, earlier.contact_id)
        who = owner.display_name if owner else "another donor"
        raise OutcomeError(
            f"reference {reference} is already recorded ({format_money(earlier.amount)} from {who})"
        )
    pledge = scope.get(Pledge, pledge_id) if pledge_id else open_pledge(scope, contact)
    if pledge_id and (pledge is None or pledge.contact_id != contact.id):
        raise OutcomeError(f"that pledge does not belong to {contact.display_name}")
    if pledge is not None and pledge.status != "open":
        raise OutcomeError("that pledge is already closed; nothing to pay")
    payment = scope.insert(
        Payment(
            contact_id=contact.id,
            pledge_id=pledge.id if pledge else None,
            campaign_id=pledge.campaign_id if pledge else None,
            interaction_id=interaction_id,
            amount=amount,
            paid_at=paid_at,
            method=method,
            reference=reference,
            status="confirmed",
            notes=method_name if method_name and method_name.lower() != method else None,
            created_by_user_id=user.id,
        )
    )
    scope.emit(
        "payment.recorded",
        user_id=user.id,
        payment_id=payment.id,
        contact_id=contact.id,
        pledge_id=payment.pledge_id,
        amount=amount,
        method=method,
        session_id=session_id,
    )
    if pledge is not None and paid_towards(scope, pledge) >= pledge.amount:
        scope.update(pledge, status="fulfilled")
        for followup in open_followups(scope, contact, reason="send_payment_link"):
            complete_followup(scope, user, followup, now=now)
    return payment


#: Noon: the time given to a payment whose day alone is known (``paid 10k yesterday``).
PAID_AT_NOON = time(12, 0)


def _paid_at(scope: ProjectScope, user: User, paid_on: date | None, now: datetime) -> datetime:
    if paid_on is None:
        return now
    tz = operator_tz(user, scope.session.get(Project, scope.project_id))
    today = now.astimezone(tz).date()
    if paid_on > today:
        raise OutcomeError(f"{day_text(paid_on)} is still ahead: money to come is a pledge")
    if paid_on == today:
        return now
    return datetime.combine(paid_on, PAID_AT_NOON, tzinfo=tz).astimezone(UTC)


def method_name(method: str | None) -> str | None:
    """A payment method's name as replies write it: ``upi`` → ``UPI``, ``bank`` → ``bank``."""
    return METHODS[method][1] if method in METHODS else method


def method_label(payment: Payment) -> str | None:
    """How a payment was made, as the operator named it (``cheque``, ``GPay``), else its
    method's name (``UPI``, ``bank``, ``cash``) — the same words a read-back used."""
    named = (payment.notes or "").split(";")[0].strip()
    if named and named.lower() in NAMED_METHODS:
        return named
    return method_name(payment.method)


def schedule_followup(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    *,
    due_at: datetime,
    reason: str,
    suggested_message: str | None = None,
    now: datetime,
    interaction_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> Followup:
    """Schedule a follow-up assigned to ``user`` (emits ``followup.scheduled``)."""
    require_reachable(contact)
    if due_at.tzinfo is None:
        raise OutcomeError("a follow-up time needs a timezone")
    followup = scope.insert(
        Followup(
            contact_id=contact.id,
            campaign_id=campaign_id,
            interaction_id=interaction_id,
            due_at=due_at,
            status="due" if due_at <= now else "scheduled",
            reason=reason,
            suggested_message=suggested_message,
            assigned_to_user_id=user.id,
            created_by_user_id=user.id,
            created_at=now,
        )
    )
    scope.emit(
        "followup.scheduled",
        user_id=user.id,
        followup_id=followup.id,
        contact_id=contact.id,
        due_at=due_at,
        reason=reason,
    )
    return followup


def complete_followup(
    scope: ProjectScope, user: User, followup: Followup, *, now: datetime
) -> Followup:
    """Mark a follow-up done (emits ``followup.completed``); done ones are left alone."""
    if followup.status in ("done", "cancelled"):
        return followup
    scope.update(followup, status="done", completed_at=now)
    scope.emit(
        "followup.completed",
        user_id=user.id,
        followup_id=followup.id,
        contact_id=followup.contact_id,
    )
    return followup


def update_contact(scope: ProjectScope, user: User, contact: Contact, **changes: Any) -> Contact:
    """Change a contact's editable fields after validating them (emits ``contact.updated``)."""
    unknown = set(changes) - EDITABLE_CONTACT_FIELDS
    if unknown:
        raise OutcomeError(f"cannot change {', '.join(sorted(unknown))}")
    if "status" in changes and changes["status"] not in CONTACT_STATUSES:
        raise OutcomeError(f"status must be one of {', '.join(CONTACT_STATUSES)}")
    if "primary_channel" in changes and changes["primary_channel"] not in CHANNELS:
        raise OutcomeError(f"channel must be one of {', '.join(CHANNELS)}")
    strength = changes.get("relationship_strength")
    if strength is not None and not (isinstance(strength, int) and 1 <= strength <= 5):
        raise OutcomeError("relationship strength is 1 to 5")
    if "display_name" in changes and not str(changes["display_name"] or "").strip():
        raise OutcomeError("a contact needs a name")
    before = {key: getattr(contact, key) for key in changes}
    scope.update(contact, **changes)
    changed = sorted(k for k in changes if before[k] != getattr(contact, k))
    if changed:
        scope.emit("contact.updated", user_id=user.id, contact_id=contact.id, fields=changed)
    return contact


def open_followups(
    scope: ProjectScope,
    contact: Contact,
    *,
    reason: str | None = None,
    due_before: datetime | None = None,
) -> list[Followup]:
    where = [Followup.contact_id == contact.id, Followup.status.in_(OPEN_FOLLOWUP)]
    if reason is not None:
        where.append(Followup.reason == reason)
    if due_before is not None:
        where.append(Followup.due_at <= due_before)
    return scope.all(Followup, *where, order_by=Followup.due_at)
