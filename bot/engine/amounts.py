"""Reading and showing rupee amounts the way Indian fundraisers type them.

``25000``, ``25,000``, ``₹25k``, ``25k``, ``2.5L``, ``1 lakh``, ``1.5 lakh``, ``1cr``,
``2 lakh 50 hazar``, ``Rs 5,00,000``, ``25000 rupees``, ``25k rs``, ``₹25,000/-`` all become
:class:`~decimal.Decimal`. Anything else is refused with a reason (``0`` and ``-5000``:
"the amount must be more than zero"; ``25-30k``: one amount, not a range); an amount is
never guessed. :func:`parse_amount` reads a whole text, :func:`match_amount` the amount
at the start of a text (for the message reader), :func:`find_amounts` every amount in a
sentence (for the assistant's guard) — all three from the same pattern.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.engine.when_rules import DAY_MONTH

#: Words and letters that multiply the number before them.
MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1),
    "k": Decimal(1_000),
    "thousand": Decimal(1_000),
    "hazar": Decimal(1_000),
    "l": Decimal(100_000),
    "lac": Decimal(100_000),
    "lacs": Decimal(100_000),
    "lakh": Decimal(100_000),
    "lakhs": Decimal(100_000),
    "cr": Decimal(10_000_000),
    "crore": Decimal(10_000_000),
    "crores": Decimal(10_000_000),
    "hajar": Decimal(1_000),
    "hazaar": Decimal(1_000),
}

#: NUMERIC(12,2) holds up to 9,999,999,999.99.
MAX_AMOUNT = Decimal("9999999999.99")

_NUMBER = r"(?P<number>\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_PREFIX = r"(?:₹|\brs\.?|\brupees?\b|\binr\b)?\s*"
_UNITS = "|".join(sorted((re.escape(u) for u in MULTIPLIERS if u), key=len, reverse=True))
#: Words after an amount that only say it is in rupees (``25000 rupees``, ``25k rs``).
_SUFFIX = r"(?:\s*(?:/-|\b(?:rupees?|rupaye|rupay|rs\.?|inr)(?![a-z])))?(?:\s*/-)?"
_AMOUNT_RE = re.compile(
    rf"^{_PREFIX}(?P<sign>-\s*)?{_NUMBER}\s*(?:(?P<unit>{_UNITS})(?![a-z]))?{_SUFFIX}"
    r"\s*(?P<junk>\S.*)?$",
    re.IGNORECASE,
)
#: ``25-30k``, ``20k to 25k``: a range is not one amount.
_RANGE = re.compile(
    rf"^{_PREFIX}\d[\d,.]*\s*[a-z]*\s*(?:-|–|to|se)\s*\d[\d,.]*\s*[a-z]*(?![a-z\d])",
    re.IGNORECASE,
)

#: The forms we accept, shown when an amount cannot be read.
AMOUNT_FORMS = "25000, 25,000, ₹25k, 2.5L, 1 lakh, 1cr, Rs 5,00,000"


class AmountError(ValueError):
    """Text that is not an amount, with the reason."""


def parse_amount(text: str) -> Decimal:
    """Read ``text`` as a positive amount in rupees, to two places.

    Raises:
        AmountError: empty, malformed, zero, negative or too large.
    """
    raw = (text or "").strip()
    match = _AMOUNT_RE.match(raw)
    if _RANGE.match(raw):
        raise AmountError(f"'{raw}' is a range; give one amount")
    if not match:
        raise AmountError(f"'{raw}' is not an amount (try {AMOUNT_FORMS})")
    if match["junk"]:
        word = match["junk"].split()[0]
        raise AmountError(f"'{raw}': unknown unit '{word}' (use k, L, lakh or cr)")
    return _value(raw, match["number"], match["unit"] or "", bool(match["sign"]))


def _value(raw: str, number: str, unit: str, negative: bool) -> Decimal:
    unit = unit.lower()
    if unit not in MULTIPLIERS:
        raise AmountError(f"'{raw}': unknown unit '{unit}' (use k, L, lakh or cr)")
    try:
        value = Decimal(number.replace(",", "")) * MULTIPLIERS[unit]
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise AmountError(f"'{raw}' is not an amount") from exc
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value <= 0 or negative:
        raise AmountError("the amount must be more than zero")
    if value > MAX_AMOUNT:
        raise AmountError(f"'{raw}' is too large for one record")
    return value


#: An amount anywhere in a sentence: the number, then a unit that ends its word.
_AMOUNT_IN_TEXT = re.compile(
    r"(?:₹|\brs\.?|\binr)?\s*"
    r"(?P<number>\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?:\s*(?P<unit>{_UNITS}))?(?![a-z\d])",
    re.IGNORECASE,
)
#: An amount at the start of a text, with what may surround it (the message reader's).
_AMOUNT_AT_START = re.compile(
    rf"{_PREFIX}(?P<sign>-\s*)?{_NUMBER}(?:\s*(?P<unit>{_UNITS}))?(?![a-z\d]|[.,:/]\d)"
    rf"{_SUFFIX}",
    re.IGNORECASE,
)


#: Lakhs or crores, then thousands: ``2 lakh 50 hazar`` is one amount (2,50,000).
_BIG_UNITS = ("l", "lac", "lacs", "lakh", "lakhs", "cr", "crore", "crores")
_THOUSANDS = re.compile(
    r"\s+(?:and\s+|aur\s+)?(?P<number>\d{1,2})\s*(?:thousand|hazaa?r|hajar)(?![a-z\d])",
    re.IGNORECASE,
)
#: ``07-12-2026``, ``7/12``: a day and month (and year), not a range of amounts.
_DATE_SHAPE = re.compile(
    DAY_MONTH + r"(?![\d,.]|\s*(?:k|l|lakhs?|lacs?|cr|crores?|thousand|hazaa?r|hajar)(?![a-z]))",
    re.IGNORECASE,
)


def _thousands_after(text: str, end: int, unit: str) -> tuple[Decimal, int]:
    """The thousands written after a lakh or crore amount ending at ``end``, if any."""
    if unit.lower() not in _BIG_UNITS:
        return Decimal(0), end
    more = _THOUSANDS.match(text, end)
    if more is None:
        return Decimal(0), end
    return Decimal(more["number"]) * 1000, more.end()


def find_amounts(text: str) -> list[Decimal]:
    """Every amount written in ``text``, read exactly as :func:`parse_amount` reads it.

    ``"spoke to Anita, 2 lacs by friday, paid 5 hazaar"`` gives ``[200000, 5000]``;
    ``"2 lakh 50 hazar"`` is one amount; a number that is not an amount on its own
    (zero, too large) is left out.
    """
    found, text, pos = [], text or "", 0
    while match := _AMOUNT_IN_TEXT.search(text, pos):
        pos = match.end()
        try:
            value = parse_amount(f"{match['number']} {match['unit'] or ''}")
        except AmountError:
            continue
        extra, pos = _thousands_after(text, pos, match["unit"] or "")
        found.append(value + extra)
    return found


def match_amount(text: str) -> tuple[Decimal, int] | None:
    """The amount at the start of ``text`` and how many characters it took, or ``None``.

    ``"25k by fri"`` gives ``(25000, 3)``; ``"25000 rupees via upi"`` takes the word
    ``rupees`` too. A number glued to other letters (``5pm``, ``15th``) is not an amount.

    Raises:
        AmountError: an amount that is there but wrong (``0``, ``-5000``, ``25-30k``).
    """
    text = text or ""
    day = _DATE_SHAPE.match(text)
    if day and 1 <= int(day["day"]) <= 31 and 1 <= int(day["month"]) <= 12:
        return None  # a date for the reader's date rules
    span = _RANGE.match(text)
    if span:
        raise AmountError(f"'{span[0].strip()}' is a range; give one amount")
    match = _AMOUNT_AT_START.match(text)
    if not match:
        return None
    value = _value(match[0].strip(), match["number"], match["unit"] or "", bool(match["sign"]))
    extra, end = _thousands_after(text, match.end(), match["unit"] or "")
    return value + extra, end


def looks_like_amount(text: str) -> bool:
    """True when ``text`` parses as an amount (used to tell amounts from notes)."""
    try:
        parse_amount(text)
    except AmountError:
        return False
    return True


#: Symbols shown before an amount; other currencies show their ISO code.
SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}


def format_money(amount: Decimal | int | float | None, currency: str = "INR") -> str:
    """How Calltime shows money everywhere: ``₹1,25,000``, ``$12,500.50``, ``AED 900``.

    Rupees use Indian digit grouping (lakh, crore); other currencies group by thousands.
    Paise/cents are shown only when present.
    """
    value = Decimal(amount or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    whole = _indian_groups(whole) if currency == "INR" else f"{int(whole):,}"
    symbol = SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{whole}" + (f".{cents}" if cents != "00" else "")


def _indian_groups(digits: str) -> str:
    """``"12500000"`` → ``"1,25,00,000"``: the last three digits, then pairs."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])
