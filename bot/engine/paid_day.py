"""The day a payment was made, as operators say it (``paid 10k yesterday``, ``on 25/11``).

:mod:`bot.engine.when` reads days to come: a follow-up, a pledge's date. A payment's day
is one gone by, so the same words mean the day before: ``monday`` is the last Monday,
``25th`` this month's 25th (or last month's, if it is still ahead), ``kal`` after
``diya`` is yesterday. The forms are these, with the fillers ``on``, ``se``, ``ko``, ``the``:

===================================== ==============================================
``today``, ``aaj``, ``this morning``  today (the payment is recorded as of now)
``yesterday``, ``kal``, ``last night`` yesterday
``day before yesterday``, ``parso``   two days ago
``3 days ago``, ``two days back``,    three, two days ago
``3 din pehle``
``monday``, ``last monday``,          the last Monday before today
``pichle somvar``
``25/11``, ``25 nov``, ``nov 25``,    that day this year, or last year's when this
``2026-11-25``                        year's is still ahead
``25th``, ``25 tarikh``               this month's 25th, or last month's
===================================== ==============================================

A day ahead (``tomorrow``, ``28/11`` on 26 Nov with the year said) is refused: money
still to come is a pledge. So is a day more than :data:`OLDEST` ago, and vague spans
(``last week``): the operator is asked for the day, never given a guess.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from bot.engine.when_rules import (
    DAY_MONTH,
    DAY_MONTH_NAME,
    DAY_OF_MONTH,
    DOTTED_DATE,
    ISO_DATE,
    MONTH_NAME_DAY,
    WEEKDAY_WORDS,
    WhenError,
)
from bot.engine.when_words import DAY_PARTS, MONTHS, RELATIVE_DAYS, WEEKDAYS
from bot.engine.wording import day_text

#: The oldest payment day read from a message; older ones are asked about.
OLDEST = timedelta(days=92)
ASK = "when was it paid? (e.g. yesterday, monday, 25/11)"

_COUNTS = {"one": 1, "a": 1, "ek": 1, "two": 2, "do": 2, "three": 3, "teen": 3, "four": 4}
_COUNTS |= {"char": 4, "five": 5, "paanch": 5, "six": 6, "seven": 7}
_COUNT = r"(?P<n>\d{1,2}|" + "|".join(_COUNTS) + ")"
_PART = r"(?:\s+(?:" + "|".join(DAY_PARTS) + "))?"
_FILLER = r"(?:(?:on|se|ko|the|of)\s+)*"
#: ``yesterday`` and the ways it is typed in a hurry (``yesterdy``, ``ystrday``, ``yday``).
_YESTERDAY = r"(?:y[ae]?s?t[aeu]?r?d[ae]?y|yday|yest|ystrdy)"
#: ``(pattern, days ago)``; the last two name days ahead, to be refused as such.
_RELATIVE = (
    (r"(?:today|aaj|this\s+morning|earlier\s+today)" + _PART, 0),
    (r"(?:day\s+before\s+yesterday|parso|parson)" + _PART, 2),
    (rf"(?:{_YESTERDAY}|kal)" + _PART, 1),
    (r"last\s+night|kal\s+raat", 1),
    # the days to come of :mod:`bot.engine.when` (``kal`` and ``parso`` aside), refused
    *(
        (re.escape(word).replace(r"\ ", r"\s+"), -ahead)
        for word, ahead in RELATIVE_DAYS.items()
        if ahead > 0 and word not in ("kal", "parso", "parson")
    ),
)
_DAYS_AGO = re.compile(rf"{_COUNT}\s+(?:days?|din)\s+(?:ago|back|pehle|pahle)")
_WEEKDAY = re.compile(rf"(?:(?:last|pichle|pichhle)\s+)?({WEEKDAY_WORDS})" + _PART)
#: The calendar forms :mod:`bot.engine.when_rules` reads, as (pattern, the groups' order
#: of day, month and year); a month said by name is looked up in ``MONTHS``.
_CALENDAR = (
    (re.compile(ISO_DATE), (3, 2, 1)),
    (re.compile(DAY_MONTH), (1, 2, 3)),
    (re.compile(DOTTED_DATE), (1, 2, 3)),
    (re.compile(DAY_MONTH_NAME), (1, 2, 3)),
    (re.compile(MONTH_NAME_DAY), (2, 1, 3)),
)
_DAY_OF_MONTH = re.compile(DAY_OF_MONTH)
#: Spans of the past that name no day: asked about, never given one.
_VAGUE = (
    r"(?:last|pichle|pichhle|previous)\s+(?:week|hafte|month|mahine)|earlier\s+this\s+week"
    r"|(?:a\s+)?few\s+days\s+(?:ago|back)|some\s+days\s+(?:ago|back)|the\s+other\s+day"
    # a festival names a day no table here holds for every year
    r"|diwali|deepawali|holi|eid|christmas|xmas|new\s+year|navratri|dussehra|dasara"
    r"|pongal|onam|rakhi|raksha\s+bandhan|durga\s+puja|ganesh\s+chaturthi"
    r"|independence\s+day|republic\s+day"
)
#: Days gone by that only a past reading makes sense of, anywhere in a report: the
#: words :mod:`bot.engine.when` does not read at all (or reads as days to come).
PAST_ONLY = re.compile(
    rf"(?:day\s+before\s+yesterday|{_YESTERDAY}|last\s+night"
    rf"|(?:last|pichle|pichhle)\s+(?:{WEEKDAY_WORDS})|{_DAYS_AGO.pattern}|{_VAGUE})"
    + _PART
    + r"(?![a-z])"
)


def read_paid_day(words: str, today: date) -> date:
    """The day ``words`` (all of them) name as a payment's day; today when they say today.

    Raises:
        WhenError: words that are not one of the forms above, a day ahead, or one older
            than :data:`OLDEST`.
    """
    text = re.sub(rf"^{_FILLER}", "", " ".join(words.lower().split()).strip(" ,.")).strip()
    day = None if re.fullmatch(_VAGUE, text) else _read(text, today)
    if day is None:
        raise WhenError(f"“{words}”: {ASK}")
    if day > today:
        raise WhenError(f"{day_text(day)} is still ahead: money to come is a pledge")
    if day < today - OLDEST:
        raise WhenError(f"{day_text(day)} is over three months ago: {ASK}")
    return day


def _read(text: str, today: date) -> date | None:
    for pattern, ago in _RELATIVE:
        if re.fullmatch(pattern, text):
            return today - timedelta(days=ago)
    if found := _DAYS_AGO.fullmatch(text):
        count = found["n"]
        return today - timedelta(days=int(count) if count.isdigit() else _COUNTS[count])
    if found := _WEEKDAY.fullmatch(text):
        back = (today.weekday() - WEEKDAYS[found[1]]) % 7 or 7
        return today - timedelta(days=back)
    for form, order in _CALENDAR:
        if found := form.fullmatch(text):
            day, month, year = (found[group] for group in order)
            month = str(MONTHS.get(month, month))  # a month said by name
            if year is None:
                return _last(today, int(month), int(day))
            return _date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))
    if found := _DAY_OF_MONTH.fullmatch(text):
        return _last_of_month(today, int(found[1]))
    return None


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise WhenError(f"{day}/{month} is not a date") from exc


def _last(today: date, month: int, day: int) -> date:
    """``day``/``month`` this year, or last year's when this year's is more than
    :data:`OLDEST` ahead (``28/11`` on 26 Nov is ahead, not a year ago)."""
    for year in (today.year, today.year - 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue  # 29 Feb of a common year
        if found <= today + OLDEST:
            return found
    raise WhenError(f"{day}/{month} is not a date in the last year")


def _last_of_month(today: date, day: int) -> date:
    """The last ``day``-th of a month, today included (``25th``, ``25 tarikh``)."""
    if not 1 <= day <= 31:
        raise WhenError(f"{day} is not a day of the month")
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) <= today:
            return date(year, month, day)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    raise WhenError(f"{day} is not a day of the month")  # pragma: no cover
