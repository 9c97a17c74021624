"""The table of date and time forms :mod:`bot.engine.when` reads, one rule per form.

Each rule is a pattern, the slot it fills (``day``, ``clock``, ``bare``, ``part``,
``delta``) and how to build the value from the match and today's date. A rule that
matches a date that does not exist raises :class:`WhenError` — never a guess.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

from bot.engine.when_words import DAY_PARTS, MONTHS, RELATIVE_DAYS, UNIT_SECONDS, WEEKDAYS
from bot.engine.wording import day_text


class WhenError(ValueError):
    """Text that is not a date or time we accept."""


def _weekday(today: date, name: str) -> date:
    ahead = (WEEKDAYS[name] - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _next_weekday(today: date, name: str) -> date:
    """``next friday``: the coming one, unless that is tomorrow or the day after; then
    it may mean the one a week later, and which is not guessed."""
    day = _weekday(today, name)
    if (day - today).days <= 2:
        later = day + timedelta(days=7)
        raise WhenError(f"'next {name}': {day_text(day)} or {day_text(later)}? Send the date")
    return day


#: A day and month without a year this recent is that past day (refused as past), not
#: next year's: "by 25/11" on 26 Nov is a slip, "by 5 jan" in December is next January.
RECENT_PAST = timedelta(days=60)


def _day_month(today: date, day: int, month: int, year: int | None) -> date:
    if year is not None and year < 100:
        year += 2000
    try:
        found = date(year or today.year, month, day)
    except ValueError as exc:
        raise WhenError(f"{day}/{month} is not a date") from exc
    if year is None and found < today - RECENT_PAST:
        try:
            found = found.replace(year=today.year + 1)
        except ValueError as exc:  # 29 Feb
            raise WhenError(f"{day}/{month} is not a date next year") from exc
    return found


def _day_of_month(today: date, day: int) -> date:
    """The next ``day``-th of a month, today included (``15th``, ``15 tarikh``)."""
    if not 1 <= day <= 31:
        raise WhenError(f"{day} is not a day of the month")
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise WhenError(f"{day} is not a day of the month")  # pragma: no cover


def _month_end(today: date, months_ahead: int) -> date:
    year, month = today.year, today.month + months_ahead
    if month > 12:
        year, month = year + 1, month - 12
    return date(year, month, calendar.monthrange(year, month)[1])


def _hour(hour: int, minute: int, meridiem: str | None) -> time:
    if meridiem:
        if not 1 <= hour <= 12:
            raise WhenError(f"{hour}{meridiem} is not a time")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError(f"{hour}:{minute:02d} is not a time")
    return time(hour, minute)


def bare_hour(hour: int, minute: int = 0) -> tuple[int, int]:
    if not (1 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError(f"'{hour}' is not a time: say 5pm or 17:00")
    return hour, minute


def _clock(hour: int, minute: int) -> Any:
    """``17:30`` is a clock time; ``4:30`` is a bare hour (read as 4:30 pm in call time)."""
    if 1 <= hour <= 12:
        return "bare", bare_hour(hour, minute)
    return "clock", _hour(hour, minute, None)


#: ``28/11``, ``7-12-2026``: day, month and maybe year (also read by
#: :func:`bot.engine.amounts.match_amount`, which leaves such a date to these rules).
DAY_MONTH = r"(?P<day>\d{1,2})[/-](?P<month>\d{1,2})(?:[/-](?P<year>\d{4}|\d{2}))?"
#: ``25.11.2026``: dots only with the year (``25.11`` alone is a time or an amount).
DOTTED_DATE = r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})"
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_ORD = r"(?:st|nd|rd|th)"
#: The date forms :mod:`bot.engine.paid_day` reads too (the groups in each comment).
ISO_DATE = r"(\d{4})-(\d{2})-(\d{2})"  # year, month, day
DAY_MONTH_NAME = rf"(\d{{1,2}}){_ORD}?\s*(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?"  # day, month, year
MONTH_NAME_DAY = rf"{_MONTH}\s*(\d{{1,2}}){_ORD}?(?:,?\s+(\d{{4}}))?"  # month, day, year
DAY_OF_MONTH = rf"(\d{{1,2}})(?:{_ORD}|\s*(?:tarikh|tareekh|tarik|tariq))"  # day
#: Weekday names, longest first, for alternations (``(?:{WEEKDAY_WORDS})``).
WEEKDAY_WORDS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_WD = WEEKDAY_WORDS
_REL = "|".join(sorted(RELATIVE_DAYS, key=len, reverse=True))
_PARTS = "|".join(DAY_PARTS)
_UNITS = "|".join(sorted(UNIT_SECONDS, key=len, reverse=True))
_MONTH_END = (
    r"(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|month[\s-]?end|eom"
    r"|mahine\s+ke\s+(?:end|aakhir|akhir|last))"
)
_NEXT_MONTH_END = r"(?:end\s+of\s+next\s+month|next\s+month\s+end|agle\s+mahine\s+ke\s+end)"
_WEEK_END = r"(?:week[\s-]?end|end\s+of\s+(?:the\s+|this\s+)?week)"

Build = Callable[[re.Match[str], date], Any]
#: (pattern, slot, build): ``slot`` is day, clock, bare, part, delta, or ``*`` when
#: ``build`` returns several ``(slot, value)`` pairs.
RULES: list[tuple[re.Pattern[str], str, Build]] = [
    (
        re.compile(ISO_DATE),
        "day",
        lambda m, t: _day_month(t, int(m[3]), int(m[2]), int(m[1])),
    ),
    (
        re.compile(DAY_MONTH),
        "day",
        lambda m, t: _day_month(t, int(m[1]), int(m[2]), int(m[3]) if m[3] else None),
    ),
    (re.compile(DOTTED_DATE), "day", lambda m, t: _day_month(t, int(m[1]), int(m[2]), int(m[3]))),
    (
        re.compile(DAY_MONTH_NAME),
        "day",
        lambda m, t: _day_month(t, int(m[1]), MONTHS[m[2]], int(m[3]) if m[3] else None),
    ),
    (
        re.compile(MONTH_NAME_DAY),
        "day",
        lambda m, t: _day_month(t, int(m[2]), MONTHS[m[1]], int(m[3]) if m[3] else None),
    ),
    (
        re.compile(DAY_OF_MONTH),
        "day",
        lambda m, t: _day_of_month(t, int(m[1])),
    ),
    (
        re.compile(rf"(?:{_MONTH}\s*end|end\s+(?:of\s+)?{_MONTH.replace('(', '(?P<m>', 1)})"),
        "day",
        # this year's month, or next year's once past
        lambda m, t: _month_end(t, (MONTHS[m[1] or m["m"]] - t.month) % 12),
    ),
    (re.compile(_NEXT_MONTH_END), "day", lambda m, t: _month_end(t, 1)),
    (re.compile(_MONTH_END), "day", lambda m, t: _month_end(t, 0)),
    (
        re.compile(_WEEK_END),
        "day",
        lambda m, t: t if t.weekday() == 5 else _weekday(t, "sat"),
    ),
    (
        # "next week tuesday": that weekday in the week after this one
        re.compile(rf"(?:next\s+week|agle\s+hafte)\s+({_WD})"),
        "day",
        lambda m, t: t + timedelta(days=7 - t.weekday() + WEEKDAYS[m[1]]),
    ),
    (
        re.compile(r"next\s+week|agle\s+hafte"),
        "day",
        lambda m, t: t + timedelta(days=7 - t.weekday()),
    ),
    (re.compile(rf"next\s+({_WD})"), "day", lambda m, t: _next_weekday(t, m[1])),
    (re.compile(rf"({_WD})"), "day", lambda m, t: _weekday(t, m[1])),
    (re.compile(r"tonight|aaj\s+raat"), "*", lambda m, t: [("day", t), ("part", "night")]),
    (
        re.compile(r"eod|end\s+of\s+(?:the\s+)?day"),
        "*",
        lambda m, t: [("day", t), ("part", "evening")],
    ),
    (re.compile(rf"({_REL})"), "day", lambda m, t: t + timedelta(days=RELATIVE_DAYS[m[1]])),
    (
        re.compile(
            rf"(?:in|after)?\s*(\d{{1,3}}(?:\.\d)?)\s*({_UNITS})(?:\s+(?:baad|mein|me|later))?"
        ),
        "delta",
        lambda m, t: timedelta(seconds=round(float(m[1]) * UNIT_SECONDS[m[2]])),
    ),
    (
        re.compile(
            r"(?:in|after)\s+(?:half\s+an\s+hour|30\s+min)|aadhe\s+ghante\s+(?:mein|me|baad)"
        ),
        "delta",
        lambda m, t: timedelta(minutes=30),
    ),
    (
        re.compile(r"(?:in|after)\s+an?\s+(hour|week|day)|ek\s+(ghante)\s+(?:mein|me|baad)"),
        "delta",
        lambda m, t: timedelta(seconds=UNIT_SECONDS[m[1] or m[2]]),
    ),
    (
        re.compile(r"(\d{1,2})[:.](\d{2})\s*(am|pm)"),
        "clock",
        lambda m, t: _hour(int(m[1]), int(m[2]), m[3]),
    ),
    (re.compile(r"(\d{1,2})\s*(am|pm)"), "clock", lambda m, t: _hour(int(m[1]), 0, m[2])),
    (
        re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*baje"),
        "bare",
        lambda m, t: bare_hour(int(m[1]), int(m[2] or 0)),
    ),
    (re.compile(r"(\d{1,2})[:.](\d{2})"), "*", lambda m, t: [_clock(int(m[1]), int(m[2]))]),
    (re.compile(r"12\s*noon"), "clock", lambda m, t: time(12, 0)),
    (
        # "at 6" is a bare hour; "at 6 pm" is read by the am/pm rule once "at" is skipped
        re.compile(r"(?:at|after|around)\s+(\d{1,2})(?!\s*(?:am|pm|baje|noon)(?![a-z]))"),
        "bare",
        lambda m, t: bare_hour(int(m[1])),
    ),
    (re.compile(rf"({_PARTS})"), "part", lambda m, t: m[1]),
]
