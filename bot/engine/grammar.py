"""Parsing operator messages into commands.

The message is cleaned first (:mod:`bot.engine.normalise`: emoji, politeness, case);
the word tables are in :mod:`bot.engine.vocabulary`; one-letter typos in the first word
are forgiven (``pledgd``, ``stast``). Outcome reports — one part (``pledged 25k by
fri``) or several (``spoke, pledged 25k by fri``; ``busy, call back at 6pm``) — are read
by :func:`bot.engine.reading.read_report` and become one ``outcome`` command when every
word was read as a documented command form. A message that starts like a command but
cannot be read becomes an ``invalid`` command naming the part it could not read; a
message that is not a command at all gives ``None`` (a free-text report, the model, or
"did you mean" may take it). Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.amounts import match_amount
from bot.engine.normalise import amount_in_words, clean, fold, is_question, one_slip
from bot.engine.reading import PHRASES, Reading, read_report
from bot.engine.report import merge
from bot.engine.vocabulary import OUTCOME_WORDS, SIMPLE, WHEN_NOTES
from bot.engine.when import parse_moment
from bot.engine.when_rules import WhenError
from bot.engine.wording import quote

POLITE = re.compile(r"\s*(?:please|pls|plz|bhai|ji)?[\s.!?]*$")
#: ``note to self: …``: a reminder for the operator, not a note on the donor.
_TO_SELF = re.compile(r"(?:to|for)\s+(?:self|myself|me|my\s*self)\b")
NOTE_SEP = re.compile(r"^\s*[:\-–,.]\s*(.+)$", re.S)

FORMS = {
    "pledge": "pledged 25k [by fri]",
    "paid": "paid 10000 [upi|bank|cash|card|cheque] [ref UTR]",
    "callback": "call back tomorrow 5pm",
    "outcome": "spoke, pledged 25k by fri",
    "find": "find NAME",
    "note": "note TEXT",
    "snooze": "snooze 2 2h",
}
FORMS.update(pledged=FORMS["pledge"], reschedule=FORMS["callback"])
ACCEPTED = (
    "next · skip · due · stats · undo · end · start [campaign] · find NAME · note TEXT · "
    "na · spoke · pledged 25k [by fri] · paid 10000 upi [ref UTR] · declined · "
    "call back tomorrow 5pm · wrong number · dnc · help"
)
#: Money verbs that are commands even without a number after them.
STRONG_VERBS = ("pledged", "pledge", "paid")


@dataclass
class Command:
    """A parsed operator command; ``name == "invalid"`` carries the ``error`` to show."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _invalid(error: str, form: str) -> Command:
    sep = " " if error.endswith((".", "?", "!")) else ". "
    return Command("invalid", {"form": form}, error=f"{error}{sep}Try: {form}")


def _phrase(text: str, phrases: tuple[str, ...]) -> tuple[str, str] | None:
    """The phrase ``text`` starts with (longest first) and the raw rest."""
    for phrase in sorted(phrases, key=len, reverse=True):
        if text == phrase or (text.startswith(phrase) and not text[len(phrase)].isalnum()):
            return phrase, text[len(phrase) :]
    return None


def _vocabulary() -> list[str]:
    words = {p.split()[0] for group in SIMPLE.values() for p in group}
    strict = ("outcome", "pledge", "paid", "callback")
    words |= {p.split()[0] for p, (kind, _) in PHRASES.items() if kind in strict}
    return sorted(w for w in words | {"find", "note", "start", "done", "snooze"} if len(w) >= 4)


#: Ordinary words one letter away from a keyword that must stay free text.
NOT_TYPOS = {
    "nope",
    "none",
    "good",
    "okay",
    "sure",
    "also",
    "what",
    "when",
    "that",
    "this",
    "then",
    "time",
    "date",
    "name",
    "last",
    "best",
    "cool",
    "nice",
    "post",
    "tone",
    "agle",  # "agle hafte", "agle somvar": next week, next Monday (not the command "agla")
    "agli",
}


