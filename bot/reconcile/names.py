"""Does the name a bank printed (or a VPA's local part) name this donor?

Banks print names upper case, truncated, surname first or as initials (``ANITA S``,
``SHARMA ANITA``, ``A SHARMA``); VPAs run names together (``anitasharma92@oksbi``) or
abbreviate them (``anita.s@okaxis``). A contact's name *fits* when every part of it is
covered by the payer's words — in full, as an initial, with a one-letter slip
(``SARMA``), or run together — and at least one part is covered in full.

``STRONG``: every part of a full name covered; ``WEAK``: one part in full (a shared
first name is a hint, never a match on its own). difflib (standard library) measures
the slips; names are short, so nothing faster is needed.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

NONE, WEAK, STRONG = 0, 1, 2
_HONORIFICS = frozenset(("mr", "mrs", "ms", "miss", "dr", "shri", "smt", "sri", "m/s"))
_SLIP = 0.84


def tokens(text: str | None) -> list[str]:
    """Lower-case letter runs, honorifics dropped (``Mr RAHUL K. SHARMA`` → rahul k sharma)."""
    words = re.findall(r"[a-z]+", (text or "").lower())
    return [w for w in words if w not in _HONORIFICS]


def vpa_tokens(vpa: str | None) -> list[str]:
    """The name-like parts of a VPA's local part (``anita.s92@okaxis`` → anita s)."""
    local = (vpa or "").split("@", 1)[0]
    return tokens(re.sub(r"[\d._-]+", " ", local))


def fit(payer: list[str], contact_name: str) -> int:
    """How well the payer's words name the contact: ``NONE``, ``WEAK`` or ``STRONG``."""
    parts = [t for t in tokens(contact_name) if len(t) >= 2]
    if not parts or not payer:
        return NONE
    joined = "".join(parts)
    if any(
        len(word) >= 6 and (joined.startswith(word) or word.startswith(joined)) for word in payer
    ):
        return STRONG if len(parts) >= 2 else WEAK
    full = sum(1 for part in parts if any(_same(word, part) for word in payer))
    covered = sum(1 for part in parts if any(_covers(word, part) for word in payer))
    if full and covered == len(parts) and (len(parts) >= 2 or len(payer) == 1):
        return STRONG
    return WEAK if full else NONE


def spelled_out(payer: list[str], contact_name: str) -> bool:
    """Whether the payer's words give every part of the contact's name in full (a slip
    allowed), or the whole name run together (``meeraiyer``): stricter than ``STRONG``,
    which an initial or a long first name alone can reach."""
    parts = [t for t in tokens(contact_name) if len(t) >= 2]
    if len(parts) < 2 or not payer:
        return False
    joined = "".join(parts)
    if any(
        word == joined or (len(word) > len(joined) and word.startswith(joined)) for word in payer
    ):
        return True
    return all(any(_same(word, part) for word in payer) for part in parts)


def _same(word: str, part: str) -> bool:
    if word == part:
        return True
    return min(len(word), len(part)) >= 4 and SequenceMatcher(None, word, part).ratio() >= _SLIP


def _covers(word: str, part: str) -> bool:
    return _same(word, part) or (len(word) == 1 and part.startswith(word))
