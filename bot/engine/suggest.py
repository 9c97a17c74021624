"""The answer to a message nothing could read: at most three likely commands, then ``help``.

The commands offered are the ones whose words are closest to what was typed
(``pledge twenty five`` → the pledge form first; ``kitna target`` → ``stats``), so the
reply stays under :data:`MAX_REPLY` characters and quotes the operator's words whole.
"""

from __future__ import annotations

import difflib
import re

from bot.engine.confirm import read_answer
from bot.engine.wording import quote
from bot.turn.context import Reply

MAX_REPLY = 160
#: Each command form with the words that point to it.
HINTS: dict[str, tuple[str, ...]] = {
    "next": ("next", "agla", "who", "call", "kisko", "contact"),
    "pledged 25k by fri": ("pledge", "pledged", "promise", "commit", "dega", "denge", "will"),
    "paid 10000 upi": ("paid", "payment", "received", "upi", "cheque", "cash", "diya", "gpay"),
    "call back kal 5pm": ("call", "back", "later", "baad", "time", "remind", "tomorrow", "kal"),
    "na": ("answer", "pick", "busy", "switch", "off", "ringing", "uthaya"),
    "spoke: NOTE": ("spoke", "talk", "talked", "baat", "said", "told"),
    "declined": ("declined", "interested", "mana", "refused", "nahi"),
    "due": ("due", "followup", "follow", "pending", "list", "reminders"),
    "stats": ("stats", "score", "target", "goal", "progress", "kitna", "total", "today"),
    "find NAME": ("find", "search", "name", "number", "dhundo", "phone"),
    "note TEXT": ("note", "remember", "yaad"),
    "undo": ("undo", "mistake", "galti", "oops", "revert", "cancel"),
    "start": ("start", "begin", "shuru", "campaign"),
    "end": ("end", "stop", "bye", "finish", "khatam"),
    "wrong number": ("wrong", "galat", "number"),
    "dnc": ("dnc", "dnd", "never", "unsubscribe"),
}
DEFAULT = ("next", "due", "stats")


def likely_commands(text: str, limit: int = 3) -> list[str]:
    """The ``limit`` command forms closest to the words of ``text`` (the defaults if none)."""
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 2]
    scores: dict[str, float] = {}
    for form, hints in HINTS.items():
        best = [
            max(difflib.SequenceMatcher(None, word, hint).ratio() for hint in hints)
            for word in words
        ]
        # The first word says most about what the operator meant to do.
        score = sum(b * (1.5 if i == 0 else 1) for i, b in enumerate(best) if b >= 0.8)
        if score:
            scores[form] = score
    ranked = sorted(scores, key=lambda form: -scores[form])[:limit]
    return ranked + [f for f in DEFAULT if f not in ranked][: max(0, limit - len(ranked))]


def did_you_mean(text: str) -> Reply:
    """The reply to a message that is not a command (and no model is configured)."""
    meta = {"engine": "did_you_mean"}
    if not text.strip():
        return Reply("I can only read text here. Try: next · due · stats – or help.", None, meta)
    if read_answer(text) is not None:
        return Reply(
            "Nothing is waiting for a yes or no. Try: next · due · stats – or help.", None, meta
        )
    forms = " · ".join(likely_commands(text))
    for limit in (40, 30, 20):
        reply = f"Sorry, I didn't understand {quote(text, limit)}. Try: {forms} – or help for all."
        if len(reply) <= MAX_REPLY:
            break
    return Reply(reply, None, meta)
