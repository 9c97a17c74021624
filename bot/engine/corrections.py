"""Correcting the last entry: "sorry, 20k not 25k", "actually it was cash not upi".

A message that corrects (a word such as *sorry*, *actually*, *I mean*, *make it*,
*instead*, *change*, or "not" before the old value) and says only new values is read
against the operator's last entry (:class:`~bot.turn.state.LastEntry`, kept by
:func:`~bot.engine.held_writes.write_outcome`), and only while that entry's turn is still
the one ``undo`` would revert:

============================================  =========================================
after                                          the correction reads back
============================================  =========================================
``pledged 25k by fri``: ``sorry, 20k not 25k`` pledged ₹20,000 by Fri 27 Nov
``pledged 25k by fri``: ``make it by 10th``    pledged ₹25,000 by Thu 10 Dec
``paid 10k upi``: ``actually it was cash``     paid ₹10,000 by cash
``paid 5000 upi``: ``nahi nahi cash tha``      paid ₹5,000 by cash
``paid 10k upi``: ``sorry, kal diya tha``      paid ₹10,000 by UPI on Wed 25 Nov
``pledged 25k``: ``pledged 25k, sorry 20k``   pledged ₹20,000 (the report said again,
                                               corrected inside)
``Ravi … pledged 10k``: ``that was Vikram``    the same entry on Vikram Singh
============================================  =========================================

Nothing is written before ``yes``. Then the last turn is reverted exactly as ``undo``
reverts it and the corrected outcome is written in the same transaction; a later
``undo`` undoes the correction (the entry as it was comes back), and the one after it
the entry. Another outcome in the entry's place (``actually no answer``, ``not
pledged, just spoke``) is read back the same way while the entry's donor is still the
current contact. A correction that says anything else (a word no rule reads, two new
amounts) is not guessed at: the reply says to ``undo`` and send the report again.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from bot.engine.amounts import find_amounts
from bot.engine.confirm import ask
from bot.engine.free_text import find_named
from bot.engine.held_writes import dump_args, limits_for, load_args, write_outcome
from bot.engine.normalise import clean
from bot.engine.outcome_text import read_back
from bot.engine.reading import PHRASES, Reading, read_report
from bot.engine.records import OutcomeError, is_reachable
from bot.engine.report import merge
from bot.engine.risk import implausible_amount
from bot.engine.timezones import operator_tz
from bot.engine.undo import UNDO_WINDOW, last_turn_id, revert_turn_for_correction
from bot.models import Contact
from bot.turn.context import Reply, TurnContext

KIND = "correction"
#: Words of a message that corrects an entry already saved.
CORRECTION = re.compile(
    r"\b(?:sorry|actually|correction|correct|instead|change|changed|edit|wrong|oops|galti|typo"
    r"|i\s+mean|meant|make\s+it|increased?|reduced?|add\s+(?:the\s+|a\s+)?(?:ref|utr|reference"
    r"|cheque|chq)|(?:that|it)\s+(?:was|is)|likha|wait|hold\s+on|galat\s+(?:hai|tha|thi))\b"
    r"|\bnot\s+[₹\d]"
    # Hinglish: "was" and "not" in one breath (``cash tha, upi nahi``, ``25k nahi 20k
    # tha``), or nothing but the old value, "nahi" and the new one (``5k nahi 50k``,
    # ``parso nahi, monday``).
    r"|\b(?:tha|thi)\b.*\bnahi\b|\bnahi\b.*\b(?:tha|thi)\b"
    r"|^[\w₹.,/-]+\s+nahi\b[\s,]+[\w₹.,/-]+(?:\s+(?:hai|tha|thi))?$"
)
#: "No, no" / "no wait" / "nahi," opening a correction: it negates nothing the entry
#: holds ("no answer" is an outcome, not this).
_NO_NO = re.compile(
    r"^(?:(?:(?:no|nahi|nahin)\b[\s,]*){2,}|(?:no|nahi|nahin)\s*,\s*"
    r"|(?:no|nahi|nahin)\s+(?=wait\b))"
)
#: The old value after "not" (``20k not 25k``, ``cash not upi``, ``not Ravi``), before
#: Hindi's "nahi" (``upi nahi``: "not UPI") or before "likha" ("wrote": ``galti se 25k
#: likha, 20k hai``).
_OLD_VALUE = re.compile(
    r"(?P<negated>(?:₹\s*|rs\.?\s*)?[\w/.,-]+)\s+nahi\b"
    r"|\b(?:not|instead\s+of|rather\s+than|nahi)\s+"
    r"(?P<old>(?:₹\s*|rs\.?\s*)?[\w/.,-]+(?:\s+[a-z]+)?)|(?P<written>(?:₹\s*|rs\.?\s*)?[\w/.,-]+)\s+likha\b"
)
#: Words that only say "this corrects": dropped before the new values are read.
_MARKERS = re.compile(
    r"\b(?:sorry|actually|correction|correct|instead|change[ds]?|edit(?:ed)?|wrong|oops|galti"
    r"|typo|i\s+mean|meant|make\s+it|it\s+was|it\s+is|that\s+was|should\s+be|to\s+be|was|is"
    r"|it|its|the|that|this|amount|pledge|payment|date|donor|person|entry|last|one|to|by\s+mistake"
    r"|my\s+bad|please|pls|ji|he|she|they|him|her|from|of|in|increased|reduced|add|for|se"
    r"|hai|tha|thi|wait|hold\s+on|galat)\b"
)
#: The entry's outcome said not to have happened: ``not pledged``, ``didn't pay``,
#: ``not declined``, ``pledge nahi kiya`` ("did not pledge").
_NOT_OUTCOME = re.compile(
    r"\b(?:not|never|didn'?t|did\s+not|no)\s+(?:a\s+|any\s+)?"
    r"(?P<en>pledge[ds]?|pledging|paid|pay|payment|declined|refused|wrong\s+number)\b"
    r"|\b(?P<hi>pledge|payment|paid|paisa|paise)\s+nahi(?:\s+(?:kiya|diya|diye|hua|mila))?\b"
)
#: Which outcome a negated word names (its first letters).
_NEGATED = (("pledg", "pledged"), ("pa", "paid"), ("decl", "declined"), ("ref", "declined"))
#: Words around an outcome change that only apologise, hold on or say "only".
_APOLOGY = re.compile(
    r"\b(?:sorry|actually|correction|oops|galti\s+se|galti|my\s+bad|wrong|i\s+mean|meant"
    r"|sirf|bas|wait|hold\s+on)\b"
)
#: A whole number under 1,000 with no unit, mark or date around it (``21``, not ``21k``,
#: ``₹21``, ``21st``, ``21/11``).
_BARE_NUMBER = re.compile(r"(?<![\w₹./-])\d{1,3}(?![\w./-])")
#: A payment's day corrected to today (a day before today is ``paid_on``).
_TODAY = re.compile(r"\b(?:today|aaj)\b")
#: The outcomes whose values a correction may change (their verb starts the re-reading).
_CORRECTABLE = ("pledged", "paid")


def answer_correction(ctx: TurnContext) -> Reply | None:
    """The read-back of a correction of the last entry, or ``None`` if this is not one."""
    said = clean(ctx.text).lower()
    low = _NO_NO.sub("", said)
    entry = ctx.state.last_entry
    if entry is None or ctx.now - entry.at > UNDO_WINDOW:
        return None
    negated = _NOT_OUTCOME.search(low)
    tz = operator_tz(ctx.user, ctx.project)
    report = read_report(ctx.text, ctx.now, tz)
    marked = low != said or bool(CORRECTION.search(low) or report.corrected)
    # A different outcome ("actually no answer", "not pledged, just spoke") is about the
    # donor on screen: a correction of the last entry only while that donor is still the
    # current one. New values of the same outcome need a word of correction.
    on_entry = ctx.state.current_contact_id == entry.contact_id
    if not (marked or (negated is not None and on_entry)):
        return None
    if last_turn_id(ctx.scope, ctx.user) != entry.turn_id:
        return None  # undone since, or something else written after it
    old = ctx.scope.get(Contact, entry.contact_id)
    if old is None:
        return None
    old_args = load_args(entry.args)
    contact, args = old, None
    if negated is None:
        contact, args = _corrected(ctx, low, old, old_args)
    if args is None and report.corrected and on_entry:
        args = _said_again(report, old_args)
    if args is None and on_entry:
        contact, args = old, _changed_outcome(ctx, low, negated, old_args)
    if args is None or (contact.id, args) == (old.id, old_args):
        return None
    question = [
        f"Correct the last entry: {old.display_name} – {read_back(old_args, tz)}",
        f"→ {contact.display_name} – {read_back(args, tz)}?",
    ]
    if args.get("amount") is not None and args["amount"] != old_args.get("amount"):
        risk = implausible_amount(
            ctx.scope, contact, args["outcome"], args["amount"], limits_for(ctx)
        )
        if risk is not None:
            question.append(f"- {risk.warning}")
    kept = {"turn_id", "followup_id"}
    if args["outcome"] == old_args["outcome"]:
        kept.add("revise_pledge_id")  # a pledge that updated an open one still does
    ids = entry.model_dump(mode="json", include=kept)
    payload = {"contact_id": str(contact.id), "args": dump_args(args), **ids}
    reply = ask(ctx, KIND, "\n".join(question), payload)
    reply.meta.update(engine="rules:correction")
    return reply


def _corrected(
    ctx: TurnContext, low: str, old: Contact, old_args: dict[str, Any]
) -> tuple[Contact, dict[str, Any] | None]:
    """The entry with the new values ``low`` says, or moved to the donor it names."""
    low = _in_thousands(low, old_args.get("amount"))
    if not _old_values_fit(low, old_args):
        return old, None  # "sorry 20k not 30k" after a ₹25,000 pledge: which is meant?
    without = _MARKERS.sub(" ", _OLD_VALUE.sub(" ", low))
    rest = " ".join(re.sub(r"(?<!\d),|,(?!\d)", " ", without).split())
    if not rest:
        return old, None
    own_name = set(old.display_name.lower().split())
    values = " ".join(w for w in rest.split() if w not in own_name)  # "Meera's pledge is 40k"
    other = _other_donor(ctx, rest, old)
    if other is not None:
        return other, dict(old_args)
    return old, _new_values(ctx, values, old_args) if values else None


def _said_again(report: Reading, old_args: dict[str, Any]) -> dict[str, Any] | None:
    """The entry reported again with a correction inside it (``pledged 25k, sorry 20k``
    after that ₹25,000 pledge, ``paid 10k upi not cash``): the report in its place."""
    new, problems = merge(report)
    if new is None or problems or report.unread or new["outcome"] != old_args["outcome"]:
        return None
    return new


def _changed_outcome(
    ctx: TurnContext, low: str, negated: re.Match[str] | None, old_args: dict[str, Any]
) -> dict[str, Any] | None:
    """The outcome the message reports in place of the entry's: ``not pledged, just
    spoke``, ``actually no answer``, ``no wait, he said call back monday``.

    An outcome the message says did not happen must be the entry's. A pledge or payment
    in its place needs its amount said (``actually she picked up and pledged 10k``),
    except that ``didn't pay, only pledged`` keeps the entry's amount; an entry that was
    a pledge paid in the same breath is not changed this way (is the payment wrong too?).
    """
    if old_args.get("received") is not None:
        return None
    if negated is not None:
        word = negated["en"] or negated["hi"]
        named = next((o for prefix, o in _NEGATED if word.startswith(prefix)), "wrong_number")
        if named != old_args["outcome"]:
            return None
    rest = _APOLOGY.sub(" ", _NOT_OUTCOME.sub(" ", low))
    tz = operator_tz(ctx.user, ctx.project)
    reading = read_report(rest, ctx.now, tz)
    kept_amount = old_args["outcome"] == "paid" and reading.pledge is None
    if kept_amount and "pledge" in reading.verbs and not reading.paid:
        reading = read_report(f"{rest} {old_args['amount']}", ctx.now, tz)  # only pledged
    new, problems = merge(reading)
    if new is None or problems or reading.unread or new["outcome"] == old_args["outcome"]:
        return None
    return new


def _in_thousands(low: str, amount: Decimal | None) -> str:
    """``21 nahi 31`` against a ₹21,000 entry: bare numbers counted in thousands, as the
    operator counts them (``21k nahi 31k``), when the old value said is the entry's
    amount in thousands. The read-back shows the amounts in full."""
    if amount is None or amount % 1000 or not 1000 <= amount < 1_000_000:
        return low
    old = _OLD_VALUE.search(low)
    said = old and (old["negated"] or old["old"] or old["written"] or "").strip()
    if said != str(amount // 1000):
        return low
    return _BARE_NUMBER.sub(lambda m: m[0] + "k", low)


def _old_values_fit(low: str, old_args: dict[str, Any]) -> bool:
    """An old amount the correction names (``not 30k``) must be the entry's."""
    for match in _OLD_VALUE.finditer(low):
        said = find_amounts(match["negated"] or match["old"] or match["written"] or "")
        if said and said != [old_args.get("amount")]:
            return False
    return True