def _fix_typo(text: str, original: str) -> tuple[str, str]:
    """Replace a misspelt first word (in both spellings of the message) with its keyword."""
    match = re.match(r"[a-z]+", text)
    first = match[0] if match else ""
    vocabulary = _vocabulary()
    if len(first) < 4 or first in vocabulary or first in NOT_TYPOS:
        return text, original
    matches = sorted((abs(len(w) - len(first)), w) for w in vocabulary if one_slip(first, w))
    if not matches or (len(matches) > 1 and matches[0][0] == matches[1][0]):
        return text, original  # no keyword, or two equally close ones: do not guess
    keyword = matches[0][1]
    return keyword + text[len(first) :], keyword + original[len(first) :]


def normalise(text: str) -> str:
    return fold(text or "")


def parse_command(text: str, now: datetime, tz: ZoneInfo) -> Command | None:
    """Read ``text`` as a command, or ``None`` when it is not one (free text)."""
    original = clean(re.sub(r"\s+", " ", (text or "").strip()))
    lowered, original = _fix_typo(normalise(original), original)
    if not lowered:
        return None
    parsers = [_simple, _nudge, _start_find_note, _noted_outcome, _report]
    if is_question(original):  # "busy?", "dnc?": asked, not reported; nothing is written
        parsers = parsers[:3]
    elif amount_in_words(text):
        # "pledged twenty five thousand": an amount in words is read back (free text),
        # never written as a command
        parsers = parsers[:3]
    for parser in parsers:
        command = parser(lowered, original, now, tz)
        if command is not None:
            return command
    return None


