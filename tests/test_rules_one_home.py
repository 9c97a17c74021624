"""Rules with one home: what the rules engine and the assistant's tools both decide.

The command path and the model path must read an amount the same way, fall back from
a bad timezone the same way, and show money the same way; these tests feed one table
through both sides.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.admin.timeframe import day_bounds, local_today, utc_offset_minutes
from bot.engine.amounts import find_amounts, format_money
from bot.engine.grammar import parse_command
from bot.engine.timezones import operator_tz, project_tz
from bot.scheduler.hours import brief_due, local_day, local_day_start, may_nudge
from bot.whatsapp.unknown_senders import start_of_day
from tools.base import ToolContext, ToolRefused
from tools.guards import require_stated_amount

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")

AMOUNTS = [
    ("25000", "25000"),
    ("25,000", "25000"),
    ("₹25k", "25000"),
    ("25k", "25000"),
    ("Rs 5,00,000", "500000"),
    ("rs. 1500", "1500"),
    ("INR 750", "750"),
    ("2.5L", "250000"),
    ("1 lakh", "100000"),
    ("1.5 lakhs", "150000"),
    ("2 lacs", "200000"),
    ("3 lac", "300000"),
    ("5 hazaar", "5000"),
    ("5 hazar", "5000"),
    ("10 thousand", "10000"),
    ("1cr", "10000000"),
    ("2 crores", "20000000"),
    ("1 crore", "10000000"),
]


@pytest.mark.parametrize(("written", "value"), AMOUNTS)
def test_a_command_and_the_amount_guard_read_the_same_amount(written: str, value: str) -> None:
    message = f"pledged {written} by friday"
    command = parse_command(message, NOW, KOLKATA)
    assert command is not None and command.name == "outcome", command
    assert command.args["amount"] == Decimal(value)
    assert find_amounts(message) == [Decimal(value)]
    ctx = SimpleNamespace(operator_words=[message])
    require_stated_amount(ctx, Decimal(value))  # the guard accepts what the command read
    with pytest.raises(ToolRefused):
        require_stated_amount(ctx, Decimal(value) + 1)


def test_find_amounts_reads_every_amount_and_leaves_other_words_alone() -> None:
    text = "spoke to Anita, 2 lacs by friday, paid 5 hazaar; 3 kids, call at 0"
    assert find_amounts(text) == [Decimal(200000), Decimal(5000), Decimal(3)]


BAD = SimpleNamespace(
    timezone="Mars/Olympus_Mons",
    quiet_hours_start=None,
    quiet_hours_end=None,
    morning_brief_at="08:30",
)


@pytest.mark.parametrize(
    ("user_tz", "project_tz_name", "expected"),
    [
        ("Mars/Olympus_Mons", "Europe/London", "Europe/London"),
        ("Mars/Olympus_Mons", "Not/AZone", "Asia/Kolkata"),
        ("", None, "Asia/Kolkata"),
        ("America/New_York", "Europe/London", "America/New_York"),
    ],
)
def test_operator_timezone_falls_back_to_the_project_then_kolkata(
    user_tz: str, project_tz_name: str | None, expected: str
) -> None:
    user = SimpleNamespace(timezone=user_tz)
    project = SimpleNamespace(timezone=project_tz_name)
    assert operator_tz(user, project).key == expected


def test_every_local_time_survives_an_unknown_timezone() -> None:
    project = SimpleNamespace(timezone="Not/AZone")
    assert project_tz(project) == KOLKATA
    assert local_day(BAD, project, NOW) == date(2026, 11, 26)
    assert local_day_start(BAD, project, NOW).tzinfo == KOLKATA
    assert may_nudge(BAD, project, NOW) is True  # 10:00 in Kolkata
    assert brief_due(BAD, project, NOW) is True
    assert day_bounds(date(2026, 11, 26), "Not/AZone")[0].tzinfo == KOLKATA
    assert local_today(NOW, "Not/AZone") == date(2026, 11, 26)
    assert utc_offset_minutes(NOW, "Not/AZone") == 330
    assert start_of_day(NOW, "Not/AZone").tzinfo == KOLKATA


def test_the_tools_see_the_same_timezone_as_the_engine() -> None:
    user = SimpleNamespace(timezone="Mars/Olympus_Mons")
    project = SimpleNamespace(timezone="Europe/London")
    ctx = ToolContext.__new__(ToolContext)
    ctx.operator, ctx.project = user, project
    assert ctx.tz == operator_tz(user, project) == ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("200000", "INR", "₹2,00,000"),
        ("12500000", "INR", "₹1,25,00,000"),
        ("999", "INR", "₹999"),
        ("1040000.5", "INR", "₹10,40,000.50"),
        ("-2500", "INR", "-₹2,500"),
        ("12500.5", "USD", "$12,500.50"),
        ("900", "AED", "AED 900"),
        (None, "INR", "₹0"),
    ],
)
def test_one_money_format(amount: str | None, currency: str, shown: str) -> None:
    assert format_money(Decimal(amount) if amount else None, currency) == shown
