"""Parsing operator messages into commands: the tables of words we accept.

Case-insensitive; English and Hinglish short forms; one-letter typos in the first
word are forgiven (``pledgd``, ``stast``). A message that starts like a command but
whose arguments cannot be read becomes an ``invalid`` command carrying a specific
"did you mean"; a message that is not a command at all gives ``None`` (the model, if
configured, may take it). Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.amounts import AMOUNT_FORMS, AmountError, looks_like_amount, parse_amount
from bot.engine.when import WhenError, parse_day, parse_moment

#: Commands that take no argument, and every way of typing them.
SIMPLE = {
    "help": ("help", "h", "?", "menu", "commands", "madad"),
    "next": ("next", "n", "nxt", "nex", "agla", "aage", "next one", "next contact"),
    "skip": ("skip", "chhodo", "chodo", "pass", "later"),
    "due": ("due", "followups", "follow ups", "follow-ups", "fu", "pending", "due list"),
    "stats": ("stats", "stat", "score", "progress", "hisaab", "hisab", "kitna hua"),
    "undo": ("undo", "oops", "galti", "undo last", "wapas"),
    "end": ("end", "stop", "bye", "khatam", "finish", "done for today", "end session"),
    "admin_login": ("admin login", "admin", "dashboard", "login link"),
}
#: Outcomes with no argument (an optional note may follow ``:``, ``-`` or ``,``).
OUTCOME_WORDS = {
    "no_response": (
        "no answer",
        "na",
        "n/a",
        "noans",
        "no ans",
        "no response",
        "nr",
        "not answering",
        "not picking",
        "didnt pick",
        "didn't pick",
        "busy",
        "switched off",
        "switch off",
        "not reachable",
        "unreachable",
        "nahi uthaya",
        "phone nahi uthaya",
        "no reply",
        "ringing",
    ),
    "spoke": ("spoke", "talked", "connected", "baat hui", "baat ho gayi", "spoken"),
    "declined": (
        "declined",
        "decline",
        "refused",
        "not interested",
        "said no",
        "mana",
        "mana kar diya",
        "nahi chahiye",
    ),
    "wrong_number": ("wrong number", "wrong no", "wrong num", "wrong", "wn", "galat number"),
    "do_not_contact": (
        "dnc",
        "do not contact",
        "do not call",
        "dont call",
        "don't call",
        "dnd",
        "unsubscribe",
    ),
}
PLEDGE_WORDS = ("pledged", "pledge", "committed", "commit", "promised", "pledge kiya")
PAID_WORDS = ("paid", "received", "got", "payment", "mil gaya", "aa gaya")
CALLBACK_WORDS = (
    "call back",
    "callback",
    "call later",
    "call again",
    "cb",
    "reschedule",
    "resched",
    "baad mein call",
    "baad me call",
    "phir call",
)
METHODS = {
    "upi": "upi",
    "gpay": "upi",
    "phonepe": "upi",
    "paytm": "upi",
    "bank": "bank",
    "neft": "bank",
    "imps": "bank",
    "rtgs": "bank",
    "transfer": "bank",
    "cash": "cash",
    "card": "card",
    "cheque": "other",
    "check": "other",
    "other": "other",
}
POLITE = re.compile(r"\s*(?:please|pls|plz|bhai|ji)?[\s.!?]*$")
NOTE_SEP = re.compile(r"^\s*[:\-–,]\s*(.+)$", re.S)

FORMS = {
    "pledged": "pledged 25k [by fri]",
    "paid": "paid 10000 [upi|bank|cash|card] [ref UTR]",
    "reschedule": "call back tomorrow 5pm",
    "find": "find NAME",
    "note": "note TEXT",
    "snooze": "snooze 2 2h",
}
ACCEPTED = (
    "next · skip · due · stats · undo · end · start [campaign] · find NAME · note TEXT · "
    "na · spoke · pledged 25k [by fri] · paid 10000 upi [ref UTR] · declined · "
    "call back tomorrow 5pm · wrong number · dnc · help"
)


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
    words = {p.split()[0] for group in (*SIMPLE.values(), *OUTCOME_WORDS.values()) for p in group}
    words |= {p.split()[0] for p in (*PLEDGE_WORDS, *PAID_WORDS, *CALLBACK_WORDS)}
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
}


def _one_slip(word: str, keyword: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if word == keyword or abs(len(word) - len(keyword)) > 1:
        return False
    if len(word) == len(keyword):
        diff = [i for i, (a, b) in enumerate(zip(word, keyword, strict=True)) if a != b]
        swapped = (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == keyword[diff[1]]
            and word[diff[1]] == keyword[diff[0]]
        )
        return len(diff) == 1 or swapped
    short, long = sorted((word, keyword), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _fix_typo(text: str, original: str) -> tuple[str, str]:
    """Replace a misspelt first word (in both spellings of the message) with its keyword."""
    match = re.match(r"[a-z]+", text)
    first = match[0] if match else ""
    vocabulary = _vocabulary()
    if len(first) < 4 or first in vocabulary or first in NOT_TYPOS:
        return text, original
    matches = sorted((abs(len(w) - len(first)), w) for w in vocabulary if _one_slip(first, w))
    if not matches or (len(matches) > 1 and matches[0][0] == matches[1][0]):
        return text, original  # no keyword, or two equally close ones: do not guess
    keyword = matches[0][1]
    return keyword + text[len(first) :], keyword + original[len(first) :]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower())


def parse_command(text: str, now: datetime, tz: ZoneInfo) -> Command | None:
    """Read ``text`` as a command, or ``None`` when it is not one (free text)."""
    original = re.sub(r"\s+", " ", (text or "").strip())
    lowered, original = _fix_typo(normalise(original), original)
    if not lowered:
        return None
    for parser in (_simple, _nudge, _start_find_note, _outcome, _pledge, _paid, _callback):
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


def _nudge(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    match = re.fullmatch(r"(done|skip|snooze)\s+(\d{1,2})(?:\s+(.+))?", text)
    if not match:
        return None
    verb, index, rest = match[1], int(match[2]), match[3]
    if index < 1:
        return _invalid("number the follow-up from 1", FORMS["snooze"])
    if verb == "snooze":
        try:
            until = parse_moment(rest or "1h", now, tz)
        except WhenError as exc:
            return _invalid(str(exc), "snooze 2 2h · snooze 2 tomorrow")
        return Command("nudge_snooze", {"index": index, "until": until})
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
        return Command("note", {"text": note})
    return None


def _outcome(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    for outcome, phrases in OUTCOME_WORDS.items():
        hit = _phrase(text, phrases)
        if hit is None:
            continue
        if POLITE.fullmatch(hit[1]):
            return Command("outcome", {"outcome": outcome})
        note = NOTE_SEP.match(original[len(hit[0]) :]) if len(original) > len(hit[0]) else None
        if note and note[1].strip():
            return Command("outcome", {"outcome": outcome, "summary": note[1].strip()})
        return None  # "spoke to Anita, she pledged…" is free text, not a command
    return None


def _split_amount(rest: str) -> tuple[Any, str] | None:
    """The amount at the start of ``rest`` (one or two words) and what follows."""
    words = rest.split()
    for size in (2, 1):
        if len(words) >= size:
            try:
                return parse_amount(" ".join(words[:size])), " ".join(words[size:])
            except AmountError:
                continue
    return None


def _loose(hit: tuple[str, str]) -> bool:
    """A soft verb (``got``, ``promised``) with no number after it is ordinary speech."""
    strong = hit[0] in ("pledged", "pledge", "paid")
    return not strong and not re.search(r"\d", hit[1])


def _pledge(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    hit = _phrase(text, PLEDGE_WORDS)
    if hit is None:
        return None
    if _loose(hit):
        return None
    found = _split_amount(hit[1].strip())
    if found is None:
        return _invalid(f"I could not read the amount (I read {AMOUNT_FORMS})", FORMS["pledged"])
    amount, rest = found
    rest = re.sub(r"^(?:by|on|till|until|before|tak)\s+", "", rest.strip())
    args: dict[str, Any] = {"outcome": "pledged", "amount": amount}
    if rest:
        try:
            args["expected_by"] = parse_day(rest, now, tz)
        except WhenError as exc:
            return _invalid(str(exc), FORMS["pledged"])
    return Command("outcome", args)


def _paid(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    hit = _phrase(text, PAID_WORDS)
    if hit is None:
        return None
    if _loose(hit):
        return None
    words, index = hit[1].split(), None
    if (
        len(words) >= 2
        and re.fullmatch(r"\d", words[0])
        and not looks_like_amount(" ".join(words[:2]))
        and looks_like_amount(words[1])
    ):
        index, words = int(words[0]), words[1:]  # "paid 2 10k": follow-up 2 of the last list
    found = _split_amount(" ".join(words))
    if found is None:
        return _invalid(f"I could not read the amount (I read {AMOUNT_FORMS})", FORMS["paid"])
    amount, rest = found
    args: dict[str, Any] = {"outcome": "paid", "amount": amount}
    tail = rest.split()
    if tail and tail[0].strip(",") in METHODS:
        args["method"] = METHODS[tail.pop(0).strip(",")]
    if len(tail) >= 2 and tail[0] in ("ref", "utr", "txn", "reference"):
        position = original.lower().rfind(tail[1])
        args["reference"] = original[position : position + len(tail[1])].upper()
        tail = tail[2:]
    if tail:
        return _invalid(f"I did not understand '{' '.join(tail)}'", FORMS["paid"])
    if index is not None:
        return Command("nudge_paid", {"index": index, **args})
    return Command("outcome", args)


def _callback(text: str, original: str, now: datetime, tz: ZoneInfo) -> Command | None:
    hit = _phrase(text, CALLBACK_WORDS)
    if hit is None:
        return None
    rest = hit[1].strip(" ,:-")
    if not rest:
        return _invalid("when should I remind you?", FORMS["reschedule"])
    try:
        due = parse_moment(rest, now, tz)
    except WhenError as exc:
        return _invalid(str(exc), FORMS["reschedule"])
    return Command("outcome", {"outcome": "reschedule", "followup_at": due})
