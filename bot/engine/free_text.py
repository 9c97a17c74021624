"""Free-text reports without a model: a sentence naming a donor becomes a read-back.

``spoke to Anita, pledged 25k, pays Friday`` · ``Ravi ne 10k diya gpay se`` · ``called
Meera - no answer, try kal shaam``: :func:`answer_report` reads the sentence
(:func:`~bot.engine.reading.read_report`), finds the donor among the project's contacts
by the words no rule read, adds the parts up (:func:`~bot.engine.report.merge`) and
reads the proposal back in one line. Nothing is written until the operator answers
``yes``/``haan`` (or the number of the right donor when the name fits several);
:func:`confirm_report` then writes it whole in the confirmation's savepoint.

=============================== =====================================================
the sentence                    the answer
=============================== =====================================================
names one contact               "Record for Anita Sharma: pledged ₹25,000 by Fri 27
                                Nov? Reply yes to save, no to cancel."
names several                   "Which Anita? …" with numbered choices
names nobody we know            "Nothing recorded – no contact called “Zubin”."
names a do-not-contact donor    "Nothing recorded – Kabir Shah is marked do-not-contact."
has a part we cannot read       "Nothing recorded – I could not read “…”." (with a
                                model configured, the model takes the message instead)
=============================== =====================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func

from bot.engine.amounts import format_money
from bot.engine.cards import primary_phone
from bot.engine.confirm import ask
from bot.engine.held_writes import check_risks, dump_args, load_args, write_outcome
from bot.engine.normalise import is_question
from bot.engine.outcome_text import read_back
from bot.engine.reading import Reading, is_story, read_report
from bot.engine.records import OutcomeError, is_reachable
from bot.engine.report import merge
from bot.engine.timezones import operator_tz
from bot.engine.undo import UNDO_WINDOW, last_turn_id
from bot.engine.vocabulary import FILLERS, PRONOUNS, SELF_CORRECTIONS, WHEN_NOTES
from bot.engine.wording import quote
from bot.models import Contact
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext

KIND = "report"
MAX_CHOICES = 5
#: The longest note kept from the story around a report.
MAX_NOTE = 200
#: Honorifics around a name (``Ravi ji``, ``Meera madam``, ``Mrs Iyer``, ``Dr. Meera``)
#: that are not part of it.
HONORIFICS = {
    *("ji", "sir", "madam", "maam", "sahab", "saheb", "bhai", "didi", "uncle", "aunty"),
    *("mr", "mrs", "ms", "miss", "dr", "smt", "shri", "sri", "shrimati", "prof"),
}


@dataclass
class Named:
    """The donor a sentence names: the words as typed and the contacts they fit."""

    words: str = ""
    contacts: list[Contact] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    unknown: str | None = None


def _tokens(text: str) -> list[str]:
    # Split on spaces and punctuation only: Devanagari vowel signs are not ``\w``.
    return [t for t in re.split(r"[\s,.;:()'\"/&-]+", text.lower()) if t]


def matching_contacts(scope: ProjectScope, words: list[str]) -> list[Contact]:
    """Contacts whose name has every one of ``words`` (a word, or its start from 3 letters)."""
    words = [w.lower() for w in words if w.lower() not in HONORIFICS]
    if not words:
        return []
    longest = max(words, key=len)
    rows = scope.all(
        Contact,
        Contact.deleted_at.is_(None),
        func.lower(Contact.display_name).contains(longest, autoescape=True),
        order_by=Contact.display_name,
        limit=50,
    )

    def fits(contact: Contact) -> bool:
        tokens = _tokens(contact.display_name)
        return all(any(t == w or (len(w) >= 3 and t.startswith(w)) for t in tokens) for w in words)

    return [c for c in rows if fits(c)]


def find_named(scope: ProjectScope, unread: list[str]) -> Named:
    """The first run of unread words that starts with a contact's name (longest first)."""
    for index, run in enumerate(unread):
        words = run.split()
        for size in range(min(4, len(words)), 0, -1):
            contacts = matching_contacts(scope, words[:size])
            if contacts:
                rest = " ".join(w for w in words[size:] if w.lower() not in HONORIFICS)
                leftover = [*unread[:index], *([rest] if rest else []), *unread[index + 1 :]]
                return Named(" ".join(words[:size]), contacts, leftover)
    named = Named(leftover=list(unread))
    if len(unread) == 1 and _looks_like_a_name(unread[0]):
        named.unknown, named.leftover = unread[0], []
    return named


