"""How the dashboard writes dates and times: one format on every page.

``Thu 26 Nov 10:30`` for a moment (in the project's timezone), ``Thu 26 Nov`` for a day;
the year follows the month only when it is not the current one (``Mon 3 Nov 2025``).
The day of the month has no leading zero, as on WhatsApp (``Fri 4 Dec``).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo


def day_text(day: date, this_year: int) -> str:
    """``Thu 26 Nov``, or ``Mon 3 Nov 2025`` outside ``this_year``."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == this_year else f"{text} {day.year}"


def when(value: datetime | date | None, tz: tzinfo, today: date, *, seconds: bool = False) -> str:
    """``value`` in the one dashboard format; a datetime is shown in ``tz``.

    Args:
        value: a UTC datetime, a calendar date, or ``None`` (shown as nothing).
        tz: the project's timezone.
        today: today in ``tz`` (decides whether the year is shown).
        seconds: add seconds to the time (transcripts and tool-call logs).
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return day_text(value, today.year)
    local = value.astimezone(tz)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{day_text(local.date(), today.year)} {clock}"
