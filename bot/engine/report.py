"""One outcome from a reading: which interaction, which records, and the one-line read-back.

=================================== =================================================
the report says                     recorded
=================================== =================================================
``spoke, pledged 25k by fri``       interaction ``pledged``; pledge ₹25,000 by Friday;
                                    payment reminder Friday 10:00
``busy, call back at 6pm``          interaction ``no_response``; follow-up today 18:00
``pledged 25k paid 10k``            interaction ``pledged``; pledge ₹25,000; payment
                                    ₹10,000 towards it; reminder for the rest
``spoke, call back fri``            interaction ``reschedule``; follow-up Friday 10:00
``wrong number, pledged 5k``        nothing: the parts contradict each other
=================================== =================================================

The interaction's outcome is the strongest thing said (do-not-contact, wrong number,
pledged, paid, declined, no answer, call back, spoke); ``spoke`` adds nothing to a
pledge. A call-back time sets the one follow-up's time. Parts that contradict each
other, money details without an amount, or a date with nothing to date are problems:
nothing is written and the reply names them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.amounts import format_money
from bot.engine.outcome_text import OUTCOME_LABELS as LABELS
from bot.engine.reading import Reading
from bot.engine.wording import day_text, moment_text

#: The outcome recorded when several are said, strongest first.
PRECEDENCE = (
    "do_not_contact",
    "wrong_number",
    "pledged",
    "paid",
    "declined",
    "no_response",
    "reschedule",
    "spoke",
)
_CLASHES = (
    ({"do_not_contact", "wrong_number"}, "do not contact", "wrong number"),
    ({"no_response", "spoke"}, "no answer", "spoke"),
    ({"no_response", "pledged"}, "no answer", "a pledge"),
    ({"no_response", "paid"}, "no answer", "a payment"),
    ({"declined", "pledged"}, "declined", "a pledge"),
    ({"wrong_number", "pledged"}, "wrong number", "a pledge"),
    ({"wrong_number", "paid"}, "wrong number", "a payment"),
    ({"wrong_number", "reschedule"}, "wrong number", "a call back"),
    ({"do_not_contact", "pledged"}, "do not contact", "a pledge"),
    ({"do_not_contact", "paid"}, "do not contact", "a payment"),
    ({"do_not_contact", "reschedule"}, "do not contact", "a call back"),
)


def merge(reading: Reading) -> tuple[dict[str, Any] | None, list[str]]:
    """The ``log_outcome`` arguments a reading adds up to, or the problems that stop it."""
    problems = list(reading.problems)
    said = set(reading.outcomes)
    if reading.pledge is not None:
        said.add("pledged")
    if reading.paid is not None:
        said.add("paid")
    if reading.callback is not None:
        said.add("reschedule")
    for pair, first, second in _CLASHES:
        if pair <= said:
            problems.append(f"“{first}” and {second} cannot both be true")
    if reading.expected_by is not None and reading.pledge is None:
        problems.append("a payment date, but no pledge amount")
    if (reading.method or reading.reference) and reading.paid is None:
        problems.append("a payment method, but no amount paid")
    if reading.callback_asked:
        problems.append("When should I call back?")
    outcome = next((o for o in PRECEDENCE if o in said), None)
    if problems or outcome is None:
        return None, problems
    args: dict[str, Any] = {"outcome": outcome}
    if reading.pledge is not None:
        args.update(amount=reading.pledge, expected_by=reading.expected_by)
        if reading.paid is not None:
            args["received"] = reading.paid
    elif reading.paid is not None:
        args["amount"] = reading.paid
    if reading.paid is not None:
        args.update(
            method=reading.method, method_name=reading.method_name, reference=reading.reference
        )
    if reading.callback is not None:
        args["followup_at"] = reading.callback
    return {k: v for k, v in args.items() if v is not None}, []


def read_back(args: dict[str, Any], tz: ZoneInfo) -> str:
    """``pledged ₹25,000 by Fri 27 Nov, paid ₹10,000 by GPay; call back Fri 27 Nov 5:00 PM``."""
    outcome = args["outcome"]
    parts = [LABELS[outcome]] if outcome not in ("pledged", "paid", "reschedule") else []
    if outcome == "pledged":
        by = f" by {day_text(args['expected_by'])}" if args.get("expected_by") else ""
        parts.append(f"pledged {format_money(args['amount'])}{by}")
    paid = args.get("received") or (args.get("amount") if outcome == "paid" else None)
    if paid is not None:
        how = f" by {args['method_name']}" if args.get("method_name") else ""
        ref = f" ref {args['reference']}" if args.get("reference") else ""
        parts.append(f"paid {format_money(paid)}{how}{ref}")
    if args.get("followup_at"):
        parts.append(f"call back {moment_text(args['followup_at'], tz)}")
    return ", ".join(parts)
