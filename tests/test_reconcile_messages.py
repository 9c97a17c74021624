"""Forwarded payment messages: real-world formats read into exact fields, and nothing
that is not money received is ever read as a credit.

The samples are in ``tests/data/payment_messages.jsonl``, one per line with the
expected fields and the public source of the format (``source``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.reconcile.credit import Credit, make_credit
from bot.reconcile.messages import classify, looks_forwarded, read_message
from tests.reconcile_support import CREDITS, OTHERS, SAMPLES


def test_the_collection_covers_at_least_thirty_formats_with_sources() -> None:
    assert len(CREDITS) >= 30
    assert len({s["id"] for s in SAMPLES}) == len(SAMPLES)
    assert all(s["source"].strip() for s in SAMPLES)
    banks = {s["id"].split(".")[0] for s in CREDITS}
    for family in ("sbi", "hdfc", "icici", "axis", "kotak", "pnb", "bob", "canara", "union"):
        assert family in banks, family
    for family in ("idfc", "yes", "indusind", "gpay", "phonepe", "paytm"):
        assert family in banks, family


def _fields(credit: Credit) -> dict[str, str | None]:
    return {
        "amount": str(credit.amount),
        "on": credit.on.isoformat() if credit.on else None,
        "reference": credit.reference,
        "payer_vpa": credit.payer_vpa,
        "payer_name": credit.payer_name,
        "account_tail": credit.account_tail,
        "method": credit.method,
    }


@pytest.mark.parametrize("sample", CREDITS, ids=[s["id"] for s in CREDITS])
def test_a_credit_message_is_read_exactly(sample: dict) -> None:
    verdict = read_message(sample["text"])
    assert verdict.kind == "credit", verdict
    assert verdict.credit is not None, verdict.problem
    assert _fields(verdict.credit) == sample["expect"]


@pytest.mark.parametrize("sample", OTHERS, ids=[s["id"] for s in OTHERS])
def test_debits_otps_promos_and_notices_are_never_credits(sample: dict) -> None:
    assert classify(sample["text"]) == sample["kind"]
    verdict = read_message(sample["text"])
    assert verdict.kind != "credit" and verdict.credit is None


@pytest.mark.parametrize(
    "text",
    [
        "paid 10000 upi",
        "paid ₹10,000 upi ref 412345678901",
        "received 25k from Anita",
        "spoke to Anita, she pledged ₹25,000, pays Friday",
        "Anita paid ₹5000 by UPI yesterday",
        "next",
        "",
    ],
)
def test_an_operators_own_words_are_not_a_forwarded_message(text: str) -> None:
    assert not looks_forwarded(text)
    assert read_message(text).kind == "none"


def test_a_credit_survives_its_payload_round_trip() -> None:
    credit = make_credit(
        "10,000.00",
        on=date(2026, 12, 2),
        reference="4123 4567 8901",
        payer_vpa="Anita.S@OKAXIS",
        payer_name="Mrs ANITA  SHARMA.",
        account_tail="XX5678",
        method="upi",
        source="message",
    )
    assert (credit.amount, credit.reference, credit.payer_vpa, credit.payer_name) == (
        Decimal("10000.00"),
        "412345678901",
        "anita.s@okaxis",
        "ANITA SHARMA",
    )
    assert credit.account_tail == "5678"
    assert Credit.from_payload(credit.payload()) == credit
    assert credit.describe() == "₹10,000 from anita.s@okaxis on Wed 2 Dec"
    with pytest.raises(ValueError):
        Credit.from_payload({"amount": "-5"})
