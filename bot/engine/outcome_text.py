"""What an outcome wrote, in words: the labels of outcomes and the sentence read back.

:class:`OutcomeResult` carries the rows :func:`bot.engine.outcomes.log_outcome` wrote;
:func:`describe` reads them back in one or two lines ("Logged Anita Sharma: pledged;
pledge ₹25,000, expected by Fri 4 Dec; follow-up Fri 4 Dec 10:00 AM."); :func:`read_back`
says what a write not yet made would record, for the question before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.amounts import format_money
from bot.engine.records import method_label, method_name, paid_towards
from bot.engine.report import PLAN
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
        backdated = result.payment.paid_at != result.interaction.occurred_at  # "yesterday"
        on = f" paid {day_text(result.payment.paid_at, tz)}" if backdated else ""
        parts.append(payment_text(scope, result.payment, on))
    if result.followup is not None:
        parts.append(f"follow-up {moment_text(result.followup.due_at, tz)}")
    if outcome == "wrong_number":
        parts.append("marked inactive until the number is fixed")
    if outcome == "do_not_contact":
        parts.append("marked do-not-contact; never suggested again")
    if result.completed:
        parts.append(f"{plural(len(result.completed), 'due follow-up')} closed")
    return "; ".join(parts) + "."


def payment_text(scope: ProjectScope, payment: Payment, on: str = "") -> str:
    """``payment ₹10,000 by GPay – ₹15,000 of ₹25,000 still due``; ``on`` follows the
    method (`` paid Wed 25 Nov``)."""
    label = method_label(payment)
    how = f" by {label}" if label else ""
    ref = f" ref {payment.reference}" if payment.reference else ""
    text = f"payment {format_money(payment.amount)}{how}{ref}{on}"
    if payment.pledge_id is None:
        return text + " (no open pledge)"
    pledge = scope.require(Pledge, payment.pledge_id)
    if pledge.status == "fulfilled":
        return text + f" – pledge of {format_money(pledge.amount)} fully paid"
    left = pledge.amount - paid_towards(scope, pledge)
    return text + f" – {format_money(left)} of {format_money(pledge.amount)} still due"


def read_back(args: dict[str, Any], tz: ZoneInfo) -> str:
    """``pledged ₹25,000 by Fri 27 Nov, paid ₹10,000 by GPay, call back Fri 27 Nov 5:00 PM``:
    what an outcome's arguments (as :func:`~bot.engine.outcomes.log_outcome` takes them)
    would record — the one wording of a read-back, a held write's question included."""
    outcome = args["outcome"]
    if outcome == PLAN:
        return f"a reminder to call {moment_text(args['followup_at'], tz)} (no call logged)"
    parts = [OUTCOME_LABELS[outcome]] if outcome not in ("pledged", "paid", "reschedule") else []
    if outcome == "pledged":
        by = f" by {day_text(args['expected_by'])}" if args.get("expected_by") else ""
        parts.append(f"pledged {format_money(args['amount'])}{by}")
    paid = args.get("received") or (args.get("amount") if outcome == "paid" else None)
    if paid is not None:
        named = args.get("method_name") or method_name(args.get("method"))
        how = f" by {named}" if named else ""
        ref = f" ref {args['reference']}" if args.get("reference") else ""
        on = f" on {day_text(args['paid_on'])}" if args.get("paid_on") else ""
        parts.append(f"paid {format_money(paid)}{how}{ref}{on}")
    if args.get("followup_at"):
        parts.append(f"call back {moment_text(args['followup_at'], tz)}")
    return ", ".join(parts)