def _other_donor(ctx: TurnContext, rest: str, old: Contact) -> Contact | None:
    """``that was Vikram not Ravi``: every word left is one other donor's name."""
    named = find_named(ctx.scope, [rest])
    if len(named.contacts) != 1 or named.leftover or named.contacts[0].id == old.id:
        return None
    return named.contacts[0] if is_reachable(named.contacts[0]) else None


def _new_values(ctx: TurnContext, rest: str, old_args: dict[str, Any]) -> dict[str, Any] | None:
    """The last pledge or payment with what ``rest`` says instead (amount, date, method)."""
    verb = old_args["outcome"]
    if verb not in _CORRECTABLE or old_args.get("received") is not None:
        return None  # a pledge paid in the same breath: which amount is meant is a guess
    if len(find_amounts(rest)) > 1:
        return None
    tz = operator_tz(ctx.user, ctx.project)
    # The new amount, or (no amount said) the old one with the new date, method or
    # reference: "by" lets a bare date be the pledge's ("change the date to 15 Dec").
    # A payment's day is said with its verb ("kal diya tha"): no "by" before it.
    with_amount = f"{old_args['amount']} {'' if verb == 'paid' else 'by '}"
    for words in (rest, with_amount + rest.removeprefix("by ")):
        reading = read_report(f"{verb} {words}", ctx.now, tz)
        new, problems = merge(reading)
        if new is not None and not (problems or reading.unread or _unsure(reading, verb)):
            break
    else:
        return None
    if reading.outcomes or new["outcome"] != old_args["outcome"]:
        return None
    args = dict(old_args)
    args["amount"] = new["amount"]
    for key in ("expected_by", "method", "method_name", "reference", "followup_at", "paid_on"):
        if key in new:
            args[key] = new[key]
    if "method" in new and "method_name" not in new:
        args.pop("method_name", None)
    if "paid_on" not in new and _TODAY.search(rest):  # "sorry, it was today"
        args.pop("paid_on", None)
    return args


def _unsure(reading: Reading, verb: str) -> list[str]:
    """What the re-reading took softly, besides the entry's own verb said again (``kal
    diya tha``) and a payment's day, which a correction reads back anyway."""
    again = ("soft", "paid" if verb == "paid" else "pledge")
    return [
        w for w in reading.soft if w != reading.paid_on_words and PHRASES.get(w.lower()) != again
    ]


def confirm_correction(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """``yes``: revert the last entry's turn and write the corrected outcome in its place."""
    contact = ctx.scope.get(Contact, payload.get("contact_id"))
    if contact is None:
        raise OutcomeError("that contact no longer exists")
    args = load_args(payload["args"])
    revert_turn_for_correction(ctx.scope, ctx.user, uuid.UUID(payload["turn_id"]), ctx.now)
    ctx.state.select_contact(contact.id, ctx.now)
    revision = payload.get("revise_pledge_id")
    reply = write_outcome(
        ctx,
        contact,
        args,
        revise_pledge_id=uuid.UUID(revision) if revision else None,
        followup_id=payload.get("followup_id"),
    )
    reply.text = f"Corrected. {reply.text}"
    return reply
