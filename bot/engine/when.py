"""Reading dates and times the way operators type them, in the operator's timezone.

Written by hand with one explicit table of rules (:data:`~bot.engine.when_rules.RULES`,
words in :mod:`bot.engine.when_words`) rather than a natural-language date library. The accepted
forms are a short, documented list — ``today``, ``tomorrow``/``kal``, ``parso``,
weekday names, ``28 nov``, ``28/11``, ``15th``, ``15 tarikh``, ISO dates, ``in 3
days``, ``in 2 weeks``, ``next week``, ``end of month``, ``weekend``, ``5pm``,
``17:30``, ``at 5``, ``11 baje``, ``kal shaam``, ``shaam 6 baje``, ``2h`` — with filler
words (``by``, ``on``, ``to``, ``tak``, ``ko``, ``hai`` …) skipped. Text that is not
fully read by the table is refused.

``dateparser`` 1.5 was tried on the same phrases (Thursday 26 Nov 2026, 10:00, with
``PREFER_DATES_FROM="future"`` and ``DATE_ORDER="DMY"``): it read ``15th`` and ``1st``
as days already past this month, ``at 6`` as 6 November, ``next week`` as next
Thursday, ``next month`` as 26 December, ``25k`` as the year 2125 and ``na`` ("no
answer") as now; it does not read ``kal``, ``parso``, ``baje``, ``shaam`` or ``end of
month`` at all. Each of those guesses would become a follow-up at the wrong time, so
the table stays: a phrase is read by a rule or refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.when_rules import RULES, WhenError, bare_hour
from bot.engine.when_words import DAY_PARTS, FILLER
from bot.engine.wording import day_text

WHEN_FORMS = "today, kal, fri, 28 nov, 15th, in 2 weeks, end of month, 5pm, kal 11 baje"
DEFAULT_TIME = time(10, 0)


@dataclass
class When:
    """What a phrase named: a day, a clock time (or a bare hour), a part of the day, an offset."""

    day: date | None = None
    clock: time | None = None
    bare: tuple[int, int] | None = None
    part: str | None = None
    delta: timedelta | None = None

    @property
    def time_set(self) -> bool:
        """Whether a clock time or a bare hour was named."""
        return self.clock is not None or self.bare is not None

    def time_of_day(self) -> time | None:
        """The clock time named, a bare hour read by the part of the day, or the part's time.

        A bare hour (``at 5``, ``5 baje``, ``4:30``) is pm from 1 to 7 and am from 8 to 11
        during call time, unless a part of the day says otherwise (``subah 6 baje``).
        """
        if self.clock is not None:
            return self.clock
        if self.bare is not None:
            hour, minute = self.bare
            meridiem = DAY_PARTS[self.part][1] if self.part else None
            if hour <= 12 and (meridiem == "pm" or (meridiem is None and hour <= 7)):
                hour = hour % 12 + 12
            return time(hour % 24, minute)
        return DAY_PARTS[self.part][0] if self.part else None


_WORD_END = re.compile(r"(?=$|[\s,.;!?)])")
_WORD = re.compile(r"[^\s,.;!?]+")


def _set(found: When, slot: str, value: Any, text: str) -> None:
    is_time = slot in ("clock", "bare")
    if slot == "day" and found.day == value:
        return  # "monday 30th", "friday 27th": the weekday and the date agree
    if getattr(found, slot) is not None or (is_time and found.time_set):
        raise WhenError(f"'{text}' names two {'times' if is_time else slot + 's'}")
    setattr(found, slot, value)


def read_when_prefix(text: str, today: date) -> tuple[When, int]:
    """Read the date/time words at the start of ``text`` (lower case).

    Returns what was read and how many characters it took (0 when nothing): reading
    stops at the first word no rule reads; fillers are taken only before a rule's words.

    Raises:
        WhenError: a date that does not exist, two days, or two times.
    """
    found, pos, used = When(), 0, 0
    while True:
        pos = len(text) - len(text[pos:].lstrip(" "))
        if pos >= len(text):
            break
        for pattern, slot, build in RULES:
            match = pattern.match(text, pos)
            if match and _WORD_END.match(text, match.end()):
                value = build(match, today)
                for name, item in value if slot == "*" else [(slot, value)]:
                    _set(found, name, item, text)
                pos = used = match.end()
                break
        else:
            word = _WORD.match(text, pos)
            if word and re.fullmatch(r"\d{1,2}", word[0]) and found.part and not found.time_set:
                found.bare = bare_hour(int(word[0]))  # "shaam 6", "morning 11"
                pos = used = word.end()
            elif word is None or word[0] not in FILLER:
                break
            else:
                pos = word.end()
    return found, used


def read_when(text: str, today: date) -> When:
    """Split ``text`` into day / clock / part / offset using the rules; refuse leftovers.

    Raises:
        WhenError: unknown words, two days, or two times.
    """
    rest = (text or "").strip().lower()
    if not rest:
        raise WhenError("no date or time given")
    found, used = read_when_prefix(rest, today)
    if not used or any(word not in FILLER for word in _WORD.findall(rest[used:])):
        raise WhenError(f"'{text}': I read dates like {WHEN_FORMS}")
    return found


def resolve_moment(
    found: When, text: str, now: datetime, tz: ZoneInfo, *, default_time: time = DEFAULT_TIME
) -> datetime:
    """The future moment (aware, UTC) that ``found`` names; see :func:`parse_moment`."""
    local_now = now.astimezone(tz)
    if found.delta is not None:
        if found.day or found.time_set or found.part:
            raise WhenError(f"'{text}': give either an offset (2h) or a day and time")
        return (now + found.delta).astimezone(UTC)
    day = found.day or local_now.date()
    moment = datetime.combine(day, found.time_of_day() or default_time, tzinfo=tz)
    if found.day is None and moment <= local_now:
        moment += timedelta(days=1)
    if moment <= local_now:
        raise WhenError(f"'{text}' has already passed")
    return moment.astimezone(UTC)


def resolve_day(found: When, text: str, now: datetime, tz: ZoneInfo) -> date:
    """The day today or later that ``found`` names; see :func:`parse_day`."""
    today = now.astimezone(tz).date()
    day = found.day
    if found.delta is not None:
        if day is not None:
            raise WhenError(f"'{text}' names two days")
        day = today + timedelta(days=found.delta.days)
    if day is None:
        raise WhenError(f"'{text}': which day? (e.g. {WHEN_FORMS})")
    if day < today:
        raise WhenError(f"{day_text(day)} is in the past")
    return day


def parse_moment(
    text: str, now: datetime, tz: ZoneInfo, *, default_time: time = DEFAULT_TIME
) -> datetime:
    """A future moment (aware, UTC) for ``call back …`` and ``snooze``.

    A bare time means today, or tomorrow once it has passed; a bare day means
    ``default_time`` on that day.
    """
    found = read_when(text, now.astimezone(tz).date())
    return resolve_moment(found, text, now, tz, default_time=default_time)


def parse_day(text: str, now: datetime, tz: ZoneInfo) -> date:
    """A day today or later (for ``pledged 25k by fri``); a time of day is ignored."""
    return resolve_day(read_when(text, now.astimezone(tz).date()), text, now, tz)


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
