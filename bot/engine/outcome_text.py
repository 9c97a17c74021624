"""What an outcome wrote, in words: the labels of outcomes and the sentence read back.

:class:`OutcomeResult` carries the rows :func:`bot.engine.outcomes.log_outcome` wrote;
:func:`describe` reads them back in one or two lines ("Logged Anita Sharma: pledged;
pledge ₹25,000, expected by Fri 4 Dec; follow-up Fri 4 Dec 10:00 AM.").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.engine.amounts import format_money
from bot.engine.records import method_label, paid_towards
from bot.engine.wording import day_text, moment_text, plural
from bot.models import Contact, Followup, Interaction, Payment, Pledge
from bot.store import ProjectScope

OUTCOME_LABELS = {
    "no_response": "no answer",
    "spoke": "spoke",
    "pledged": "pledged",
    "paid": "paid",
    "declined": "declined",
    "reschedule": "call back",
    "wrong_number": "wrong number",
    "do_not_contact": "do not contact",
}


@dataclass
class OutcomeResult:
    """The rows one outcome wrote, and the sentence that reads them back."""

    interaction: Interaction
    pledge: Pledge | None = None
    payment: Payment | None = None
    followup: Followup | None = None
    summary_text: str = ""
    completed: list[Followup] = field(default_factory=list)
    #: The pledge is the donor's open one, updated (not a new pledge).
    revised: bool = False


def describe(
    result: OutcomeResult, contact: Contact, outcome: str, tz: ZoneInfo, scope: ProjectScope
) -> str:
    """Read back exactly what was recorded, in one or two lines."""
    parts = [f"Logged {contact.display_name}: {OUTCOME_LABELS[outcome]}"]
    if result.interaction.summary:
        parts[0] += f" – “{result.interaction.summary}”"
    if result.pledge is not None:
        by = (
            f", expected by {day_text(result.pledge.expected_by)}"
            if result.pledge.expected_by
            else ""
        )
        what = "open pledge updated to" if result.revised else "pledge"
        parts.append(f"{what} {format_money(result.pledge.amount)}{by}")
    if result.payment is not None:
        parts.append(payment_text(scope, result.payment))
    if result.followup is not None:
        parts.append(f"follow-up {moment_text(result.followup.due_at, tz)}")
    if outcome == "wrong_number":
        parts.append("marked inactive until the number is fixed")
    if outcome == "do_not_contact":
        parts.append("marked do-not-contact; never suggested again")
    if result.completed:
        parts.append(f"{plural(len(result.completed), 'due follow-up')} closed")
    return "; ".join(parts) + "."


def payment_text(scope: ProjectScope, payment: Payment) -> str:
    label = method_label(payment)
    how = f" by {label}" if label else ""
    ref = f" ref {payment.reference}" if payment.reference else ""
    text = f"payment {format_money(payment.amount)}{how}{ref}"
    if payment.pledge_id is None:
        return text + " (no open pledge)"
    pledge = scope.require(Pledge, payment.pledge_id)
    if pledge.status == "fulfilled":
        return text + f" – pledge of {format_money(pledge.amount)} fully paid"
    left = pledge.amount - paid_towards(scope, pledge)
    return text + f" – {format_money(left)} of {format_money(pledge.amount)} still due"
