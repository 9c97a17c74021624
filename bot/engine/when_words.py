"""The words :mod:`bot.engine.when` reads: months, weekdays, relative days, parts of the day.

English and the Hinglish forms operators type (``kal``, ``parso``, ``shaam``,
``shukravar``/``shukrawar``, ``hafte``, ``ghante``). Kept apart from the rules so the
table of rules in :mod:`bot.engine.when` stays readable.
"""

from __future__ import annotations

from datetime import time

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
_WEEKDAY_NAMES = (
    ("mon", "monday", "somvar", "somwar"),
    ("tue", "tues", "tuesday", "mangalvar", "mangalwar"),
    ("wed", "weds", "wednesday", "budhvar", "budhwar"),
    ("thu", "thur", "thurs", "thursday", "guruvar", "guruwar", "brihaspativar"),
    ("fri", "friday", "shukravar", "shukrawar"),
    ("sat", "saturday", "shanivar", "shaniwar"),
    ("sun", "sunday", "ravivar", "raviwar", "itwar"),
)
WEEKDAYS = {name: number for number, names in enumerate(_WEEKDAY_NAMES) for name in names}
#: Words that name a day relative to today.
RELATIVE_DAYS = {
    "today": 0,
    "aaj": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "tomo": 1,
    "tommorow": 1,
    "tomorow": 1,
    "kal": 1,
    "day after tomorrow": 2,
    "day after": 2,
    "parso": 2,
    "parson": 2,
}
#: Parts of the day: the time they mean alone, and whether "6" in them is am or pm.
DAY_PARTS = {
    "morning": (time(10, 0), "am"),
    "subah": (time(10, 0), "am"),
    "noon": (time(12, 0), "pm"),
    "afternoon": (time(14, 0), "pm"),
    "dopahar": (time(14, 0), "pm"),
    "evening": (time(18, 0), "pm"),
    "evng": (time(18, 0), "pm"),
    "eve": (time(18, 0), "pm"),
    "shaam": (time(18, 0), "pm"),
    "sham": (time(18, 0), "pm"),
    "night": (time(20, 0), "pm"),
    "raat": (time(20, 0), "pm"),
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
    "ghanta": 3600,
    "ghante": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "din": 86400,
    "w": 604800,
    "wk": 604800,
    "wks": 604800,
    "week": 604800,
    "weeks": 604800,
    "hafta": 604800,
    "hafte": 604800,
}
#: Words skipped between the parts of a date (``call back on 15th``, ``kal 11 baje tak``).
FILLER = {
    "at",
    "on",
    "by",
    "to",
    "around",
    "ko",
    "se",
    "pe",
    "par",
    "ke",
    "ka",
    "ki",
    "before",
    "till",
    "until",
    "tak",
    "hai",
    "this",
    "coming",
    "agle",
    "agli",
    "the",
    "of",
    "after",
    "about",
    "approx",
    "mein",
    "me",
    "in",
}
