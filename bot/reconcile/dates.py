"""Reading the dates Indian banks and UPI apps print.

Always day first. Two-digit years are 20yy. One table of shapes, tried at every
position so the earliest date in a message wins (a credit SMS names the credit day
before anything else); the same table reads a statement's date column.

============================  ==========================================
shape                          seen in
============================  ==========================================
``02-12-26`` ``13/09/2026``    most bank SMS, HDFC/ICICI statements
``2026-08-19``                 Bank of Baroda, ICICI SMS
``28Jul26`` ``06SEP26``        SBI, Federal Bank
``03-Sep-26`` ``16-MAY-26``    ICICI, HDFC, Kotak, IndusInd
``05 Aug 2026`` ``01 Jul, 2026``  SBI statements, GPay statement, PhonePe receipt
``Aug 26, 2026``               PhonePe statement
============================  ==========================================
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MON = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"

SHAPES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[int, int, int]]]] = [
    (
        re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
        lambda m: (int(m["y"]), int(m["m"]), int(m["d"])),
    ),
    (
        re.compile(r"(?<![\d.])(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4}|\d{2})(?![\d])"),
        lambda m: (_year(m["y"]), int(m["m"]), int(m["d"])),
    ),
    (
        re.compile(
            rf"(?<!\d)(?P<d>\d{{1,2}})[-/ ]?{_MON}[-/ ,]*(?P<y>\d{{4}}|\d{{2}})(?!\d)", re.I
        ),
        lambda m: (_year(m["y"]), MONTHS[m["mon"].lower()], int(m["d"])),
    ),
    (
        re.compile(rf"\b{_MON}\.? (?P<d>\d{{1,2}}),? (?P<y>\d{{4}})(?!\d)", re.I),
        lambda m: (int(m["y"]), MONTHS[m["mon"].lower()], int(m["d"])),
    ),
]


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def find_date(text: str) -> date | None:
    """The earliest valid date written in ``text``, or ``None``."""
    found: list[tuple[int, date]] = []
    for pattern, parts in SHAPES:
        for match in pattern.finditer(text):
            try:
                found.append((match.start(), date(*parts(match))))
            except ValueError:  # 31-02-26, month 13 …: not a date, keep looking
                continue
            break
    return min(found)[1] if found else None


def parse_day(text: str) -> date:
    """``text`` as one date and nothing else (a statement cell).

    Raises:
        ValueError: ``text`` is not a date in one of the shapes above.
    """
    cell = text.strip()
    for pattern, parts in SHAPES:
        match = pattern.fullmatch(cell) or pattern.match(cell)
        if match and not cell[match.end() :].strip(" 0123456789:apmAPM"):
            try:
                return date(*parts(match))
            except ValueError:
                break
    raise ValueError(f"'{cell}' is not a date (try 02/12/2026 or 02-Dec-26)")
