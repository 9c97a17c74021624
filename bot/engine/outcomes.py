"""Turning a call's outcome into records: interactions, pledges, payments, follow-ups.

:func:`log_outcome` writes the interaction and whatever the outcome implies:

=============== ================================================================
outcome         also writes
=============== ================================================================
no_response     follow-up on the next working day at 10:00, or at the call-back time
                given (``no_response``)
spoke           — (a call-back time given: a ``reschedule`` follow-up then)
pledged         open pledge + payment reminder at ``expected_by`` 10:00, or in
                three days, or at the call-back time given (``send_payment_link``);
                with ``received``, a payment towards it in the same turn; with
                ``revise_pledge_id`` the donor's open pledge is updated instead and its
                reminder moved
paid            payment linked to the open pledge (fulfilled when fully paid); the
                method as named (``cheque``, ``GPay``) is kept in the payment's notes
declined        — (a call-back time given: a ``reschedule`` follow-up then)
reschedule      follow-up at the given time (``reschedule``); ``next_suggested_at``
wrong_number    contact becomes ``inactive`` (the number is wrong, not the person)
do_not_contact  contact becomes ``do_not_contact``; open follow-ups cancelled
=============== ================================================================

Every outcome completes the contact's follow-ups that were already due and sets
``last_contacted_at``. Every write is audited and emits its event.

:func:`plan_call` is not an outcome: a call the operator plans (``remind me to call
Meera at 5pm``) writes the follow-up and ``next_suggested_at`` only. No interaction is
logged and nothing is completed, because no call happened.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.engine.outcome_text import OUTCOME_LABELS, OutcomeResult, describe
from bot.engine.pledge_revision import revise_pledge
from bot.engine.records import (
    Links,
    OutcomeError,
    complete_followup,
    open_followups,
    record_payment,
    record_pledge,
    require_reachable,
    schedule_followup,
    update_contact,
)
from bot.engine.timezones import operator_tz
from bot.engine.when import next_working_day
from bot.models import Contact, Followup, Interaction, Payment, Project, User
from bot.models.enums import CHANNELS, OUTCOMES
from bot.store import ProjectScope

log = logging.getLogger(__name__)


def after_interaction_logged(scope: ProjectScope, interaction: Interaction) -> None:
    """Called after every interaction write: embed its summary, refresh the rolling summary.

    Memory is a convenience on top of the records: if it fails, the interaction stands
    and the failure is logged, so an operator's outcome is never lost to a search index.
    """
    from memory.hooks import on_interaction_logged

    try:
        with scope.session.begin_nested():
            on_interaction_logged(scope, interaction)
    except Exception:
        log.exception("memory refresh failed for interaction %s", interaction.id)


def _validate(
    contact: Contact,
    outcome: str,
    channel: str,
    amount: Decimal | None,
    followup_at: datetime | None,
    now: datetime,
) -> None:
    if outcome not in OUTCOMES:
        raise OutcomeError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if channel not in CHANNELS:
        raise OutcomeError(f"channel must be one of {', '.join(CHANNELS)}")
    require_reachable(contact)
    if outcome in ("pledged", "paid") and (amount is None or Decimal(amount) <= 0):
        raise OutcomeError(f"{OUTCOME_LABELS[outcome]} needs an amount more than zero, e.g. 25k")
    if outcome == "reschedule":
        if followup_at is None:
            raise OutcomeError("call back needs a time, e.g. call back tomorrow 5pm")
        if followup_at <= now:
            raise OutcomeError("that call-back time has already passed")


def log_outcome(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    *,
    outcome: str,
    now: datetime,
    summary: str | None = None,
    amount: Decimal | None = None,
    expected_by: date | None = None,
    method: str | None = None,
    method_name: str | None = None,
    reference: str | None = None,
    followup_at: datetime | None = None,
    received: Decimal | None = None,
    channel: str = "call",
    session_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    revise_pledge_id: uuid.UUID | None = None,
    paid_on: date | None = None,
) -> OutcomeResult:
    """Record one call outcome on ``contact`` and everything it implies (see module doc).

    Raises:
        OutcomeError: before any write, when the outcome cannot be recorded.
    """
    _validate(contact, outcome, channel, amount, followup_at, now)
    if followup_at is not None and followup_at <= now:
        raise OutcomeError("that call-back time has already passed")
    tz = operator_tz(user, scope.session.get(Project, scope.project_id))
    interaction = scope.insert(
        Interaction(
            contact_id=contact.id,
            campaign_id=campaign_id,
            session_id=session_id,
            channel=channel,
            direction="outbound",
            outcome=outcome,
            summary=summary,
            amount_pledged=amount if outcome == "pledged" else None,
            amount_received=amount if outcome == "paid" else received,
            occurred_at=now,
            created_by_user_id=user.id,
            created_at=now,
        )
    )
    scope.emit(
        "interaction.logged",
        user_id=user.id,
        interaction_id=interaction.id,
        contact_id=contact.id,
        outcome=outcome,
        channel=channel,
        session_id=session_id,
    )
    result = OutcomeResult(interaction=interaction)
    result.completed = [
        complete_followup(scope, user, f, now=now)
        for f in open_followups(scope, contact, due_before=now)
    ]
    details = _Details(
        amount,
        expected_by,
        method,
        reference,
        followup_at,
        session_id,
        campaign_id,
        received,
        method_name,
    )
    details.revise_pledge_id = revise_pledge_id
    details.paid_on = paid_on
    _apply(scope, user, contact, result, outcome, now, tz, details)
    next_at = result.followup.due_at if result.followup else None
    update_contact(scope, user, contact, last_contacted_at=now, next_suggested_at=next_at)
    after_interaction_logged(scope, interaction)
    result.summary_text = describe(result, contact, outcome, tz, scope)
    return result


@dataclass
class _Details:
    """What the operator said besides the outcome itself."""

    amount: Decimal | None
    expected_by: date | None
    method: str | None
    reference: str | None
    followup_at: datetime | None
    session_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    received: Decimal | None = None
    method_name: str | None = None
    revise_pledge_id: uuid.UUID | None = None
    paid_on: date | None = None


def _apply(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    result: OutcomeResult,
    outcome: str,
    now: datetime,
    tz: ZoneInfo,
    d: _Details,
) -> None:
    """The outcome-specific writes."""
    links = Links(interaction_id=result.interaction.id, campaign_id=d.campaign_id)
    due_at, reason = d.followup_at, "reschedule" if d.followup_at else None
    if outcome == "no_response":
        due_at, reason = d.followup_at or next_working_day(now, tz), "no_response"
    elif outcome == "pledged" and d.amount is not None and d.revise_pledge_id is not None:
        result.revised = True
        result.pledge, result.followup = revise_pledge(
            scope,
            user,
            contact,
            d.revise_pledge_id,
            amount=d.amount,
            expected_by=d.expected_by,
            remind_at=d.followup_at or reminder_at(d.expected_by, now, tz),
            now=now,
            **links,
        )
        if d.received is not None:  # "pledged 20k, paid 10k neft" updating the open pledge
            result.payment = _payment(scope, user, contact, now, d, d.received, result)
        due_at, reason = None, None
    elif outcome == "pledged" and d.amount is not None:
        result.pledge = record_pledge(
            scope,
            user,
            contact,
            amount=d.amount,
            now=now,
            expected_by=d.expected_by,
            session_id=d.session_id,
            **links,
        )
        if d.received is not None:
            result.payment = _payment(scope, user, contact, now, d, d.received, result)
        due_at, reason = None, None
        if result.pledge.status == "open":
            due_at = d.followup_at or reminder_at(d.expected_by, now, tz)
            reason = "send_payment_link"
    elif outcome == "paid" and d.amount is not None:
        result.payment = _payment(scope, user, contact, now, d, d.amount, result)
    elif outcome == "do_not_contact":
        for followup in open_followups(scope, contact):
            scope.update(followup, status="cancelled", completed_at=now)
        update_contact(scope, user, contact, status="do_not_contact")
    elif outcome == "wrong_number":
        update_contact(scope, user, contact, status="inactive")
    if due_at is not None and reason is not None:
        result.followup = schedule_followup(
            scope, user, contact, due_at=due_at, reason=reason, now=now, **links
        )


def _payment(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    now: datetime,
    d: _Details,
    amount: Decimal,
    result: OutcomeResult,
) -> Payment:
    return record_payment(
        scope,
        user,
        contact,
        amount=amount,
        now=now,
        method=d.method,
        method_name=d.method_name,
        reference=d.reference,
        pledge_id=result.pledge.id if result.pledge else None,
        session_id=d.session_id,
        interaction_id=result.interaction.id,
        paid_on=d.paid_on,
    )


def plan_call(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    *,
    due_at: datetime,
    now: datetime,
    campaign_id: uuid.UUID | None = None,
) -> Followup:
    """A call the operator plans on ``contact`` at ``due_at``: the follow-up, no interaction.

    Raises:
        OutcomeError: before any write, for a do-not-contact donor or a time gone by.
    """
    require_reachable(contact)
    if due_at <= now:
        raise OutcomeError("that time has already passed")
    followup = schedule_followup(
        scope, user, contact, due_at=due_at, reason="reschedule", now=now, campaign_id=campaign_id
    )
    update_contact(scope, user, contact, next_suggested_at=due_at)
    return followup


def reminder_at(expected_by: date | None, now: datetime, tz: ZoneInfo) -> datetime:
    """When to chase a pledge: 10:00 on ``expected_by`` (or three days on), never in the past."""
    day = expected_by or (now.astimezone(tz).date() + timedelta(days=3))
    moment = datetime.combine(day, time(10, 0), tzinfo=tz)
    return max(moment, now + timedelta(hours=1)).astimezone(now.tzinfo)
