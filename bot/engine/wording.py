"""Small pieces of wording shared by every reply of the rules path and the dashboard.

Days and times on WhatsApp are written one way only — ``Fri 4 Dec``, ``5:00 PM``,
``Fri 4 Dec 5:00 PM`` — by :func:`day_text`, :func:`time_text` and :func:`moment_text`
(replies, read-backs, digests, briefs, the simulator). No reply formats a date itself.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

#: WhatsApp's limit on one message body through Twilio (the sender splits longer text).
MAX_MESSAGE = 1600

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


def day_text(day: date | datetime, tz: tzinfo | None = None) -> str:
    """``Fri 4 Dec``: a calendar day, or the local day of a time (in ``tz``, when given)."""
    if isinstance(day, datetime):
        day = (day.astimezone(tz) if tz is not None else day).date()
    return f"{day:%a} {day.day} {day:%b}"


def time_text(moment: datetime, tz: tzinfo | None = None) -> str:
    """``5:00 PM``, ``10:30 AM``: the clock time of ``moment`` (in ``tz``, when given)."""
    local = moment.astimezone(tz) if tz is not None else moment
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def zone_text(moment: datetime, tz: tzinfo) -> str:
    """``IST``: the abbreviation of ``tz`` at ``moment`` (as the zone database writes it)."""
    return moment.astimezone(tz).tzname() or str(tz)


def moment_text(moment: datetime, tz: tzinfo | None = None) -> str:
    """``Fri 4 Dec 5:00 PM``: day and time of ``moment`` (in ``tz``, when given)."""
    return f"{day_text(moment, tz)} {time_text(moment, tz)}"


def describe_reason(reason: str | None) -> str:
    """A follow-up's ``reason`` in words: ``send_payment_link`` → "pledged; send the
    payment link"; a code without a label loses its underscores; none is "follow-up due"."""
    if not reason:
        return "follow-up due"
    return REASON_LABELS.get(reason, reason.replace("_", " "))
