"""Small pieces of reply wording shared by every reply of the rules path."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 call``, ``2 calls``, ``1 due follow-up``, ``3 pledges`` — never ``1 calls``."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def quote(text: str, limit: int = 40) -> str:
    """``text`` in quotes, cut at a word (never inside one) with … when longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return f"“{text}”"
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return f"“{cut.rstrip(' ,.;:-')}…”"
