"""A payment made on an earlier day: read as that day, read back, and dated so.

"paid 10k yesterday" used to be written at once as paid today (the day left in the
note), and "paid 10000 on 25/11" was refused. The day is now read as one gone by
(:mod:`bot.engine.paid_day`), the report is read back with it, and the payment's
``paid_at`` is noon of that day in the operator's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.engine.paid_day import read_paid_day
from bot.engine.reading import read_report
from bot.engine.report import merge
from bot.engine.when_rules import WhenError
from bot.models import AgentLog, Contact, Payment
from bot.store import ProjectScope
from tests.agent_support import rows
from tests.agent_support import run_turn as run_agent_turn
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import reply, tool_use

pytest_plugins = ("tests.agent_fixtures",)

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # Thursday 26 Nov 2026, 10:00 IST
TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("yesterday", date(2026, 11, 25)),
        ("yesterdy", date(2026, 11, 25)),
        ("ystrday", date(2026, 11, 25)),
        ("kal", date(2026, 11, 25)),
        ("kal shaam", date(2026, 11, 25)),
        ("last night", date(2026, 11, 25)),
        ("day before yesterday", date(2026, 11, 24)),
        ("parso", date(2026, 11, 24)),
        ("3 days ago", date(2026, 11, 23)),
        ("two days back", date(2026, 11, 24)),
        ("do din pehle", date(2026, 11, 24)),
        ("on monday", date(2026, 11, 23)),
        ("last friday", date(2026, 11, 20)),
        ("pichle somvar", date(2026, 11, 23)),
        ("thursday", date(2026, 11, 19)),  # said on a Thursday: the one before
        ("on 25/11", date(2026, 11, 25)),
        ("25 nov", date(2026, 11, 25)),
        ("nov 25th", date(2026, 11, 25)),
        ("2026-11-20", date(2026, 11, 20)),
        ("25.11.2026", date(2026, 11, 25)),
        ("25/11/26", date(2026, 11, 25)),
        ("25th", date(2026, 11, 25)),
        ("30th", date(2026, 10, 30)),  # this month's 30th is ahead
        ("today", TODAY),
        ("this morning", TODAY),
    ],
)
def test_the_day_of_a_payment_is_one_gone_by(words: str, day: date) -> None:
    assert read_paid_day(words, TODAY) == day


@pytest.mark.parametrize(
    ("words", "error"),
    [
        ("tomorrow", "Fri 27 Nov is still ahead: money to come is a pledge"),
        ("28/11", "Sat 28 Nov is still ahead"),
        ("25 dec", "Fri 25 Dec is still ahead"),
        ("last week", "“last week”: when was it paid?"),
        ("a few days back", "when was it paid?"),
        ("15/8", "Sat 15 Aug is over three months ago"),
        ("29 feb", "29/2 is not a date in the last year"),
        ("someday", "when was it paid?"),
    ],
)
def test_a_day_ahead_vague_or_long_ago_is_asked_about(words: str, error: str) -> None:
    with pytest.raises(WhenError, match=error):
        read_paid_day(words, TODAY)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("paid 10k yesterday", date(2026, 11, 25)),
        ("yesterday she paid 10k by gpay", date(2026, 11, 25)),
        ("kal 10k diya upi se", date(2026, 11, 25)),
        ("received 25k on monday via neft", date(2026, 11, 23)),
        ("paid 10000 on 25/11", date(2026, 11, 25)),
        ("paid 2k, 3 days ago", date(2026, 11, 23)),
        ("paid rs 10000/- on 25.11.2026", date(2026, 11, 25)),
        # the pledge's clause is done: kal belongs to the payment said with it
        ("25k pledge kiya, 5k kal diya, baaki month end tak", date(2026, 11, 25)),
        # a cheque's date, the bank it is drawn on a detail of the payment
        ("Rs. 2,51,000 received by cheque no. 112233 dt 25/11", date(2026, 11, 25)),
        ("paid 10k cheque 445566 hdfc yesterday", date(2026, 11, 25)),
        ("pledged 25k, paid 5k yesterday, rest by friday", date(2026, 11, 25)),
    ],
)
def test_a_report_carries_the_payments_day_and_is_read_back(text: str, day: date) -> None:
    reading = read_report(text, NOW, IST)
    args, problems = merge(reading)
    assert problems == [] and args is not None
    assert args["paid_on"] == day
    assert reading.soft, "a payment's day is read back, never written at once"


@pytest.mark.parametrize(
    "text",
    [
        "paid 10k tomorrow",
        "paid 10k in 2 days",
        "paid 10k last week",
        "paid 5k on 28/11",
        # a second amount with a day after a payment: another payment, or a pledge?
        "paid 5k yesterday and 5k on monday",
        "paid 5k, 20k by friday",
        # a day that is not the payment's, or not one day
        "paid 10k on monday or tuesday",
        "paid 10k on diwali",
        "monday se pehle 10k diya tha",
        "paid 10k before monday",
        "paid 10k. yesterday was her birthday btw",
        "paid 10k for the gala yesterday",
    ],
)
def test_a_payment_dated_ahead_or_vaguely_is_not_recorded(text: str) -> None:
    args, problems = merge(read_report(text, NOW, IST))
    assert args is None and problems


def test_past_words_without_a_payment_date_nothing() -> None:
    """No payment, no day to give it: the words stay unread (and kal on a pledge is
    still the day it will be paid)."""
    reading = read_report("not picking up since yesterday", NOW, IST)
    assert reading.paid_on is None and "yesterday" in reading.unread
    pledge = read_report("pledged 25k, will pay kal", NOW, IST)
    assert pledge.paid_on is None and pledge.expected_by == date(2026, 11, 27)
    today = merge(read_report("paid 10k today upi", NOW, IST))[0]
    assert today is not None and "paid_on" not in today


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db)
    operator = Operator(runtime, project, make_user(db, project, "Priya Nair"))
    make_contact(db, project, "Ravi Kumar")
    return operator


def _payments(db, op: Operator) -> list[tuple[str, Decimal, datetime]]:
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        names = {c.id: c.display_name for c in scope.all(Contact)}
        return [(names[p.contact_id], p.amount, p.paid_at) for p in scope.all(Payment)]


def test_yes_records_the_payment_on_its_day_and_undo_removes_it(op: Operator, db) -> None:
    before = row_counts(db, op.project.id)
    asked = op.say("Ravi ne kal 10k diya gpay se")
    assert asked.text.startswith("Record for Ravi Kumar: paid ₹10,000 by GPay on Wed 25 Nov?")
    assert row_counts(db, op.project.id) == before
    saved = op.say("yes")
    assert saved.text.startswith("Logged Ravi Kumar: paid; payment ₹10,000 by GPay paid Wed 25 Nov")
    noon = datetime(2026, 11, 25, 12, 0, tzinfo=IST).astimezone(UTC)
    assert _payments(db, op) == [("Ravi Kumar", Decimal(10000), noon)]
    op.say("undo")
    assert _payments(db, op) == []


@pytest.mark.parametrize("joke", ["paid 10k yesterday lol jk", "paid 10k kal, just kidding"])
def test_a_payment_said_in_jest_is_not_recorded(op: Operator, db, joke: str) -> None:
    op.say("find Ravi")
    before = row_counts(db, op.project.id)
    op.say(joke)
    op.say("yes")
    assert row_counts(db, op.project.id) == before


def test_a_payment_said_today_is_recorded_now(op: Operator, db) -> None:
    op.say("find Ravi")
    op.say("paid 5k cash")
    [(_, amount, paid_at)] = _payments(db, op)
    assert amount == Decimal(5000) and paid_at == op.clock.now()


def test_the_assistant_dates_a_payment_it_was_told_of(agent_runtime, scripted) -> None:
    """The model's ``record_payment`` takes ``paid_on`` too; a day ahead is refused."""
    project = make_project(agent_runtime.db)
    user = make_user(agent_runtime.db, project, "Priya Nair")
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    paid = {"contact_id": str(anita.id), "amount": "25000", "method": "upi"}
    scripted.add(
        reply(tool_use("record_payment", paid | {"paid_on": "2026-11-27"}, "toolu_1")),
        reply(tool_use("record_payment", paid | {"paid_on": "2026-11-25"}, "toolu_2")),
        reply("Saved Anita's ₹25,000 by UPI, paid yesterday."),
    )
    run_agent_turn(agent_runtime, project, user, "Anita paid 25k yesterday, her driver answered")
    [ahead, saved] = [g for g in rows(agent_runtime, AgentLog) if g.action == "record_payment"]
    assert ahead.status == "refused" and "still ahead" in (ahead.error or "")
    assert saved.status == "ok"
    [payment] = rows(agent_runtime, Payment)
    assert payment.paid_at == datetime(2026, 11, 25, 12, 0, tzinfo=IST).astimezone(UTC)


