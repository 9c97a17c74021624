"""Changing an open pledge the donor re-stated, instead of recording a second one.

When the operator reports ``pledged 25k by fri`` for a donor who already has an open
pledge, the read-back offers to update that pledge (see :mod:`bot.engine.risk`). The
update changes the pledge's amount and date and moves its payment reminder; nothing is
counted twice. The data model has no event for a changed pledge: the audit log holds
the old and new values, which is also what ``undo`` restores.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from bot.engine.records import (
    Links,
    OutcomeError,
    complete_followup,
    open_followups,
    paid_towards,
    require_reachable,
    schedule_followup,
)
from bot.models import Contact, Followup, Pledge, User
from bot.store import ProjectScope


def revise_pledge(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    pledge_id: uuid.UUID | str,
    *,
    amount: Decimal,
    expected_by: date | None,
    remind_at: datetime,
    now: datetime,
    interaction_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> tuple[Pledge, Followup | None]:
    """Set the open pledge's amount (and date); its payment reminder moves to ``remind_at``
    (the time a new pledge's reminder would get), or one is scheduled there.

    Returns the pledge and its payment reminder (``None`` once the pledge is fully paid).

    Raises:
        OutcomeError: the pledge is no longer this contact's open pledge.
    """
    require_reachable(contact)
    pledge = scope.get(Pledge, pledge_id)
    if pledge is None or pledge.contact_id != contact.id or pledge.status != "open":
        raise OutcomeError(
            f"{contact.display_name}'s open pledge changed since I asked; nothing saved"
        )
    if amount <= 0:
        raise OutcomeError("a pledge must be more than zero")
    changes: dict[str, object] = {"amount": amount}
    if expected_by is not None:
        changes["expected_by"] = expected_by
    scope.update(pledge, **changes)
    reminders = open_followups(scope, contact, reason="send_payment_link")
    if paid_towards(scope, pledge) >= pledge.amount:
        scope.update(pledge, status="fulfilled")
        for reminder in reminders:
            complete_followup(scope, user, reminder, now=now)
        return pledge, None
    links = Links(interaction_id=interaction_id, campaign_id=campaign_id)
    return pledge, _move_reminder(scope, user, contact, reminders, remind_at, now, links)


def _move_reminder(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    reminders: list[Followup],
    remind_at: datetime,
    now: datetime,
    links: Links,
) -> Followup:
    """The pledge's payment reminder at ``remind_at``: the open one moved, or a new one."""
    if not reminders:
        return schedule_followup(
            scope, user, contact, due_at=remind_at, reason="send_payment_link", now=now, **links
        )
    reminder = reminders[0]
    scope.update(reminder, due_at=remind_at, status="due" if remind_at <= now else "scheduled")
    scope.emit(
        "followup.scheduled",
        user_id=user.id,
        followup_id=reminder.id,
        contact_id=contact.id,
        due_at=remind_at,
        reason="send_payment_link",
    )
    return reminder
