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
``Ravi … pledged 10k``: ``that was Vikram``    the same entry on Vikram Singh
============================================  =========================================

Nothing is written before ``yes``. Then the last turn is reverted exactly as ``undo``
reverts it and the corrected outcome is written in the same transaction; a later
``undo`` undoes the correction (the entry as it was comes back), and the one after it
the entry. A correction that says anything else (another
outcome, a word no rule reads, two new amounts) is not guessed at: the reply says to
``undo`` and send the report again.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from bot.engine.amounts import find_amounts
from bot.engine.confirm import ask
from bot.engine.free_text import find_named
from bot.engine.held_writes import dump_args, limits_for, load_args, write_outcome
from bot.engine.normalise import clean
from bot.engine.outcome_text import read_back
from bot.engine.reading import read_report
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
    r"|cheque|chq)|(?:that|it)\s+(?:was|is)|likha)\b|\bnot\s+[₹\d]"
)
#: The old value after "not" (``20k not 25k``, ``cash not upi``, ``not Ravi``), or
#: before "likha" ("wrote": ``galti se 25k likha, 20k hai``).
_OLD_VALUE = re.compile(
    r"\b(?:not|instead\s+of|rather\s+than|nahi)\s+(?P<old>(?:₹\s*|rs\.?\s*)?[\w/.,-]+)"
    r"(?:\s+[a-z]+)?|(?P<written>(?:₹\s*|rs\.?\s*)?[\w/.,-]+)\s+likha\b"
)
#: Words that only say "this corrects": dropped before the new values are read.
_MARKERS = re.compile(
    r"\b(?:sorry|actually|correction|correct|instead|change[ds]?|edit(?:ed)?|wrong|oops|galti"
    r"|typo|i\s+mean|meant|make\s+it|it\s+was|it\s+is|that\s+was|should\s+be|to\s+be|was|is"
    r"|it|its|the|that|this|amount|pledge|payment|date|donor|person|entry|last|one|to|by\s+mistake"
    r"|my\s+bad|please|pls|ji|he|she|they|him|her|from|of|in|increased|reduced|add|for|se"
    r"|hai|tha|thi)\b"
)
#: The outcomes whose values a correction may change (their verb starts the re-reading).
_CORRECTABLE = ("pledged", "paid")


def answer_correction(ctx: TurnContext) -> Reply | None:
    """The read-back of a correction of the last entry, or ``None`` if this is not one."""
    low = clean(ctx.text).lower()
    entry = ctx.state.last_entry
    if entry is None or not CORRECTION.search(low) or ctx.now - entry.at > UNDO_WINDOW:
        return None
    if last_turn_id(ctx.scope, ctx.user) != entry.turn_id:
        return None  # undone since, or something else written after it
    old = ctx.scope.get(Contact, entry.contact_id)
    if old is None:
        return None
    old_args = load_args(entry.args)
    if not _old_values_fit(low, old_args):
        return None  # "sorry 20k not 30k" after a ₹25,000 pledge: which entry is meant?
    without = _MARKERS.sub(" ", _OLD_VALUE.sub(" ", low))
    rest = " ".join(re.sub(r"(?<!\d),|,(?!\d)", " ", without).split())
    if not rest:
        return None
    own_name = set(old.display_name.lower().split())
    values = " ".join(w for w in rest.split() if w not in own_name)  # "Meera's pledge is 40k"
    other = _other_donor(ctx, rest, old)
    contact = other or old
    args: dict[str, Any] | None = dict(old_args) if other is not None else None
    if other is None and values:
        args = _new_values(ctx, values, old_args)
    if args is None or (contact.id, args) == (old.id, old_args):
        return None
    tz = operator_tz(ctx.user, ctx.project)
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
    ids = entry.model_dump(mode="json", include={"turn_id", "followup_id", "revise_pledge_id"})
    payload = {"contact_id": str(contact.id), "args": dump_args(args), **ids}
    reply = ask(ctx, KIND, "\n".join(question), payload)
    reply.meta.update(engine="rules:correction")
    return reply


def _old_values_fit(low: str, old_args: dict[str, Any]) -> bool:
    """An old amount the correction names (``not 30k``) must be the entry's."""
    for match in _OLD_VALUE.finditer(low):
        said = find_amounts(match["old"] or match["written"] or "")
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
    for words in (rest, f"{old_args['amount']} by {rest.removeprefix('by ')}"):
        reading = read_report(f"{verb} {words}", ctx.now, tz)
        new, problems = merge(reading)
        if new is not None and not (problems or reading.unread or reading.soft):
            break
    else:
        return None
    if reading.outcomes or new["outcome"] != old_args["outcome"]:
        return None
    args = dict(old_args)
    args["amount"] = new["amount"]
    for key in ("expected_by", "method", "method_name", "reference", "followup_at"):
        if key in new:
            args[key] = new[key]
    if "method" in new and "method_name" not in new:
        args.pop("method_name", None)
    return args


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