def note_names_someone(scope: ProjectScope, note: str) -> bool:
    """Whether an outcome's note is a donor's name (``dnc - Ravi Kumar``): then the
    report is about that donor, not the current contact, and is read as free text."""
    named = find_named(scope, [note])
    return bool(named.contacts) or named.unknown is not None


def _looks_like_a_name(words: str) -> bool:
    parts = words.split()
    return 1 <= len(parts) <= 3 and all(
        not any(ch.isdigit() for ch in p) and (p[0].isupper() or not p.isascii()) for p in parts
    )


def answer_report(ctx: TurnContext) -> Reply | None:
    """The rules' answer to a report in a sentence, or ``None`` when it is not one we read.

    ``None`` also when a model is configured and the sentence has a part the rules
    cannot read: the model takes it then.
    """
    if is_question(ctx.text):
        return None
    tz = operator_tz(ctx.user, ctx.project)
    reading = read_report(ctx.text, ctx.now, tz)
    if reading.narrative and ctx.runtime.settings.anthropic_api_key:
        return None  # a story is the model's to read (it may also keep it as a memory)
    told = reading.unread or reading.soft or reading.pronoun or reading.narrative
    if not reading.says_something or not told:
        return None
    # A story clause that names a donor is not a story: it may be whose report this is
    # ("so Vikram Singh picked up finally", "update on Ravi Kumar").
    reading.unread += [n for c in reading.narrative if (n := _from_a_name(ctx.scope, c))]
    _other_donor_said_instead(ctx, reading)
    named = find_named(ctx.scope, reading.unread)
    if not (reading.strict or reading.soft or reading.pronoun or named.contacts):
        return None  # "burst 5": no verb, no donor – not a report
    args, problems = merge(reading)
    # "Vikram declined, not interested this year": when, said of a refusal or a missed
    # call, is its note.
    notes = [w for w in named.leftover if w.lower() in WHEN_NOTES]
    if notes and args is not None and args["outcome"] in ("declined", "no_response"):
        named.leftover = [w for w in named.leftover if w not in notes]
    else:
        notes = []
    if named.contacts and _money_to_or_from(reading, named.words):
        problems.append(f"is {named.words} who gave it? send the report on the donor who gave")
    if named.contacts and _two_reports(reading, named.words, ctx.now, tz):
        problems.append(f"that is two reports – send {named.words}'s in a message of its own")
    story: list[str] = []
    if (
        args is not None
        and _named_by_first_name(named)
        and not ctx.runtime.settings.anthropic_api_key
    ):
        # Without a model, words around a report that only tell its story are its note
        # (read back); with one, the model reads the whole message. Words that name
        # another donor are never the story. The donor's own name was whom it was done
        # to ("spoke to meera briefly"): what follows it is not.
        said = named.words.lower()
        reading.roles = [r for r in reading.roles if not (said and r.lower().startswith(said))]
        story = [
            w for w in named.leftover if is_story(reading, w) and _from_a_name(ctx.scope, w) is None
        ]
    problems += [f"I could not read {quote(w)}" for w in named.leftover if w not in story]
    if named.unknown and not problems:
        problems.append(f"no contact called {quote(named.unknown)} – check it with find")
    if problems:
        if ctx.runtime.settings.anthropic_api_key:
            return None
        return _nothing(problems)
    assert args is not None
    if reading.corrected and _corrects_last_entry(ctx, reading, named):
        return None  # "pledged 20k not 25k" after a ₹25,000 entry: the entry's correction
    if reading.narrative or notes or story:
        told = [*_story_clauses(reading, story), *notes]
        args["summary"] = "; ".join(dict.fromkeys(told))[:MAX_NOTE]
    return _propose(ctx, reading, named, args)


#: Correction words that put one value in place of another ("sorry", "no wait", "i mean").
_FIX_PHRASES = sorted((p for p, how in SELF_CORRECTIONS.items() if how == "fix"), key=len)[::-1]


def _other_donor_said_instead(ctx: TurnContext, reading: Reading) -> None:
    """``Ravi Kumar, sorry Vikram Singh, pledged 10k``, ``pledged 20k - meera iyer. no
    wait, vikram singh``: a donor's name, correction words and another donor's name, with
    nothing between them or nothing after the second, leave the second name alone in the
    reading (read back with "not Ravi Kumar")."""
    items: list[str] = []
    for run in reading.unread:
        low = run.lower()
        fix = next((f for f in _FIX_PHRASES if low == f or low.startswith(f + " ")), None)
        items += [run[: len(fix)], run[len(fix) :].strip()] if fix and low != fix else [run]
    said = reading.text.lower()
    index, kept = 0, ""
    given_up: list[str] = []
    while index + 2 < len(items):  # "A sorry B sorry A": each correction in turn
        first, fix, second = items[index : index + 3]
        if _says_instead(ctx, said, first, fix, second):
            del items[index : index + 2]
            given_up.append(first)
            kept = second
            reading.soft.append(fix)
            reading.unread = list(items)
            index = 0
            continue
        index += 1
    # the names given up, but the one kept ("Ravi Kumar, sorry Ravi Kumar" gives up none)
    for name in dict.fromkeys(n for n in given_up if n.lower() != kept.lower()):
        reading.corrected.append((name, kept))


