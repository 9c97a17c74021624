"""Reading dates and times the way operators type them, in the operator's timezone.

Written by hand with explicit tables rather than a natural-language date library:
the accepted forms are a short, documented list (``today``, ``tomorrow``/``kal``,
weekday names, ``28 nov``, ``28/11``, ISO dates, ``in 3 days``, ``next week``, ``5pm``,
``17:30``, ``2h``), libraries such as ``dateparser`` guess at anything (and read
``kal`` as a word in another language), and a wrong guess here becomes a follow-up at
the wrong time. Text that is not fully consumed by the table is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WHEN_FORMS = "today, tomorrow/kal, fri, 28 nov, 28/11, 2026-11-28, in 3 days, next week, 5pm, 17:30"

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "somvar": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "mangalvar": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "budhvar": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "guruvar": 3,
    "fri": 4,
    "friday": 4,
    "shukravar": 4,
    "sat": 5,
    "saturday": 5,
    "shanivar": 5,
    "sun": 6,
    "sunday": 6,
    "ravivar": 6,
}
#: Words that name a day relative to today.
RELATIVE_DAYS = {
    "today": 0,
    "aaj": 0,
    "tonight": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "tomo": 1,
    "kal": 1,
    "day after tomorrow": 2,
    "parso": 2,
    "parson": 2,
}
#: Parts of the day and the time we read them as.
DAY_PARTS = {
    "morning": time(10, 0),
    "subah": time(10, 0),
    "noon": time(12, 0),
    "afternoon": time(14, 0),
    "dopahar": time(14, 0),
    "evening": time(18, 0),
    "shaam": time(18, 0),
    "sham": time(18, 0),
    "night": time(20, 0),
    "raat": time(20, 0),
}
UNIT_SECONDS = {
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "din": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
FILLER = {"at", "on", "by", "around", "ko", "baje", "se", "pe", "ke", "before"}
DEFAULT_TIME = time(10, 0)


class WhenError(ValueError):
    """Text that is not a date or time we accept."""


@dataclass
class When:
    """What a phrase named: a day, a clock time, or an offset from now."""

    day: date | None = None
    clock: time | None = None
    delta: timedelta | None = None


def _weekday(today: date, name: str) -> date:
    ahead = (WEEKDAYS[name] - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _day_month(today: date, day: int, month: int, year: int | None) -> date:
    if year is not None and year < 100:
        year += 2000
    try:
        found = date(year or today.year, month, day)
    except ValueError as exc:
        raise WhenError(f"{day}/{month} is not a date") from exc
    if year is None and found < today:
        found = found.replace(year=today.year + 1)
    return found


def _hour(hour: int, minute: int, meridiem: str | None) -> time:
    if meridiem:
        if not 1 <= hour <= 12:
            raise WhenError(f"{hour}{meridiem} is not a time")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError(f"{hour}:{minute:02d} is not a time")
    return time(hour, minute)


def _bare_hour(hour: int) -> time:
    # "at 5" during call time means 5 pm; 8-11 are mornings; 12 is noon.
    if not 1 <= hour <= 12:
        raise WhenError(f"'at {hour}': say 5pm or 17:00")
    return time(hour + 12 if hour <= 7 else hour, 0)


_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_WD = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_REL = "|".join(sorted(RELATIVE_DAYS, key=len, reverse=True))
_PARTS = "|".join(DAY_PARTS)
_UNITS = "|".join(sorted(UNIT_SECONDS, key=len, reverse=True))

Rule = tuple[re.Pattern[str], str, Callable[[re.Match[str], date], object]]
RULES: list[Rule] = [
    (
        re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
        "day",
        lambda m, t: _day_month(t, int(m[3]), int(m[2]), int(m[1])),
    ),
    (
        re.compile(r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?"),
        "day",
        lambda m, t: _day_month(t, int(m[1]), int(m[2]), int(m[3]) if m[3] else None),
    ),
    (
        re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s*{_MONTH}(?:\s+(\d{{4}}))?"),
        "day",
        lambda m, t: _day_month(t, int(m[1]), MONTHS[m[2]], int(m[3]) if m[3] else None),
    ),
    (
        re.compile(rf"{_MONTH}\s*(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"),
        "day",
        lambda m, t: _day_month(t, int(m[2]), MONTHS[m[1]], int(m[3]) if m[3] else None),
    ),
    (
        re.compile(r"next\s+week|agle\s+hafte"),
        "day",
        lambda m, t: t + timedelta(days=7 - t.weekday()),
    ),
    (re.compile(rf"(?:next\s+)?({_WD})"), "day", lambda m, t: _weekday(t, m[1])),
    (re.compile(rf"({_REL})"), "day", lambda m, t: t + timedelta(days=RELATIVE_DAYS[m[1]])),
    (
        re.compile(rf"(?:in|after)?\s*(\d{{1,3}})\s*({_UNITS})(?:\s+(?:baad|mein|me|later))?"),
        "delta",
        lambda m, t: timedelta(seconds=int(m[1]) * UNIT_SECONDS[m[2]]),
    ),
    (
        re.compile(r"(?:in|after)\s+an?\s+(hour|week|day)"),
        "delta",
        lambda m, t: timedelta(seconds=UNIT_SECONDS[m[1]]),
    ),
    (
        re.compile(r"(\d{1,2})[:.](\d{2})\s*(am|pm)?"),
        "clock",
        lambda m, t: _hour(int(m[1]), int(m[2]), m[3]),
    ),
    (re.compile(r"(\d{1,2})\s*(am|pm)"), "clock", lambda m, t: _hour(int(m[1]), 0, m[2])),
    (re.compile(r"at\s+(\d{1,2})"), "clock", lambda m, t: _bare_hour(int(m[1]))),
    (re.compile(rf"({_PARTS})"), "clock", lambda m, t: DAY_PARTS[m[1]]),
]

_WORD_END = re.compile(r"(?=$|[\s,])")


def read_when(text: str, today: date) -> When:
    """Split ``text`` into day / clock / offset using :data:`RULES`; refuse leftovers.

    Raises:
        WhenError: unknown words, two days, or two times.
    """
    rest = (text or "").strip().lower()
    if not rest:
        raise WhenError("no date or time given")
    found = When()
    while rest:
        rest = rest.lstrip(" ,")
        for pattern, slot, build in RULES:
            match = pattern.match(rest)
            if match and _WORD_END.match(rest, match.end()):
                if getattr(found, slot) is not None:
                    raise WhenError(f"'{text}' names two {slot}s")
                setattr(found, slot, build(match, today))
                rest = rest[match.end() :]
                break
        else:
            word, _, after = rest.partition(" ")
            if word not in FILLER or not after:
                raise WhenError(f"'{text}': I read dates like {WHEN_FORMS}")
            rest = after
    return found


def parse_moment(
    text: str, now: datetime, tz: ZoneInfo, *, default_time: time = DEFAULT_TIME
) -> datetime:
    """A future moment (aware, UTC) for ``call back …`` and ``snooze``.

    A bare time means today, or tomorrow once it has passed; a bare day means
    ``default_time`` on that day.
    """
    local_now = now.astimezone(tz)
    found = read_when(text, local_now.date())
    if found.delta is not None:
        if found.day or found.clock:
            raise WhenError(f"'{text}': give either an offset (2h) or a day and time")
        return (now + found.delta).astimezone(UTC)
    day = found.day or local_now.date()
    moment = datetime.combine(day, found.clock or default_time, tzinfo=tz)
    if found.day is None and moment <= local_now:
        moment += timedelta(days=1)
    if moment <= local_now:
        raise WhenError(f"'{text}' has already passed")
    return moment.astimezone(UTC)


def parse_day(text: str, now: datetime, tz: ZoneInfo) -> date:
    """A day today or later (for ``pledged 25k by fri``); a time of day is ignored."""
    today = now.astimezone(tz).date()
    found = read_when(text, today)
    day = found.day
    if found.delta is not None:
        if day is not None:
            raise WhenError(f"'{text}' names two days")
        day = today + timedelta(days=found.delta.days)
    if day is None:
        raise WhenError(f"'{text}': which day? (e.g. {WHEN_FORMS})")
    if day < today:
        raise WhenError(f"{day:%d %b} is in the past")
    return day


def next_working_day(now: datetime, tz: ZoneInfo, at: time = DEFAULT_TIME) -> datetime:
    """``at`` on the next Monday-to-Saturday after today, in UTC (Sunday is a day off)."""
    day = now.astimezone(tz).date() + timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def local_day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end (UTC) of the operator's local day containing ``now``."""
    start = datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
