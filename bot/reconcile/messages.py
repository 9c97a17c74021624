"""Forwarded payment messages: tell a bank or UPI credit from everything else, and read it.

:func:`classify` says what a message is (see :data:`bot.reconcile.formats.KINDS`);
:func:`read_credit` reads a credit's fields with the tables in
:mod:`bot.reconcile.formats` and the narration reader. Each field is trusted for a
stated reason (docs/reconciliation.md): the amount is the first rupee amount, because
every format puts the credited amount before any balance; the date is the first date,
because a credit SMS dates the credit before anything else; the reference is read from
its label (UTR, RRN, UPI Ref …), never guessed from a bare number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.amounts import AmountError
from bot.reconcile import formats
from bot.reconcile.credit import AMOUNT_IN_TEXT, Credit, make_credit
from bot.reconcile.dates import find_date
from bot.reconcile.narration import read_narration

#: Some debit SMS print the amount without a currency ("debited by 100.00").
_BARE_AMOUNT = re.compile(r"\b\d[\d,]*\.\d{2}\b")
#: SBI's UPI credit does too ("A/C X1234 credited by 2500.00 on date 26Nov26 trf from …"):
#: a bare amount is read only right after "credited by".
_CREDITED_BY = re.compile(r"\bcredited\s+by\s+(?P<amount>\d[\d,]*(?:\.\d{1,2})?)\b", re.I)
#: What each non-credit kind is, in the operator's words.
NOT_A_PAYMENT = {
    "otp": "an OTP message, not a payment (never share OTPs)",
    "request": "a UPI collect request, not a payment received",
    "failed": "a failed or reversed transaction, not a payment received",
    "future": "a notice of money that has not moved yet",
    "debit": "a debit – money going out, not a payment received",
    "promo": "a promotional message, not a payment",
    "card": "a credit to a card, not a donor's payment",
    "refund": "a refund, cashback or interest credit, not a donor's payment",
}


@dataclass(frozen=True)
class Verdict:
    """What a forwarded text is: ``credit``, one of :data:`NOT_A_PAYMENT`, or ``none``."""

    kind: str
    credit: Credit | None = None
    problem: str | None = None


def looks_forwarded(text: str) -> bool:
    """True when ``text`` is shaped like a bank or app message, not an operator's words."""
    if not (AMOUNT_IN_TEXT.search(text or "") or _BARE_AMOUNT.search(text or "")):
        return False
    score = sum(weight for weight, pattern in formats.STRUCTURE if pattern.search(text))
    return score >= 2


def classify(text: str) -> str:
    """The first kind in :data:`formats.KINDS` that matches, or ``none``."""
    body = formats.BOILERPLATE.sub(" ", text or "")
    for kind, pattern in formats.KINDS:
        if pattern.search(body):
            return kind
    return "none"


def read_message(text: str) -> Verdict:
    """Classify a forwarded message and, for a credit, read its fields."""
    if not looks_forwarded(text):
        return Verdict("none")
    kind = classify(text)
    if kind != "credit":
        return Verdict(kind)
    try:
        return Verdict("credit", read_credit(text))
    except (AmountError, ValueError) as exc:
        return Verdict("credit", problem=str(exc))


def read_credit(text: str) -> Credit:
    """Every field of a credit message that its format states.

    Raises:
        AmountError: no readable rupee amount.
    """
    amount = AMOUNT_IN_TEXT.search(text) or _CREDITED_BY.search(text)
    if amount is None:
        raise AmountError("no rupee amount in the message")
    narration = read_narration(text)
    vpa = formats.VPA.search(text)
    return make_credit(
        amount["amount"],
        on=find_date(text),
        reference=_first(formats.REFERENCES, text, "ref")
        or (narration.reference if narration else None),
        payer_vpa=vpa["vpa"] if vpa else None,
        payer_name=_first(formats.NAMES, text, "name")
        or (narration.payer_name if narration else None),
        account_tail=_first(formats.ACCOUNTS, text, "tail"),
        method=_method(text, narration.method if narration else None),
        source="message",
    )


def read_fields(text: str, amount: str) -> Credit:
    """A statement line's narration read like a message, with the amount from its column."""
    narration = read_narration(text)
    vpa = formats.VPA.search(text)
    return make_credit(
        amount,
        reference=(narration.reference if narration else None)
        or _first(formats.REFERENCES, text, "ref"),
        payer_vpa=(narration.payer_vpa if narration else None) or (vpa["vpa"] if vpa else None),
        payer_name=(narration.payer_name if narration else None)
        or _first(formats.NAMES, text, "name"),
        method=_method(text, narration.method if narration else None),
        source="statement",
    )


def _first(patterns: list[re.Pattern[str]], text: str, group: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match and match[group]:
            return match[group]
    return None


def _method(text: str, rail: str | None) -> str:
    """``upi`` only when the text says UPI (or names a UPI app or a VPA); else ``bank``."""
    if rail is not None:
        return rail
    return "upi" if formats.UPI_RAIL.search(text) else "bank"
