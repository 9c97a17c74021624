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
``remind me to call Meera at 5pm``  no interaction (no call happened): follow-up
                                    today 17:00 on Meera (outcome :data:`PLAN`)
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

from bot.engine.reading import Reading

#: Not a call's outcome: a call the operator plans. Only its follow-up is written
#: (:func:`bot.engine.outcomes.plan_call`).
PLAN = "plan"

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
        # also beside a pledge: "asked her to pledge 25k by upi", "will pay by upi once
        # she gets her 25k bonus" read as pledges once a method was let through
        problems.append("a payment method, but no amount paid")
    if reading.callback_story:
        problems.append(f"what is “{reading.callback_story}” for? (say call back DAY)")
    elif reading.callback_loose and (reading.pledge is not None or reading.paid is not None):
        # "visited her on monday, she pledged 10k by friday": a day with no verb beside
        # money is not taken for a call back
        problems.append("what is the day with no verb for? (say call back DAY)")
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
            method=reading.method,
            method_name=reading.method_name,
            reference=reading.reference,
            paid_on=reading.paid_on,
        )
    if reading.callback is not None:
        args["followup_at"] = reading.callback
    if said == {"reschedule"} and reading.plan:
        args["outcome"] = PLAN
    return {k: v for k, v in args.items() if v is not None}, []