def _says_instead(ctx: TurnContext, said: str, first: str, fix: str, second: str) -> bool:
    """Whether ``first`` and ``second`` are donors' names with ``fix`` between them and
    nothing read between them, or nothing after the second."""
    if fix.lower() not in _FIX_PHRASES or not second:
        return False
    gap = r"[\s,.;:!-]*"
    together = gap.join(re.escape(w.lower()) for w in (first, fix, second))
    last = gap.join(re.escape(w.lower()) for w in (fix, second)) + gap + "$"
    ending = re.search(last, said)
    at_end = ending is not None and said.find(first.lower()) < ending.start()
    if not (re.search(together, said) or at_end):
        return False  # the second name has a report of its own ("…, sorry, Meera paid 5k")
    one, other = find_named(ctx.scope, [first]), find_named(ctx.scope, [second])
    return bool(one.contacts and other.contacts and not (one.leftover or other.leftover))


def _money_to_or_from(reading: Reading, words: str) -> bool:
    """Money said, then the donor's name after "to" (``she paid 10k to Vikram Singh``),
    or after "from" when the rest of a pledge was said (``paid 5k, rest 20k from Vikram
    Singh``: two donors): the name is not who gave it all (``received 10k from Ravi``
    names the giver)."""
    said = reading.text.lower()
    at = said.find(words.lower())
    before = said[:at].split() if at > 0 else []
    if not before or not re.search(r"\d", said[:at]):
        return False
    rest = any(s.startswith("rest ") for s in reading.soft)
    return before[-1] == "to" or (before[-1] == "from" and rest)


def _named_by_first_name(named: Named) -> bool:
    """Whether the donor is the current one or named from the start of their name
    (``Meera``, ``Vikram Singh``): a word that only ends a name (``trust`` of "Shanti
    Trust") is not enough to keep the words around it as a story."""
    if not named.words:
        return True
    first = named.words.split()[0].lower()
    return all(_tokens(c.display_name)[0].startswith(first) for c in named.contacts)


def _from_a_name(scope: ProjectScope, clause: str) -> str | None:
    """``clause`` from the first word that is a contact's first name (``so Vikram Singh
    picked up finally`` → ``Vikram Singh picked up finally``), if one is."""
    words = clause.split()
    for start, word in enumerate(words):
        low = word.lower()
        skipped = low in HONORIFICS or low in FILLERS or low in PRONOUNS
        if len(low) < 3 or not low.isalpha() or skipped:
            continue
        if first_name_contacts(scope, low):
            return " ".join(words[start:])
    return None


def first_name_contacts(scope: ProjectScope, word: str) -> list[Contact]:
    """Live contacts whose name starts with the word ``word`` (``meera`` → "Meera Iyer").

    Read through the ``(project_id, display_name)`` index, as a range from the word to
    the word with its last letter moved one on, once for each way it may be stored (as
    typed, lower case, capitalised, upper case: SQLite compares names byte for byte), so
    a word costs a few index probes, never a scan of the project's contacts.
    """
    found: dict[Any, Contact] = {}
    for prefix in dict.fromkeys((word, word.lower(), word.capitalize(), word.upper())):
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        for contact in scope.all(
            Contact,
            Contact.display_name >= prefix,
            Contact.display_name < after,
            Contact.deleted_at.is_(None),
            limit=MAX_CHOICES * 10,
        ):
            if _tokens(contact.display_name)[:1] == [word.lower()]:
                found[contact.id] = contact
    return list(found.values())


def _story_clauses(reading: Reading, words: list[str]) -> list[str]:
    """The story clauses and those the story words stand in, in the message's order (a
    note reads as the operator wrote it: "said she will do 25k for the school kits")."""
    return [c for c in reading.clauses if c in reading.narrative or any(w in c for w in words)]


