"""A credit: money the bank says came in, as read from a message, a screenshot or a
statement line. Matching and recording only ever see this shape."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.engine.amounts import AmountError, format_money, parse_amount
from bot.engine.wording import day_text

#: Where a rupee amount sits in bank text (``Rs.1,250.00``, ``INR 500``, ``Rs:60.00``,
#: ``₹10,000``); the number itself is always read by :func:`parse_amount`.
AMOUNT_IN_TEXT = re.compile(
    r"(?:\brs\.?|\binr\.?|₹)\s*[:.]?\s*(?P<amount>\d[\d,]*(?:\.\d{1,2})?)", re.IGNORECASE
)
_VPA = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}@[a-z][a-z0-9]{1,31}$")
_REFERENCE = re.compile(r"^[A-Z0-9]{6,35}$")
METHODS = ("upi", "bank")


@dataclass(frozen=True)
class Credit:
    """Money received, with whatever the source said about it.

    Attributes:
        amount: rupees, two places.
        on: the day the bank credited it (operator's calendar), when stated.
        reference: UTR / UPI reference / RRN / NEFT UTR, upper case, no spaces.
        payer_vpa: the payer's UPI address, lower case.
        payer_name: the payer's name as the bank or app spelled it.
        account_tail: last digits of the account credited (ours), when shown.
        method: ``upi`` or ``bank`` (NEFT, IMPS, RTGS, transfers).
        source: which format family read it (for the docs, logs and the admin).
    """

    amount: Decimal
    on: date | None = None
    reference: str | None = None
    payer_vpa: str | None = None
    payer_name: str | None = None
    account_tail: str | None = None
    method: str = "upi"
    source: str = ""

    def payload(self) -> dict[str, Any]:
        """JSON for a pending confirmation or a review row."""
        data = asdict(self)
        data["amount"] = str(self.amount)
        data["on"] = self.on.isoformat() if self.on else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Credit:
        """The inverse of :meth:`payload`; raises ``ValueError`` on a damaged payload."""
        try:
            return make_credit(
                str(data["amount"]),
                on=date.fromisoformat(data["on"]) if data.get("on") else None,
                reference=data.get("reference"),
                payer_vpa=data.get("payer_vpa"),
                payer_name=data.get("payer_name"),
                account_tail=data.get("account_tail"),
                method=data.get("method") or "upi",
                source=data.get("source") or "",
            )
        except (KeyError, TypeError, AmountError) as exc:
            raise ValueError(f"not a credit: {exc}") from exc

    def with_source(self, source: str) -> Credit:
        return replace(self, source=source)

    def describe(self) -> str:
        """``₹10,000 from anita.s@okaxis on 2 Dec`` — what the operator reads back."""
        who = self.payer_vpa or self.payer_name
        parts = [format_money(self.amount)]
        if who:
            parts.append(f"from {who}")
        if self.on:
            parts.append(f"on {day_text(self.on)}")
        return " ".join(parts)


def make_credit(amount: str | Decimal, **fields: Any) -> Credit:
    """A :class:`Credit` with every field normalised; the amount goes through parse_amount.

    Raises:
        AmountError: the amount is not a positive rupee amount.
        ValueError: the method is not ``upi`` or ``bank``.
    """
    value = amount if isinstance(amount, Decimal) else parse_amount(str(amount))
    method = fields.pop("method", "upi") or "upi"
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    return Credit(
        amount=value.quantize(Decimal("0.01")),
        on=fields.get("on"),
        reference=reference_key(fields.get("reference")),
        payer_vpa=normalise_vpa(fields.get("payer_vpa")),
        payer_name=clean_name(fields.get("payer_name")),
        account_tail=_tail(fields.get("account_tail")),
        method=method,
        source=fields.get("source") or "",
    )


def reference_key(raw: str | None) -> str | None:
    """A UTR as compared everywhere: upper case, no spaces; ``None`` if implausible."""
    key = re.sub(r"[\s-]", "", raw or "").upper()
    return key if _REFERENCE.match(key) and sum(c.isdigit() for c in key) >= 6 else None


def normalise_vpa(raw: str | None) -> str | None:
    """``Anita.S@OKAXIS`` → ``anita.s@okaxis``; anything that is not a VPA → ``None``."""
    vpa = (raw or "").strip().strip(".,;()").lower()
    return vpa if _VPA.match(vpa) else None


def clean_name(raw: str | None) -> str | None:
    """A payer name with honorifics and stray punctuation removed, spaces collapsed."""
    name = re.sub(r"\s+", " ", raw or "").strip(" .,;:-()")
    name = re.sub(r"^(?:mr|mrs|ms|miss|dr|shri|smt|m/s)\.?\s+", "", name, flags=re.I)
    return name if sum(c.isalpha() for c in name) >= 2 else None


def _tail(raw: str | None) -> str | None:
    digits = re.sub(r"\D", "", raw or "")
    return digits[-4:] if len(digits) >= 3 else None