@pytest.mark.parametrize(
    ("first", "correction", "day"),
    [
        ("paid 10k upi", "sorry, she paid that yesterday, not today", date(2026, 11, 25)),
        ("paid 10k upi", "galti, kal diya tha", date(2026, 11, 25)),
        ("paid 10k upi", "correction: paid on monday", date(2026, 11, 23)),
        ("paid 10k upi yesterday", "sorry, it was today", TODAY),
    ],
)
def test_a_saved_payments_day_is_corrected_after_a_read_back(
    op: Operator, db, first: str, correction: str, day: date
) -> None:
    op.say("find Ravi")
    if op.say(first).text.startswith("Record for"):
        op.say("yes")
    asked = op.say(correction)
    assert asked.text.startswith("Correct the last entry: Ravi Kumar – paid ₹10,000 by UPI")
    [(_, _, before)] = _payments(db, op)
    op.say("yes")
    [(_, amount, paid_at)] = _payments(db, op)
    assert amount == Decimal(10000) and paid_at != before
    assert paid_at.astimezone(IST).date() == day


def test_a_day_after_other_words_is_not_taken_for_the_payments() -> None:
    """``for the gala on 30th``: the gala's day; left unread, so the report is refused."""
    reading = read_report("paid 10k for the gala on 30th", NOW, IST)
    assert reading.paid_on is None and "on 30th" in reading.unread


