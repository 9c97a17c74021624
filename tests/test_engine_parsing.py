"""Amounts, dates and times as operators type them; drafts and UPI links."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.engine.amounts import AmountError, format_money, parse_amount
from bot.engine.drafts import MAX_DRAFT, fit, upi_link
from bot.engine.when import next_working_day, parse_day, parse_moment
from bot.engine.when_rules import WhenError

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # Thursday 10:00 IST
IST = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("25000", "25000"),
        ("25,000", "25000"),
        ("₹25k", "25000"),
        ("25k", "25000"),
        ("25K", "25000"),
        ("2.5L", "250000"),
        ("1 lakh", "100000"),
        ("1.5 lakh", "150000"),
        ("1cr", "10000000"),
        ("Rs 5,00,000", "500000"),
        ("rs.1200", "1200"),
        ("INR 999.50", "999.50"),
        ("₹ 1,25,000/-", "125000"),
        ("3 lakhs", "300000"),
        ("2 hazar", "2000"),
    ],
)
def test_amounts(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text", ["", "abc", "0", "-5", "25kk", "1.2.3", "99999999999", "25 bucks", "₹"]
)
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_indian_grouping() -> None:
    assert format_money(Decimal("12500000")) == "₹1,25,00,000"
    assert format_money(Decimal("25000")) == "₹25,000"
    assert format_money(Decimal("999.5")) == "₹999.50"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", date(2026, 11, 26)),
        ("tomorrow", date(2026, 11, 27)),
        ("kal", date(2026, 11, 27)),
        ("parso", date(2026, 11, 28)),
        ("fri", date(2026, 11, 27)),
        ("thursday", date(2026, 12, 3)),
        ("mon", date(2026, 11, 30)),
        ("28 nov", date(2026, 11, 28)),
        ("nov 28", date(2026, 11, 28)),
        ("28/11", date(2026, 11, 28)),
        ("2/1", date(2027, 1, 2)),
        ("2026-12-15", date(2026, 12, 15)),
        ("in 3 days", date(2026, 11, 29)),
        ("next week", date(2026, 11, 30)),
        ("5 jan", date(2027, 1, 5)),
        ("by 1st dec", date(2026, 12, 1)),
        ("shukravar", date(2026, 11, 27)),
    ],
)
def test_days(text: str, day: date) -> None:
    assert parse_day(text, NOW, IST) == day


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("5pm", datetime(2026, 11, 26, 17, 0)),
        ("17:30", datetime(2026, 11, 26, 17, 30)),
        ("tomorrow 5pm", datetime(2026, 11, 27, 17, 0)),
        ("5pm tomorrow", datetime(2026, 11, 27, 17, 0)),
        ("kal shaam", datetime(2026, 11, 27, 18, 0)),
        ("9am", datetime(2026, 11, 27, 9, 0)),
        ("2h", datetime(2026, 11, 26, 12, 0)),
        ("in 30 min", datetime(2026, 11, 26, 10, 30)),
        ("fri 11:15am", datetime(2026, 11, 27, 11, 15)),
        ("28/11 at 4pm", datetime(2026, 11, 28, 16, 0)),
        ("tomorrow", datetime(2026, 11, 27, 10, 0)),
    ],
)
def test_moments_in_the_operators_timezone(text: str, local: datetime) -> None:
    assert parse_moment(text, NOW, IST) == local.replace(tzinfo=IST).astimezone(UTC)


def test_moments_follow_another_timezone() -> None:
    assert parse_moment("5pm", NOW, ZoneInfo("Europe/London")) == datetime(
        2026, 11, 26, 17, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "someday",
        "31/02",
        "25:00",
        "13pm",
        "fri sat",
        "5pm 6pm",
        "yesterday",
        "2h tomorrow",
        "today 8am",
    ],
)
def test_bad_moments_are_refused(text: str) -> None:
    with pytest.raises(WhenError):
        parse_moment(text, NOW, IST)


def test_past_days_are_refused() -> None:
    with pytest.raises(WhenError):
        parse_day("2026-11-01", NOW, IST)


def test_next_working_day_skips_sunday() -> None:
    saturday = datetime(2026, 11, 28, 6, tzinfo=UTC)
    assert next_working_day(saturday, IST) == datetime.combine(date(2026, 11, 30), time(10), IST)


def test_upi_link_is_url_encoded() -> None:
    link = upi_link("asha@okaxis", "Asha Foundation", Decimal("15000"), "Pledge Anita Sharma")
    assert link == (
        "upi://pay?pa=asha%40okaxis&pn=Asha%20Foundation&am=15000.00&cu=INR"
        "&tn=Pledge%20Anita%20Sharma"
    )
    query = parse_qs(urlsplit(link).query)
    assert query["pa"] == ["asha@okaxis"] and query["cu"] == ["INR"]


def test_long_templates_are_shortened_but_keep_the_link() -> None:
    link = upi_link("asha@okaxis", "Asha", Decimal(1), "x")
    text = fit("Hi Anita, " + "very long words " * 40 + link, [link], "+919812345678")
    assert len(text) <= MAX_DRAFT and text.endswith(link)
