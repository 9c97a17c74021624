"""When a write waits for the operator's ``yes``: the risk rules, in one place.

The command path (:mod:`bot.engine.held_writes`) and the assistant's write tools
(``tools/outcomes.py``) both call :func:`assess` before an outcome, pledge or payment
is written; a non-empty answer means "read it back and wait for ``yes``".

============== ==================================================================
risk           when
============== ==================================================================
stale_contact  the write falls on the current contact, chosen more than
               ``CALLTIME_STALE_CONTACT_MINUTES`` (30) ago, and the donor was not
               named again
amount         a pledge or payment below :data:`AMOUNT_FLOOR` (₹100: ``pledged 5``
               was meant as 5k or 5 lakh), above ``CALLTIME_AMOUNT_CEILING``
               (₹10,00,000), or more than :data:`BAND_FACTOR` times the top of the
               contact's capacity band (``5k-25k`` → above ₹1,00,000); otherwise a
               payment that fits in what is still due on the open pledge is not
               questioned
open_pledge    a pledge while the contact has an open one (update it, or add a
               second: a numbered choice)
other_operator another operator logged a call with the contact in the last hour
============== ==================================================================
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.engine.amounts import AmountError, format_money, parse_amount
from bot.engine.outcome_text import OUTCOME_LABELS
from bot.engine.records import open_pledge, paid_towards
from bot.engine.wording import day_text
from bot.models import Contact, Interaction, Pledge, Project, User
from bot.store import ProjectScope

#: "Far above" the capacity band: more than this many times its top.
BAND_FACTOR = Decimal(4)
#: Below this a pledge or payment is a slip (``pledged 5`` for 5k), asked before writing.
AMOUNT_FLOOR = Decimal(100)
#: Another operator's call this recent makes an outcome ask first.
OTHER_OPERATOR_WINDOW = timedelta(hours=1)
RISK_KINDS = ("stale_contact", "other_operator", "amount", "open_pledge")


@dataclass(frozen=True)
class Limits:
    """The configurable thresholds (see the README's configuration table)."""

    stale_after: timedelta = timedelta(minutes=30)
    amount_ceiling: Decimal = Decimal(1_000_000)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            stale_after=timedelta(minutes=settings.stale_contact_minutes),
            amount_ceiling=settings.amount_ceiling,
        )


@dataclass(frozen=True)
class Risk:
    """One reason to ask before writing: its kind and the line the read-back shows."""

    kind: str
    warning: str
    #: For ``open_pledge``: the pledge the operator may choose to update.
    pledge: Pledge | None = None


def assess(
    scope: ProjectScope,
    user: User,
    contact: Contact,
    args: dict[str, Any],
    *,
    now: datetime,
    limits: Limits,
    selected_at: datetime | None = None,
    acknowledged: Iterable[str] = (),
) -> list[Risk]:
    """The risks of writing ``args`` on ``contact``, in read-back order.

    Args:
        args: the write, as :func:`~bot.engine.outcomes.log_outcome`'s keyword arguments
            (``outcome`` and ``amount`` are read; a pledge is ``pledged``, a payment
            ``paid``).
        selected_at: when the contact became current, if the write relies on that
            choice (``None`` when the operator named the donor).
        acknowledged: kinds the operator already confirmed for this write.
    """
    outcome, amount = args["outcome"], args.get("amount")
    skip = set(acknowledged)
    found: list[Risk | None] = []
    if "stale_contact" not in skip:
        found.append(stale_selection(contact, selected_at, now, limits))
    if "other_operator" not in skip:
        found.append(other_operator(scope, user, contact, now))
    if "amount" not in skip and outcome in ("pledged", "paid") and amount is not None:
        found.append(implausible_amount(scope, contact, outcome, Decimal(amount), limits))
    if "open_pledge" not in skip and outcome == "pledged":
        found.append(second_pledge(scope, contact))
    return [risk for risk in found if risk is not None]


