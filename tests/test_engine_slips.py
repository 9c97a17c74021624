"""Messages that look like reports but must not write as they stand.

A question about an outcome ("busy?"), the Hinglish tag "na" ("ok na": "ok, right?"),
a day and month that has just passed ("by 25/11" the day after), and a date after a
payment ("paid 10000 on 25/11") were each written: an outcome on the wrong donor, a
pledge due next year, a call back made of a payment date. Read without a database;
the amounts too small to be meant are in ``test_engine_trust.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.engine.grammar import parse_command
from bot.engine.normalise import clean, is_question
from bot.engine.reading import read_report
from bot.engine.report import merge
from bot.engine.when import parse_day
from bot.engine.when_rules import WhenError

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # Thursday 26 Nov 2026, 10:00 IST
IST = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    "text",
    [
        "busy?",
        "switched off?",
        "spoke?",
        "not interested?",
        "dnc?",
        "wrong number?",
        "pledged 25k?",
        "paid 10k upi?",
        "call back kal?",
        "no answer ??",
        "busy? 🙏",
    ],
)
def test_an_outcome_asked_about_is_not_a_report(text: str) -> None:
    assert parse_command(text, NOW, IST) is None


def test_read_only_commands_still_answer_a_question_mark() -> None:
    for text, name in (("next?", "next"), ("stats?", "stats"), ("due?", "due")):
        parsed = parse_command(text, NOW, IST)
        assert parsed is not None and parsed.name == name


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("ok na", "ok"),
        ("ho gaya na", "ho gaya"),
        ("done na", "done"),
        ("busy na", "busy"),
        ("busy na?", "busy?"),
        ("OK na", "OK"),
        ("theek hai na", "theek hai"),
        ("na", "na"),
        ("NA", "NA"),
        ("Meera NA", "Meera NA"),
        ("Meera na", "Meera na"),
        ("na, try kal", "na, try kal"),
        ("tried twice, na", "tried twice, na"),
    ],
)
def test_the_hinglish_tag_na_is_not_no_answer(typed: str, seen: str) -> None:
    assert clean(typed) == seen


@pytest.mark.parametrize("text", ["ok na", "ho gaya na", "done na", "theek hai na"])
def test_a_sentence_closed_by_na_writes_nothing(text: str) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is None or parsed.name != "outcome", parsed


def test_na_alone_is_still_no_answer() -> None:
    for text in ("na", "NA 🙏", "busy na"):
        parsed = parse_command(text, NOW, IST)
        assert parsed is not None and parsed.args == {"outcome": "no_response"}, text


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("pledged 25k by 25/11", "Wed 25 Nov is in the past"),
        ("pledged 10k on 20th nov", "Fri 20 Nov is in the past"),
        ("call back 25/11", "'25/11' has already passed"),
        ("pledged 25k by 1 oct", "Thu 1 Oct is in the past"),
    ],
)
def test_a_day_and_month_just_past_is_refused_not_moved_to_next_year(text: str, error: str) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "invalid"
    assert parsed.error is not None and parsed.error.startswith(error), parsed.error


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("5 jan", date(2027, 1, 5)),
        ("15/9", date(2027, 9, 15)),
        ("28/11", date(2026, 11, 28)),
        ("26 nov", date(2026, 11, 26)),
    ],
)
def test_a_day_and_month_long_past_is_next_years(text: str, day: date) -> None:
    assert parse_day(text, NOW, IST) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("paid 10000 on 25/11", date(2026, 11, 25)),
        ("paid 10k friday", date(2026, 11, 20)),
        ("received 5k kal", date(2026, 11, 25)),
    ],
)
def test_a_date_after_a_payment_is_not_made_a_call_back(text: str, day: date) -> None:
    """It is the day the payment was made (``test_engine_paid_day.py``), read back."""
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "invalid", parsed  # not a command
    args, problems = merge(read_report(text, NOW, IST))
    assert problems == [] and args is not None
    assert "followup_at" not in args and args["paid_on"] == day


def test_a_payment_and_a_call_back_still_go_together() -> None:
    parsed = parse_command("paid 10k upi, call back friday", NOW, IST)
    assert parsed is not None and parsed.name == "outcome"
    assert parsed.args["followup_at"] == datetime(2026, 11, 27, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "paid by cheque 445566",
        "paid neft 123456",
        "received dd 889900",
        "received cheque 004512",
        "paid imps 2611261234",
    ],
)
def test_a_number_after_a_cheque_or_transfer_is_its_number_not_the_amount(text: str) -> None:
    """``paid by cheque 445566`` was a payment of ₹4,45,566, written at once."""
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "invalid", parsed
    assert parsed.error is not None and parsed.error.startswith("how much was paid?")


@pytest.mark.parametrize(
    ("text", "amount", "reference"),
    [
        ("paid 10k cheque 445566", "10000", "445566"),
        ("paid 50k cheque no. 556677", "50000", "556677"),
        ("card payment 3000 done, approval code 123456", "3000", "123456"),
        ("paid upi 5000", "5000", None),
        ("paid cash 200000", "200000", None),
    ],
)
def test_amount_and_document_number_each_find_their_place(
    text: str, amount: str, reference: str | None
) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "outcome", parsed
    assert str(parsed.args["amount"]) == f"{amount}.00"
    assert parsed.args.get("reference") == reference


@pytest.mark.parametrize("text", ["note to self: target 2L today", "note for myself - call Ravi"])
def test_a_note_to_self_is_not_saved_on_the_donor(text: str) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "invalid"
    assert parsed.error is not None and "not for you" in parsed.error


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("2 done", "nudge_done", {"index": 2}),
        ("done #2", "nudge_done", {"index": 2}),
        ("done no 2", "nudge_done", {"index": 2}),
        ("3 skip", "nudge_skip", {"index": 3}),
        ("paid 2 - 10000", "nudge_paid", {"index": 2, "outcome": "paid", "amount": 10000}),
        ("paid 2: 10000", "nudge_paid", {"index": 2, "outcome": "paid", "amount": 10000}),
    ],
)
def test_numbered_follow_up_actions_typed_other_ways(
    text: str, name: str, args: dict[str, object]
) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and (parsed.name, parsed.args) == (name, args), parsed


def test_paid_then_a_range_is_still_a_range_not_follow_up_2() -> None:
    parsed = parse_command("paid 2-3k", NOW, IST)
    assert parsed is not None and parsed.name == "invalid" and "range" in (parsed.error or "")


@pytest.mark.parametrize(
    "text",
    ["paid 10k upi cash", "paid 10k cash upi", "paid 10k gpay phonepe", "paid 10k neft, cash"],
)
def test_two_payment_methods_are_asked_about_not_the_last_one_kept(text: str) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "invalid", parsed
    assert parsed.error is not None and parsed.error.startswith("two payment methods")


def test_an_app_and_its_kind_are_one_method() -> None:
    for text in ("paid 10k gpay upi", "paid 10k upi gpay"):
        parsed = parse_command(text, NOW, IST)
        assert parsed is not None and parsed.args["method_name"] == "GPay", text


@pytest.mark.parametrize("text", ["paid 5k, 20k baaki", "paid 5k, rest 20k by friday"])
def test_the_rest_with_an_amount_adds_to_what_was_paid(text: str) -> None:
    """Once read as a ₹20,000 pledge with ₹15,000 due; it is ₹25,000 with ₹20,000 due, and
    never a command (read back before it is written)."""
    reading = read_report(text, NOW, IST)
    args, problems = merge(reading)
    assert args is not None and not problems
    assert (args["amount"], args["received"]) == (Decimal(25000), Decimal(5000))
    assert reading.soft
    parsed = parse_command(text, NOW, IST)
    assert parsed is None or parsed.name == "invalid"
    assert merge(read_report("rest 20k by friday", NOW, IST))[0] is None  # nothing paid


@pytest.mark.parametrize(
    "text", ["has she paid 10k", "is Ravi Kumar paid 10k", "check Meera Iyer paid 25k"]
)
def test_a_question_without_a_question_mark_is_not_a_report(text: str) -> None:
    assert is_question(clean(text))
    assert parse_command(text, NOW, IST) is None


def test_an_ask_is_not_a_pledge() -> None:
    args, problems = merge(read_report("asked her for 25k by friday", NOW, IST))
    assert args is None and problems == ["an ask is not a pledge: if they pledged, say pledged 25k"]
    assert merge(read_report("she asked for a call back at 5", NOW, IST))[0] is not None


@pytest.mark.parametrize("text", ["paid 10k cash today", "paid 10k upi this morning"])
def test_a_payment_made_today_may_say_so(text: str) -> None:
    parsed = parse_command(text, NOW, IST)
    assert parsed is not None and parsed.name == "outcome" and "followup_at" not in parsed.args


def test_next_weekday_tomorrow_or_the_day_after_is_asked_not_guessed() -> None:
    """On Thursday "next friday" was read as tomorrow; it may mean the Friday after."""
    for text, asked in (
        ("next friday", "'next friday': Fri 27 Nov or Fri 4 Dec? Send the date"),
        ("next sat", "'next sat': Sat 28 Nov or Sat 5 Dec? Send the date"),
    ):
        with pytest.raises(WhenError) as refused:
            parse_day(text, NOW, IST)
        assert str(refused.value) == asked
    assert parse_day("next monday", NOW, IST) == date(2026, 11, 30)  # four days on: Monday
    assert parse_day("friday", NOW, IST) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        # an emoji between two sentences ends the first; at either end it is dropped
        ("kids shouting 😂 said call her back", "kids shouting, said call her back"),
        ("Pledged 25k by fri 🙏", "Pledged 25k by fri"),
        ("🙏 next", "next"),
        # an apology for the delay corrects nothing
        ("sorry for the late update, she pledged 10k", "she pledged 10k"),
        ("sorry sir late reply, Meera paid 15k", "Meera paid 15k"),
        ("sorry, 20k not 25k", "sorry, 20k not 25k"),
    ],
)
def test_emoji_and_apologies_for_the_delay(text: str, cleaned: str) -> None:
    assert clean(text) == cleaned


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("he will give ten thousand by friday", "he will give 10000 by friday"),
        ("pledged twenty five thousand", "pledged 25000"),
        ("one and a half lakh", "150000"),
        ("paid a lakh by cheque", "paid 100000 by cheque"),
        ("ninety-nine thousand", "99000"),
        ("paid three thousand five hundred by upi", "paid 3500 by upi"),
        ("pledged ten thousand and five hundred", "pledged 10500"),
        ("two lakh fifty thousand", "250000"),
        ("eleven hundred", "1100"),
        ("twelve lakh thirty four thousand five hundred sixty seven", "1234567"),
        ("one crore", "10000000"),
        ("das hazaar, ten hazaar", "10 hazaar, 10 hazaar"),
        ("pledged two three thousand", "pledged two three thousand"),  # a range: refused
        ("fifty thousand lakh", "fifty thousand lakh"),  # not one number
        ("one call back tomorrow", "one call back tomorrow"),  # no unit word: not a number
    ],
)
def test_english_number_words_before_a_unit(text: str, cleaned: str) -> None:
    assert clean(text) == cleaned


def test_an_amount_in_words_is_read_back_not_a_command() -> None:
    assert parse_command("pledged twenty five thousand", NOW, IST) is None
    reading = read_report("um pledged uh twenty five thousand by friday", NOW, IST)
    args, problems = merge(reading)
    assert args is not None and args["amount"] == Decimal(25000) and not problems
    assert "amount in words" in reading.soft and not reading.unread


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("paid 10k check", "cheque"),
        ("paid 10k by check no 123456", "cheque"),
        ("paid 5k on paytm, abhi check kiya", "Paytm"),  # "check kiya": looked, not a cheque
        ("paid 10k, pls check", None),
    ],
)
def test_check_is_a_cheque_only_after_money(text: str, method: str | None) -> None:
    reading = read_report(text, NOW, IST)
    assert reading.method_name == method
    assert not any("two payment methods" in p for p in reading.problems)
