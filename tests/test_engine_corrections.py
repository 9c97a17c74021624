"""Correcting the last entry: read back against it, replaced whole on ``yes``, undoable.

"sorry, 20k not 25k" after a pledge left the ₹25,000 pledge in place (the message was
refused). Now a correction that says only new values (amount, date, method, reference,
or another donor) is read back against the operator's last entry, and ``yes`` reverts
that entry's turn and writes the corrected one. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.models import Contact, Followup, Interaction, Payment, Pledge
from bot.store import ProjectScope
from bot.turn.router import CORRECTION_HINT
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user

NOTHING_SAVED = "Reply yes to save, no to cancel."


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db)
    operator = Operator(runtime, project, make_user(db, project, "Priya Nair"))
    for name in ("Meera Iyer", "Ravi Kumar", "Vikram Singh"):
        make_contact(db, project, name)
    return operator


def _records(db, op: Operator) -> dict[str, list[tuple]]:
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        names = {c.id: c.display_name for c in scope.all(Contact)}
        return {
            "interactions": [(names[i.contact_id], i.outcome) for i in scope.all(Interaction)],
            "pledges": [(names[p.contact_id], p.amount, p.expected_by) for p in scope.all(Pledge)],
            "payments": [
                (names[p.contact_id], p.amount, p.method, p.reference) for p in scope.all(Payment)
            ],
            "followups": [names[f.contact_id] for f in scope.all(Followup)],
        }


def test_a_pledge_amount_is_corrected_on_yes_and_undone_step_by_step(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 25k by fri")
    before = row_counts(db, op.project.id)
    asked = op.say("sorry, 20k not 25k")
    assert asked.text.splitlines() == [
        "Correct the last entry: Meera Iyer – pledged ₹25,000 by Fri 27 Nov",
        "→ Meera Iyer – pledged ₹20,000 by Fri 27 Nov?",
        NOTHING_SAVED,
    ]
    assert row_counts(db, op.project.id) == before
    assert op.say("yes").text.startswith(
        "Corrected. Logged Meera Iyer: pledged; pledge ₹20,000, expected by Fri 27 Nov"
    )
    assert _records(db, op) == {
        "interactions": [("Meera Iyer", "pledged")],
        "pledges": [("Meera Iyer", Decimal("20000.00"), date(2026, 11, 27))],
        "payments": [],
        "followups": ["Meera Iyer"],
    }
    corrected = _records(db, op)
    op.say("undo")  # the correction: the entry as it was comes back
    assert _records(db, op) == {
        **corrected,
        "pledges": [("Meera Iyer", Decimal("25000.00"), date(2026, 11, 27))],
    }
    assert op.say("undo").text.startswith("Undone: 1 interaction, 1 pledge, 1 follow-up")
    assert _records(db, op) == {"interactions": [], "pledges": [], "payments": [], "followups": []}
    assert op.say("undo").text == "Nothing to undo."


@pytest.mark.parametrize(
    ("first", "correction", "after"),
    [
        (
            "pledged 40k by fri",
            "change the date of Meera's pledge to 15 Dec",
            {"pledges": [("Meera Iyer", Decimal("40000.00"), date(2026, 12, 15))]},
        ),
        (
            "pledged 25k",
            "make it by 10th instead",
            {"pledges": [("Meera Iyer", Decimal("25000.00"), date(2026, 12, 10))]},
        ),
        (
            "paid 10k upi",
            "actually it was cash not upi",
            {"payments": [("Meera Iyer", Decimal("10000.00"), "cash", None)]},
        ),
        (
            "paid 8k upi",
            "add ref 633012341234 to that payment",
            {"payments": [("Meera Iyer", Decimal("8000.00"), "upi", "633012341234")]},
        ),
        (
            "pledged 30k",
            "Meera's pledge is 40k not 30k",  # only "not" before the old value says so
            {"pledges": [("Meera Iyer", Decimal("40000.00"), None)]},
        ),
        (
            "paid 25000 cash",
            "I mean 2,500",
            {"payments": [("Meera Iyer", Decimal("2500.00"), "cash", None)]},
        ),
        (
            "pledged 25k by fri",
            "galti se 25k likha, 20k hai",  # "wrote 25k by mistake, it is 20k"
            {"pledges": [("Meera Iyer", Decimal("20000.00"), date(2026, 11, 27))]},
        ),
        (
            "paid 25k upi",
            "sorry meant 2.5k not 25k",
            {"payments": [("Meera Iyer", Decimal("2500.00"), "upi", None)]},
        ),
        (
            "paid 5000 upi",
            "nahi nahi cash tha, upi nahi",  # "no no, it was cash, not UPI"
            {"payments": [("Meera Iyer", Decimal("5000.00"), "cash", None)]},
        ),
        (
            "pledged 25k by fri",
            "25k nahi, 20k tha",  # Hindi puts "nahi" after the value it denies
            {"pledges": [("Meera Iyer", Decimal("20000.00"), date(2026, 11, 27))]},
        ),
        (
            "paid 10k upi",
            "no no, it was neft",
            {"payments": [("Meera Iyer", Decimal("10000.00"), "bank", None)]},
        ),
        (  # another outcome in the entry's place, said with a word of correction
            "pledged 20k",
            "actually no answer",
            {"interactions": [("Meera Iyer", "no_response")], "pledges": []},
        ),
        (
            "declined",
            "no wait, she said call back monday",
            {"interactions": [("Meera Iyer", "reschedule")], "followups": ["Meera Iyer"]},
        ),
        (
            "na",
            "actually she picked up and pledged 10k by friday",  # the amount is said
            {
                "interactions": [("Meera Iyer", "pledged")],
                "pledges": [("Meera Iyer", Decimal("10000.00"), date(2026, 11, 27))],
            },
        ),
        (
            "paid 25k upi",
            "she didn't pay, only pledged",  # the entry's amount stays
            {
                "interactions": [("Meera Iyer", "pledged")],
                "pledges": [("Meera Iyer", Decimal("25000.00"), None)],
                "payments": [],
            },
        ),
        (
            "declined",
            "sorry, not declined, no answer",
            {"interactions": [("Meera Iyer", "no_response")]},
        ),
        # Hinglish value corrections: "old nahi new", "… galat hai"
        (
            "paid 5k cash",
            "5k nahi 50k",
            {"payments": [("Meera Iyer", Decimal("50000.00"), "cash", None)]},
        ),
        (
            "pledged 25k by parso",
            "parso nahi, monday",
            {"pledges": [("Meera Iyer", Decimal("25000.00"), date(2026, 11, 30))]},
        ),
        (
            "pledged 25k by fri",
            "date galat hai, 30 nov",
            {"pledges": [("Meera Iyer", Decimal("25000.00"), date(2026, 11, 30))]},
        ),
        (  # bare numbers against an amount in thousands, as the operator counts
            "pledged 21k by 5 dec",
            "21 nahi 31",
            {"pledges": [("Meera Iyer", Decimal("31000.00"), date(2026, 12, 5))]},
        ),
        (  # an old amount with its unit after a space
            "pledged 5 lakh by 31 dec",
            "sorry, 50k not 5 lakh",
            {"pledges": [("Meera Iyer", Decimal("50000.00"), date(2026, 12, 31))]},
        ),
        (  # the entry said again with a correction inside: corrected, never doubled
            "pledged 25k",
            "pledged 25k, sorry 20k",
            {"pledges": [("Meera Iyer", Decimal("20000.00"), None)]},
        ),
    ],
)
def test_a_value_or_the_outcome_is_corrected(
    op: Operator, db, first: str, correction: str, after: dict[str, list[tuple]]
) -> None:
    op.say("find meera")
    op.say(first)
    op.say("yes")  # harmless when the entry was saved at once
    assert op.say(correction).text.startswith("Correct the last entry: Meera Iyer – ")
    assert op.say("yes").text.startswith("Corrected. Logged Meera Iyer")
    records = _records(db, op)
    for kind, rows in after.items():
        assert records[kind] == rows


def test_that_was_the_other_donor_moves_the_entry(op: Operator, db) -> None:
    op.say("find ravi")
    op.say("paid 3000 cash")
    asked = op.say("that was Vikram Singh not Ravi Kumar")
    assert asked.text.splitlines()[1] == "→ Vikram Singh – paid ₹3,000 by cash?"
    op.say("yes")
    assert _records(db, op)["payments"] == [("Vikram Singh", Decimal("3000.00"), "cash", None)]


def test_an_entry_on_the_wrong_donor_moves_to_the_right_one(op: Operator, db) -> None:
    op.say("Ravi Kumar pledged 10k by monday")
    op.say("yes")
    asked = op.say("wrong person, that was Vikram Singh not Ravi")
    assert asked.text.splitlines()[:2] == [
        "Correct the last entry: Ravi Kumar – pledged ₹10,000 by Mon 30 Nov",
        "→ Vikram Singh – pledged ₹10,000 by Mon 30 Nov?",
    ]
    op.say("yes")
    assert _records(db, op) == {
        "interactions": [("Vikram Singh", "pledged")],
        "pledges": [("Vikram Singh", Decimal("10000.00"), date(2026, 11, 30))],
        "payments": [],
        "followups": ["Vikram Singh"],
    }


def test_no_to_a_correction_keeps_the_entry(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 25k")
    before = _records(db, op)
    op.say("sorry, 20k not 25k")
    assert op.say("no").text == "Cancelled – nothing was saved."
    assert _records(db, op) == before


@pytest.mark.parametrize(
    "setup",
    [
        ["pledged 25k", "undo"],  # undone: nothing left to correct
        ["pledged 25k", "find ravi", "no answer"],  # another entry since
        ["pledged 25k", "find ravi", "pledged 30k"],  # "not 25k" is not the last entry's
    ],
)
def test_only_the_last_entry_still_standing_is_corrected(
    op: Operator, db, setup: list[str]
) -> None:
    op.say("find meera")
    for text in setup:
        op.say(text)
    before = row_counts(db, op.project.id)
    reply = op.say("sorry, 20k not 25k")
    assert not reply.text.startswith("Correct the last entry")
    assert reply.text.splitlines()[-1] == CORRECTION_HINT
    assert row_counts(db, op.project.id) == before


def test_a_correction_that_says_more_than_new_values_is_not_guessed(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 25k, paid 5k upi")  # which amount "20k" corrects is a guess
    before = row_counts(db, op.project.id)
    assert op.say("sorry 20k").text.splitlines()[-1] == CORRECTION_HINT
    assert op.say("sorry, not pledged, just spoke").text.splitlines()[-1] == CORRECTION_HINT
    assert row_counts(db, op.project.id) == before


def test_hinglish_not_names_the_old_value_and_other_reports_stay_reports(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 25k by fri")
    before = row_counts(db, op.project.id)
    # "not 30k, it was 20k": the entry is ₹25,000, so which entry is meant is a guess.
    assert op.say("30k nahi, 20k tha").text.splitlines()[-1] == CORRECTION_HINT
    # Bare numbers count in thousands only when the old one is the entry's amount.
    assert op.say("21 nahi 31").text.splitlines()[-1] == CORRECTION_HINT
    assert row_counts(db, op.project.id) == before
    # A report on another donor with "nahi" and "tha" in it is that donor's report.
    reply = op.say("Ravi Kumar ne phone nahi uthaya, busy tha")
    assert not reply.text.startswith("Correct the last entry")
    assert "Ravi Kumar" in reply.text


def test_an_outcome_said_not_to_have_happened_is_replaced(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 10k by fri")
    asked = op.say("sorry not pledged, just spoke, she'll think about it")
    assert asked.text.splitlines()[:2] == [
        "Correct the last entry: Meera Iyer – pledged ₹10,000 by Fri 27 Nov",
        "→ Meera Iyer – spoke?",
    ]
    assert op.say("yes").text.startswith("Corrected. Logged Meera Iyer: spoke")
    assert _records(db, op) == {
        "interactions": [("Meera Iyer", "spoke")],
        "pledges": [],
        "payments": [],
        "followups": [],
    }
    op.say("undo")  # the pledge comes back
    assert _records(db, op)["pledges"] == [("Meera Iyer", Decimal("10000.00"), date(2026, 11, 27))]
    assert op.say("undo").text.startswith("Undone: 1 interaction, 1 pledge, 1 follow-up")
    assert _records(db, op)["interactions"] == []


def test_hinglish_payment_that_did_not_happen(op: Operator, db) -> None:
    op.say("find meera")
    op.say("paid 5000 upi")
    asked = op.say("payment nahi hua, sirf baat hui")  # "no payment, only talked"
    assert asked.text.splitlines()[1] == "→ Meera Iyer – spoke?"
    op.say("yes")
    assert _records(db, op)["payments"] == []
    assert _records(db, op)["interactions"] == [("Meera Iyer", "spoke")]


def test_not_pledged_about_the_next_donor_is_no_correction_of_the_last_entry(
    op: Operator, db
) -> None:
    op.say("find meera")
    op.say("pledged 10k by fri")
    op.say("find ravi")  # Ravi is on screen now; Meera's entry is still the last one
    before = _records(db, op)
    reply = op.say("not pledged, just spoke")
    assert not reply.text.startswith("Correct the last entry")
    assert "Meera" not in reply.text
    op.say("yes")
    after = _records(db, op)
    assert after["pledges"] == before["pledges"]
    assert [i for i in after["interactions"] if i[0] == "Meera Iyer"] == before["interactions"]


def test_no_wait_moves_the_entry_to_the_donor_named(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 10k")
    asked = op.say("no wait it was Ravi not Meera")
    assert asked.text.splitlines()[1].startswith("→ Ravi Kumar – pledged ₹10,000")
    op.say("yes")
    assert [p[0] for p in _records(db, op)["pledges"]] == ["Ravi Kumar"]


def test_another_outcome_for_the_next_donor_is_no_correction(op: Operator, db) -> None:
    op.say("find meera")
    op.say("pledged 20k by fri")
    op.say("find ravi")
    reply = op.say("actually no answer")
    assert not reply.text.startswith("Correct the last entry")
    assert _records(db, op)["pledges"] == [("Meera Iyer", Decimal("20000.00"), date(2026, 11, 27))]


# -- a correction inside the report itself ("pledged 25k, sorry 20k") --------------------


@pytest.mark.parametrize(
    ("text", "read_back", "after"),
    [
        (
            "pledged 25k, sorry 20k",
            "pledged ₹20,000 (not ₹25,000)",
            {"pledges": [("Meera Iyer", Decimal("20000.00"), None)]},
        ),
        (
            "pledged 50k by friday, no wait, monday",
            "pledged ₹50,000 by Mon 30 Nov (not by friday)",
            {"pledges": [("Meera Iyer", Decimal("50000.00"), date(2026, 11, 30))]},
        ),
        (
            "pledged 30k.. wait no, 35k",
            "pledged ₹35,000 (not ₹30,000)",
            {"pledges": [("Meera Iyer", Decimal("35000.00"), None)]},
        ),
        (
            "paid 10k upi sorry cash",
            "paid ₹10,000 by cash (not UPI)",
            {"payments": [("Meera Iyer", Decimal("10000.00"), "cash", None)]},
        ),
        (
            "paid 20k via gpay, typo, 2k",  # the amount said last, not the method
            "paid ₹2,000 by GPay (not ₹20,000)",
            {"payments": [("Meera Iyer", Decimal("2000.00"), "upi", None)]},
        ),
        (
            "paid 5k not 50k, cash",  # "not": the value after it is the wrong one
            "paid ₹5,000 by cash (not ₹50,000)",
            {"payments": [("Meera Iyer", Decimal("5000.00"), "cash", None)]},
        ),
        (
            "call back tomorrow 11am actually make it 12",  # the hour alone keeps the day
            "call back Fri 27 Nov 12:00 PM (not tomorrow 11am)",
            {"interactions": [("Meera Iyer", "reschedule")]},
        ),
        (  # a day alone keeps the time said
            "call back monday 4pm, sorry tuesday",
            "call back Tue 1 Dec 4:00 PM (not monday 4pm)",
            {"interactions": [("Meera Iyer", "reschedule")]},
        ),
        (  # the time as said, today, not the hour alone on the day "at 8" rolled to
            "call back at 8, sorry 8 pm",
            "call back Thu 26 Nov 8:00 PM (not at 8)",
            {"interactions": [("Meera Iyer", "reschedule")]},
        ),
        (
            "call back at 11, sorry tomorrow",
            "call back Fri 27 Nov 11:00 AM (not at 11)",
            {"interactions": [("Meera Iyer", "reschedule")]},
        ),
        (
            "no answer, call back kal 10 baje nahi 11 baje",
            "no answer, call back Fri 27 Nov 11:00 AM (not kal 10 baje)",
            {"interactions": [("Meera Iyer", "no_response")]},
        ),
    ],
)
def test_a_correction_inside_a_report_is_read_back_corrected(
    op: Operator, db, text: str, read_back: str, after: dict[str, list[tuple]]
) -> None:
    op.say("find meera")
    before = row_counts(db, op.project.id)
    asked = op.say(text)
    assert asked.text.splitlines() == [f"Record for Meera Iyer: {read_back}?", NOTHING_SAVED]
    assert row_counts(db, op.project.id) == before
    op.say("yes")
    records = _records(db, op)
    assert {key: records[key] for key in after} == after
    op.say("undo")
    assert _records(db, op) == {"interactions": [], "pledges": [], "payments": [], "followups": []}


@pytest.mark.parametrize(
    "text",
    [
        "pledged 25k, no rush",  # no value after "no": not a correction
        "pledged 25k actually",
        "pledged 25k, sorry she will confirm",
        "paid 10k, sorry paid 5k",  # a second verb: two payments or one? not guessed
        "call back at 5, no 20k",  # a time corrected by an amount
        "pledged 25k, paid 5k, sorry 20k",  # the pledge or the payment?
        "call back at 5, pledged 10k sorry 6",  # the hour or the amount?
        "pledged 25k, sorry 2.5",  # ₹2.50 or 2.5k?
        "call back in 2 hours, sorry 3",  # 3 PM or in 3 hours?
        "pledged 25k by friday, call back monday, sorry, by saturday",  # which date?
    ],
)
def test_correction_words_without_a_value_of_the_same_kind_write_nothing(
    op: Operator, db, text: str
) -> None:
    op.say("find meera")
    before = row_counts(db, op.project.id)
    reply = op.say(text).text
    assert reply.startswith("Nothing recorded") or "Try:" in reply, reply  # refused either way
    op.say("yes")
    assert row_counts(db, op.project.id) == before


def test_paid_and_the_rest_is_a_pledge_of_both(op: Operator, db) -> None:
    op.say("find meera")
    asked = op.say("paid 5k, rest 20k by friday")
    assert asked.text.splitlines()[0] == (
        "Record for Meera Iyer: pledged ₹25,000 by Fri 27 Nov, paid ₹5,000?"
    )
    op.say("yes")
    records = _records(db, op)
    assert records["pledges"] == [("Meera Iyer", Decimal("25000.00"), date(2026, 11, 27))]
    assert [p[:2] for p in records["payments"]] == [("Meera Iyer", Decimal("5000.00"))]
    asked = op.say("find ravi") and op.say("paid 2k, 8k baaki")
    assert asked.text.startswith("Record for Ravi Kumar: pledged ₹10,000, paid ₹2,000?")


def test_no_hint_to_correct_an_entry_before_there_is_one(op: Operator) -> None:
    op.say("find meera")
    reply = op.say("sorry, 20k not 25k")
    assert reply.text.startswith("Nothing recorded") and CORRECTION_HINT not in reply.text
    op.say("pledged 25k")
    op.say("undo")
    assert op.say("sorry 20k").text.splitlines()[-1] == CORRECTION_HINT


@pytest.mark.parametrize(
    ("text", "who", "read_back"),
    [
        ("Ravi Kumar, sorry Vikram Singh, pledged 10k", "Vikram Singh", "(not Ravi Kumar)"),
        ("pledged 20k - ravi kumar. no wait, vikram singh", "Vikram Singh", "(not ravi kumar)"),
        ("Ravi Kumar pledged 15k... sorry, Vikram Singh", "Vikram Singh", "(not Ravi Kumar)"),
        # each correction in turn: the name said last is the donor
        (
            "Ravi Kumar sorry Vikram Singh sorry Ravi Kumar pledged 10k",
            "Ravi Kumar",
            "(not Vikram Singh)",
        ),
        ("Vikram Singh, sorry Vikram Singh, pledged 10k", "Vikram Singh", ""),
    ],
)
def test_a_donor_corrected_inside_the_report_is_read_back(
    op: Operator, db, text: str, who: str, read_back: str
) -> None:
    before = row_counts(db, op.project.id)
    first = op.say(text).text.splitlines()
    assert first[0].startswith(f"Record for {who}: pledged ₹") and first[1] == NOTHING_SAVED
    assert first[0].endswith(f"{read_back}?"), first[0]
    assert row_counts(db, op.project.id) == before
    op.say("yes")
    assert [p[0] for p in _records(db, op)["pledges"]] == [who]


def test_a_second_donors_own_report_after_sorry_is_no_correction(op: Operator, db) -> None:
    before = row_counts(db, op.project.id)
    assert op.say("Ravi pledged 10k, sorry, Meera paid 5k").text.startswith("Nothing recorded")
    op.say("yes")
    assert row_counts(db, op.project.id) == before