def _corrects_last_entry(ctx: TurnContext, reading: Reading, named: Named) -> bool:
    """Whether a value the report corrects is the operator's last entry's, on its donor:
    then the message corrects that entry (:mod:`bot.engine.corrections`) rather than
    reporting a new outcome."""
    entry = ctx.state.last_entry
    if entry is None or ctx.now - entry.at > UNDO_WINDOW:
        return False
    if last_turn_id(ctx.scope, ctx.user) != entry.turn_id:
        return False
    donors = {c.id for c in named.contacts} if named.words else {ctx.state.current_contact_id}
    if entry.contact_id not in donors:
        return False
    args = load_args(entry.args)
    held = {str(args.get(key)) for key in ("method_name", "method")}
    if args.get("amount") is not None:
        held.add(format_money(args["amount"]))
    return any(old in held for old, _ in reading.corrected)


def _two_reports(reading: Reading, name: str, now: Any, tz: Any) -> bool:
    """A report, then a donor's name with a report of its own (``pledged 20k, also Vikram
    paid 5k``): two donors' records in one message, never all put on the named one."""
    clauses = reading.clauses
    at = next((i for i, c in enumerate(clauses) if name.lower() in c.lower()), None)
    if not at or not read_report(clauses[at], now, tz).records_something:
        return False
    return any(_records_more_than_a_call(read_report(c, now, tz)) for c in clauses[:at])


def _records_more_than_a_call(reading: Reading) -> bool:
    """Money, a call back or an outcome other than ``spoke`` ("spoke - Meera will pay…" is
    one report about Meera)."""
    said = reading.pledge or reading.paid or reading.callback
    return reading.records_something and bool(said or set(reading.outcomes) - {"spoke"})


def _nothing(problems: list[str]) -> Reply:
    text = "Nothing recorded – " + "; ".join(dict.fromkeys(problems))
    return Reply(text if text.endswith(("?", ".")) else text + ".", None, _meta(refused=True))


def _meta(**extra: Any) -> dict[str, Any]:
    return {"engine": "rules:report", **extra}


def _propose(ctx: TurnContext, reading: Reading, named: Named, args: dict[str, Any]) -> Reply:
    """Read the proposal back and hold it behind ``yes`` (or a number)."""
    tz = operator_tz(ctx.user, ctx.project)
    said = read_back(args, tz)
    if reading.corrected:  # "pledged 25k, sorry 20k": show which value was given up
        said += " (not " + ", ".join(old for old, _ in reading.corrected) + ")"
    if args.get("summary"):
        said += f", note {quote(args['summary'], MAX_NOTE)}"
    contacts = named.contacts
    if not named.words:
        current = (
            ctx.scope.get(Contact, ctx.state.current_contact_id)
            if ctx.state.current_contact_id
            else None
        )
        if current is None:
            return _nothing(["which donor? Send find NAME (or next) first, or write the name"])
        contacts = [current]
    reachable = [c for c in contacts if is_reachable(c)]
    if not reachable:
        return _nothing([f"{contacts[0].display_name} is marked do-not-contact"])
    if len(reachable) > MAX_CHOICES:
        return _nothing(
            [f"{len(reachable)} contacts match {quote(named.words)}; write the full name"]
        )
    payload = {"contact_ids": [str(c.id) for c in reachable], "args": dump_args(args)}
    if len(reachable) == 1:
        reply = ask(ctx, KIND, f"Record for {reachable[0].display_name}: {said}?", payload)
    else:
        options = [f"{c.display_name} · {_phone_tail(ctx.scope, c)}" for c in reachable]
        reply = ask(
            ctx, KIND, f"Which {named.words}? Then record: {said}.", payload, options=options
        )
    reply.meta.update(_meta(asked=KIND))
    return reply


def _phone_tail(scope: ProjectScope, contact: Contact) -> str:
    phone = primary_phone(scope, contact)
    return f"…{phone[-4:]}" if phone[-4:].isdigit() else phone


def confirm_report(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """Write a confirmed free-text report (the confirmer of :data:`KIND`)."""
    ids = payload["contact_ids"]
    contact = ctx.scope.get(Contact, ids[(choice or 1) - 1])
    if contact is None:
        raise OutcomeError("that contact no longer exists")
    args = load_args(payload["args"])
    tz = operator_tz(ctx.user, ctx.project)
    if args.get("expected_by") and args["expected_by"] < ctx.now.astimezone(tz).date():
        raise OutcomeError("that payment date has already passed")
    # The read-back confirmed the reading; the risk rules (a second pledge, an amount
    # above the ceiling, another operator's call) still ask, as for a command.
    held = check_risks(ctx, contact, args, named=True)
    if held is not None:
        return held
    ctx.state.current_contact_id = contact.id
    return write_outcome(ctx, contact, args)