def test_a_plan_after_the_payment_keeps_it_today() -> None:
    """``will deposit on monday`` is the operator's plan: the story, not the day paid."""
    reading = read_report(
        "got the cheque from them today!! 1,00,000, cheque number 778812, HDFC. "
        "will deposit on monday",
        NOW,
        IST,
    )
    args, problems = merge(reading)
    assert problems == [] and args is not None and "paid_on" not in args
    assert reading.narrative == ["will deposit on monday"]


@pytest.mark.parametrize(
    ("text", "outcome", "by"),
    [
        ("will receive 25k on monday", "pledged", date(2026, 11, 30)),
        ("Ravi Kumar ne 11k pledge kiya kal tak", "pledged", date(2026, 11, 27)),
        ("11k pledge kiya, kal ko dega", "pledged", date(2026, 11, 27)),
    ],
)
def test_money_still_to_come_is_a_pledge(text: str, outcome: str, by: date) -> None:
    args, problems = merge(read_report(text, NOW, IST))
    assert problems == [] and args is not None
    assert (args["outcome"], args.get("expected_by"), args.get("paid_on")) == (outcome, by, None)


def test_kal_with_a_past_pledge_is_asked() -> None:
    """``kal 10k pledge kiya``: pledged yesterday, or due tomorrow? (``kal tak`` says)."""
    args, problems = merge(read_report("kal 10k pledge kiya", NOW, IST))
    assert args is None and problems == ["“kal”: yesterday or tomorrow? say kal tak, or the date"]
