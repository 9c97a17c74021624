"""Small pieces of wording shared by every reply of the rules path and the dashboard."""

from __future__ import annotations

#: A follow-up's ``reason`` (a code the tools and the rules write) in words.
REASON_LABELS = {
    "no_response": "no answer last time",
    "reschedule": "asked to be called back",
    "send_payment_link": "pledged; send the payment link",
}


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


def describe_reason(reason: str | None) -> str:
    """A follow-up's ``reason`` in words: ``send_payment_link`` → "pledged; send the
    payment link"; a code without a label loses its underscores; none is "follow-up due"."""
    if not reason:
        return "follow-up due"
    return REASON_LABELS.get(reason, reason.replace("_", " "))