def _simple(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    for name, phrases in SIMPLE.items():
        hit = _phrase(text, phrases)
        if hit and POLITE.fullmatch(hit[1]):
            return Command(name)
    return None


#: How far apart a snooze's words are read twice to tell a length of time from a moment.
_PROBE = timedelta(minutes=37)


def _nudge(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    match = re.fullmatch(r"(done|skip|snooze)\s+(?:#\s*|no\.?\s*)?(\d{1,2})(?:\s+(.+))?", text)
    flipped = re.fullmatch(r"#?(\d{1,2})\s+(done|skip)", text)  # "2 done"
    if flipped:
        return _nudge(f"{flipped[2]} {flipped[1]}", original, now, tz)
    if not match:
        return None
    verb, index, rest = match[1], int(match[2]), match[3]
    if index < 1:
        return _invalid("number the follow-up from 1", FORMS["snooze"])
    if verb == "snooze":
        try:
            until = parse_moment(rest or "1h", now, tz)
            # A length of time ("2h", "aadhe ghante baad") reads the same from any moment:
            # it postpones from the follow-up's own time, not from now.
            later = now + _PROBE
            relative = parse_moment(rest or "1h", later, tz) - later == until - now
        except WhenError as exc:
            return _invalid(str(exc), "snooze 2 2h · snooze 2 tomorrow")
        delay = until - now if relative else None
        return Command("nudge_snooze", {"index": index, "until": until, "delay": delay})
    if rest:
        return None
    return Command(f"nudge_{verb}", {"index": index})


def _start_find_note(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    match = re.match(r"[a-z]+", text)
    first = match[0] if match else ""
    if text[len(first) : len(first) + 1].isalnum():
        return None
    raw_rest = original[len(first) :].strip(" :-–")
    rest = raw_rest.lower()
    if first in ("start", "shuru", "begin"):
        return Command("start", {"campaign": raw_rest or None})
    if first in ("find", "search", "dhundo", "lookup"):
        if not rest.strip():
            return _invalid("find needs a name or number", FORMS["find"])
        return Command("find", {"query": raw_rest})
    if first in ("note", "notes"):
        note = raw_rest
        if not note:
            return _invalid("note needs some text", FORMS["note"])
        if _TO_SELF.match(rest):
            return _invalid("a note is saved on the current contact, not for you", FORMS["note"])
        return Command("note", {"text": note})
    return None


#: What may follow a refusal or a missed call as its note with no comma (``not interested
#: this year``, ``busy in a meeting``).
NOTE_TAILS = re.compile(r"\s+(" + "|".join(map(re.escape, WHEN_NOTES)) + r")$")


def _only_a_note(outcome: str, reading: Reading) -> bool:
    """Whether what follows an outcome records nothing more than the outcome itself
    (``spoke: will think about it`` is a conversation without an answer yet, a spoke)."""
    if reading.pledge or reading.paid or reading.callback or reading.strict:
        return False
    return set(reading.outcomes) <= {outcome}


def _noted_outcome(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    """``spoke``, ``na``, or ``declined, gave last month`` (an outcome and a note)."""
    for outcome, phrases in OUTCOME_WORDS.items():
        hit = _phrase(text, phrases)
        if hit is None:
            continue
        if POLITE.fullmatch(hit[1]):
            return Command("outcome", {"outcome": outcome})
        note = NOTE_SEP.match(original[len(hit[0]) :]) if len(original) > len(hit[0]) else None
        if note and note[1].strip() and _only_a_note(outcome, read_report(note[1], now, tz)):
            return Command("outcome", {"outcome": outcome, "summary": note[1].strip()})
        tail = NOTE_TAILS.fullmatch(hit[1].rstrip(" .!"))
        if tail and outcome in ("declined", "no_response"):
            return Command("outcome", {"outcome": outcome, "summary": tail[1]})
        return None  # "spoke, pledged 25k" is a compound report; "spoke to Anita" free text
    slipped = _slipped_outcome(POLITE.sub("", text))
    return Command("outcome", {"outcome": slipped}) if slipped else None


def _slipped_outcome(text: str) -> str | None:
    """The outcome whose phrase ``text`` is, with a slip in its longer words (``no answr``,
    ``not intrested``); ``None`` if no phrase or two outcomes are that close."""
    words = text.split()
    found = {
        outcome
        for outcome, phrases in OUTCOME_WORDS.items()
        for phrase in phrases
        if len(phrase.split()) == len(words) > 1
        and all(
            w == p or (len(p) >= 5 and one_slip(w, p))
            for w, p in zip(words, phrase.split(), strict=True)
        )
    }
    return found.pop() if len(found) == 1 else None


def _first_verb(text: str) -> str | None:
    """The command phrase the message starts with, amount first or not (``25k pledged``)."""
    try:
        amount = match_amount(text)
    except ValueError:
        amount = None
    start = len(text) - len(text[amount[1] :].lstrip()) if amount else 0
    for phrase in sorted(PHRASES, key=len, reverse=True):
        kind = PHRASES[phrase][0]
        rest = text[start + len(phrase) : start + len(phrase) + 1]
        if text.startswith(phrase, start) and not rest.isalnum() and rest != "/":
            return phrase if kind in ("outcome", "pledge", "paid", "callback") else None
    return None


def _kind(phrase: str) -> str:
    return PHRASES[phrase][0]


def _report(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    """An outcome report made only of command forms, on the current contact."""
    verb = _first_verb(text)
    if verb is not None:
        soft_money = _kind(verb) in ("pledge", "paid") and verb not in STRONG_VERBS
        if soft_money and not re.search(r"\d", text):
            return None  # "got it", "promised to think": ordinary speech, not a command
        if _kind(verb) == "paid" and (nudged := _nudge_paid(text, original, now, tz)):
            return nudged
    reading = read_report(original, now, tz)
    if not reading.strict or reading.narrative:
        return None  # a story around the report is read back as free text, with its note
    form = FORMS.get(PHRASES[reading.strict[0]][0], FORMS["outcome"])
    if reading.unread or reading.soft or reading.pronoun:
        if verb is None:
            return None  # "phone switched off" reads; "Ravi ne 10k diya" is free text
        unread = " ".join(quote(u) for u in reading.unread) or "all of that"
        return _invalid(f"I could not read {unread}", form)
    args, problems = merge(reading)
    if problems:
        return _invalid(problems[0], form)
    return Command("outcome", args) if args else None


def _nudge_paid(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    """``paid 2 10k upi``: a payment on follow-up 2 of the last list."""
    # "paid 2 10k upi", "paid 2 - 10000", "paid 2: 10000 cash" (not "paid 2-3k": a range)
    match = re.fullmatch(r"(?:paid|received)\s+(\d)(?:\s+[-:]\s*|:\s*|\s+)(.+)", text)
    if not match:
        return None
    try:
        if match_amount(match[2]) is None:
            return None
    except ValueError:
        return None
    command = _report(f"paid {match[2]}", f"paid {original[match.start(2) :]}", now, tz)
    if command is None or command.name != "outcome":
        return command
    return Command("nudge_paid", {"index": int(match[1]), **command.args})