def stale_selection(
    contact: Contact, selected_at: datetime | None, now: datetime, limits: Limits
) -> Risk | None:
    """The current contact was chosen long ago: is this really for them?"""
    if selected_at is None or now - selected_at <= limits.stale_after:
        return None
    return Risk(
        "stale_contact",
        f"You chose {contact.display_name} {_ago(now - selected_at)} – is this for them?",
    )


def other_operator(scope: ProjectScope, user: User, contact: Contact, now: datetime) -> Risk | None:
    """Another operator logged a call with this donor within the hour."""
    stmt = (
        select(Interaction.occurred_at, Interaction.outcome, User.full_name)
        .join(User, User.id == Interaction.created_by_user_id)
        .where(
            Interaction.project_id == scope.project_id,
            Interaction.contact_id == contact.id,
            Interaction.created_by_user_id != user.id,
            Interaction.occurred_at > now - OTHER_OPERATOR_WINDOW,
        )
        .order_by(Interaction.occurred_at.desc())
        .limit(1)
    )
    row = scope.session.execute(stmt).first()
    if row is None:
        return None
    at, outcome, name = row
    what = OUTCOME_LABELS.get(outcome, outcome)
    return Risk(
        "other_operator",
        f"{name} logged a call with {contact.display_name} {_ago(now - at)} ({what}).",
    )


def band_top(band: str | None) -> Decimal | None:
    """The top of a capacity band: ``5k-25k`` → 25,000; ``1L+`` or unreadable → ``None``."""
    _low, dash, high = (band or "").strip().partition("-")
    if not dash:
        return None
    try:
        return parse_amount(high)
    except AmountError:
        return None


def implausible_amount(
    scope: ProjectScope, contact: Contact, outcome: str, amount: Decimal, limits: Limits
) -> Risk | None:
    """An amount too small to be meant, above the project's ceiling, or far above the
    donor's capacity band."""
    currency = _currency(scope)
    shown = format_money(amount, currency)
    if amount < AMOUNT_FLOOR:
        meant = format_money(amount * 1000, currency)
        # Never "did you mean …?": a "yes" to that would save the amount not meant.
        wording = f"{shown} is very little – yes saves {shown}; for {meant}, reply no and resend"
        return Risk("amount", wording)
    if outcome == "paid" and _within_open_pledge(scope, contact, amount):
        return None
    if amount > limits.amount_ceiling:
        ceiling = format_money(limits.amount_ceiling, currency)
        return Risk("amount", f"{shown} is above this project's ceiling of {ceiling}.")
    top = band_top(contact.capacity_band)
    if top is not None and amount > top * BAND_FACTOR:
        return Risk(
            "amount",
            f"{shown} is far above {contact.display_name}'s capacity band "
            f"({contact.capacity_band}).",
        )
    return None


def second_pledge(scope: ProjectScope, contact: Contact) -> Risk | None:
    """The donor already has an open pledge: update it, or add a second one?"""
    pledge = open_pledge(scope, contact)
    if pledge is None:
        return None
    by = f" (by {day_text(pledge.expected_by)})" if pledge.expected_by else ""
    shown = format_money(pledge.amount, _currency(scope))
    return Risk(
        "open_pledge",
        f"{contact.display_name} already has an open pledge of {shown}{by}.",
        pledge=pledge,
    )


def pledge_id_of(risks: Iterable[Risk]) -> uuid.UUID | None:
    """The open pledge a read-back offers to update, if any."""
    return next((r.pledge.id for r in risks if r.pledge is not None), None)


def _within_open_pledge(scope: ProjectScope, contact: Contact, amount: Decimal) -> bool:
    pledge = open_pledge(scope, contact)
    return pledge is not None and amount <= pledge.amount - paid_towards(scope, pledge)


def _currency(scope: ProjectScope) -> str:
    project = scope.session.get(Project, scope.project_id)
    return getattr(project, "currency", None) or "INR"


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"{minutes // 60} hours ago"
