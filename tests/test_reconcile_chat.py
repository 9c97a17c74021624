"""A forwarded bank/UPI message in the conversation: matched, read back, recorded on yes.

Acceptance: exact UTR (duplicate refused), amount + VPA, amount + name inside the date
window, two candidate pledges (the bot asks), a partial payment (the pledge stays open
with the remainder); plus undo, identities learned, and messages that are not payments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.models import Payment, Pledge
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user
from tests.reconcile_support import OTHERS, identities_of, identity, payment, pledge, rows

PLEDGED = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # Friday 20 Nov, 11:30 in Kolkata


def hdfc(amount: str, vpa: str, utr: str, day: str = "26-11-26") -> str:
    return (
        f"Credit Alert!\nRs.{amount} credited to HDFC Bank A/c XX5678 on {day} "
        f"from VPA {vpa} (UPI {utr})\n"
    )


def neft(amount: str, name: str, day: str, utr: str = "UTIBN52026112512345") -> str:
    return (
        f"Update! INR {amount} deposited in HDFC Bank A/c XX5678 on {day} for NEFT "
        f"Cr-UTIB0000123-{name}-ASHA FOUNDATION-{utr}.Avl bal INR 9,25,000.00."
    )


@pytest.fixture
def world(runtime, db):
    project = make_project(db, "Asha Foundation")
    user = make_user(db, project, "Priya Nair")
    anita = make_contact(db, project, "Anita Sharma", phone="+919876543210")
    rahul = make_contact(db, project, "Rahul Verma")
    anita_pledge = pledge(db, project, user, anita, "25000", PLEDGED)
    rahul_pledge = pledge(db, project, user, rahul, "5000", PLEDGED)
    op = Operator(runtime, project, user)
    return op, project, user, anita, rahul, anita_pledge, rahul_pledge


def _left(db, p: Pledge) -> tuple[str, Decimal]:
    [fresh] = rows(db, Pledge, Pledge.id == p.id)
    paid = sum((x.amount for x in rows(db, Payment, Payment.pledge_id == p.id)), Decimal(0))
    return fresh.status, fresh.amount - paid


def test_amount_and_a_remembered_vpa_are_read_back_and_recorded_on_yes(world, db) -> None:
    op, project, _, anita, _, anita_pledge, _ = world
    identity(db, project, anita, "upi_vpa", "anita.s@okaxis")
    before = row_counts(db, project.id)
    reply = op.say(hdfc("10,000.00", "anita.s@okaxis", "633612345675"))
    assert reply.text.startswith(
        "₹10,000 from anita.s@okaxis on Thu 26 Nov → Anita Sharma's ₹25,000 pledge, ₹15,000 left."
    )
    assert "VPA anita.s@okaxis is Anita Sharma's" in reply.text
    assert reply.text.endswith("Reply yes to save, no to cancel.")
    assert row_counts(db, project.id) == before  # nothing written before yes

    reply = op.say("yes")
    recorded, draft = reply.text.split("\n", 1)
    assert recorded == (
        "Recorded ₹10,000 from Anita Sharma (upi, UTR 633612345675) against the ₹25,000 "
        "pledge: ₹15,000 left."
    )
    assert draft.startswith("Draft: Hi Anita, we received your gift of ₹10,000.")
    [paid] = rows(db, Payment, Payment.project_id == project.id)
    assert (paid.amount, paid.method, paid.reference, paid.pledge_id, paid.status) == (
        Decimal("10000.00"),
        "upi",
        "633612345675",
        anita_pledge.id,
        "confirmed",
    )
    assert _left(db, anita_pledge) == ("open", Decimal("15000.00"))  # partial: stays open


def test_an_unknown_vpa_is_learned_on_yes_and_undone_with_the_payment(world, db) -> None:
    op, project, _, anita, _, anita_pledge, _ = world
    # "asharma92" does not spell Anita Sharma: only the amount (all that is left) fits.
    reply = op.say(hdfc("25,000.00", "asharma92@oksbi", "633612345601"))
    assert "→ Anita Sharma's ₹25,000 pledge, paid in full." in reply.text
    assert "₹25,000 is exactly what was left" in reply.text
    reply = op.say("haan")
    said = reply.text.split("\nDraft: ")[0]
    assert said.endswith("I'll recognise asharma92@oksbi as Anita Sharma from now on.")
    assert identities_of(db, anita) == {("upi_vpa", "asharma92@oksbi")}
    assert _left(db, anita_pledge) == ("fulfilled", Decimal("0.00"))

    assert op.say("undo").text == "Undone: 1 payment, 1 saved payer detail; reopened 1 pledge."
    assert identities_of(db, anita) == set()
    assert rows(db, Payment, Payment.project_id == project.id) == []
    assert _left(db, anita_pledge) == ("open", Decimal("25000.00"))


def test_a_remembered_vpa_makes_the_next_payment_exact(world, db) -> None:
    op, project, user, anita, _, anita_pledge, _ = world
    first = op.say(hdfc("5,000.00", "anita.sharma@oksbi", "633612345602"))
    assert "(anita.sharma@oksbi fits Anita Sharma; part of the ₹25,000 left;" in first.text
    op.say("yes")
    reply = op.say(hdfc("7,000.00", "anita.sharma@oksbi", "633612345603", day="27-11-26"))
    assert reply.text.startswith("₹7,000 from anita.sharma@oksbi on Fri 27 Nov → Anita Sharma's")
    assert "(VPA anita.sharma@oksbi is Anita Sharma's; part of the ₹20,000 left;" in reply.text
    op.say("yes")
    assert _left(db, anita_pledge) == ("open", Decimal("13000.00"))


def test_amount_and_name_match_inside_the_date_window_only(world, db) -> None:
    op, project, _, anita, _, anita_pledge, _ = world
    before = row_counts(db, project.id)
    late = op.say(neft("25,000.00", "ANITA SHARMA", "01-06-26"))  # months before the pledge
    assert late.text.startswith("No open pledge matches ₹25,000 from ANITA SHARMA on Mon 1 Jun")
    assert "find NAME, then paid 25000 bank ref UTIBN52026112512345" in late.text
    assert op.state().pending is None and row_counts(db, project.id) == before

    reply = op.say(neft("25,000.00", "ANITA SHARMA", "25-11-26"))
    assert reply.text.startswith("₹25,000 from ANITA SHARMA on Wed 25 Nov → Anita Sharma's")
    assert "ANITA SHARMA fits Anita Sharma" in reply.text
    op.say("yes")
    [paid] = rows(db, Payment, Payment.project_id == project.id)
    assert (paid.method, paid.reference) == ("bank", "UTIBN52026112512345")
    # Dated the bank's day (midday in Kolkata), not the moment of the forward.
    assert paid.paid_at == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    assert identities_of(db, anita) == {("bank_name", "ANITA SHARMA")}


def test_two_candidate_pledges_make_the_bot_ask_which(world, db) -> None:
    op, project, user, anita, _, anita_pledge, _ = world
    verma = make_contact(db, project, "Anita Verma")
    verma_pledge = pledge(db, project, user, verma, "25000", PLEDGED + timedelta(days=1))
    text = (
        "Received Rs.25,000.00 in your Kotak Bank AC 9988 from ANITA on 25-11-26."
        "UPI Ref:623112345605"
    )
    reply = op.say(text)
    lines = reply.text.splitlines()
    assert (
        lines[0]
        == "₹25,000 from ANITA on Wed 25 Nov, UTR 623112345605 could pay more than one pledge "
        "– which?"
    )
    assert lines[1] == "1. Anita Sharma's ₹25,000 pledge of Fri 20 Nov (paid in full)"
    assert lines[2] == "2. Anita Verma's ₹25,000 pledge of Sat 21 Nov (paid in full)"
    assert lines[3] == "Reply 1–2, or no to cancel."
    assert op.say("yes").text.startswith("(Not saved")  # yes alone does not pick
    op.say(text)
    assert op.say("2").text.startswith("Recorded ₹25,000 from Anita Verma")
    assert _left(db, verma_pledge) == ("fulfilled", Decimal("0.00"))
    assert _left(db, anita_pledge) == ("open", Decimal("25000.00"))


def test_a_utr_already_recorded_is_refused_as_a_duplicate(world, db) -> None:
    op, project, user, anita, _, anita_pledge, _ = world
    payment(
        db, project, user, anita, "5000", now=op.clock.now(), method="upi", reference="633612345675"
    )
    before = row_counts(db, project.id)
    reply = op.say(hdfc("5,000.00", "anita.s@okaxis", "633612345675"))
    assert reply.text == (
        "Not recorded: UTR 633612345675 is already recorded: Anita Sharma's ₹5,000 payment "
        "of Thu 26 Nov."
    )
    assert op.state().pending is None and row_counts(db, project.id) == before


def test_the_confirmer_checks_again_at_yes(world, db) -> None:
    op, project, user, anita, _, anita_pledge, _ = world
    op.say(hdfc("10,000.00", "anita.s@okaxis", "633612345675"))
    # Meanwhile a colleague records the same UTR by hand.
    payment(db, project, user, anita, "10000", now=op.clock.now(), reference="633612345675")
    reply = op.say("yes")
    assert reply.text.startswith("Not recorded: UTR 633612345675 is already recorded")
    assert len(rows(db, Payment, Payment.project_id == project.id)) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "INR 726.00 debited A/c no. XX1234 05-09-26, 10:19:49 UPI/P2M/624812345618/RAHUL "
            "VERMA Not you? SMS BLOCKUPI Cust ID to 919900000000 Axis Bank",
            "That looks like a debit – money going out, not a payment received – nothing "
            "to record.",
        ),
        (
            "426112 is your OTP for txn of Rs.5,000.00 at Amazon. Do not share. -SBI",
            "That looks like an OTP message, not a payment (never share OTPs) – nothing to record.",
        ),
    ],
)
def test_a_debit_or_an_otp_is_named_and_never_proposed(world, db, text: str, says: str) -> None:
    op, project, *_ = world
    before = row_counts(db, project.id)
    assert op.say(text).text == says
    assert op.state().pending is None
    assert row_counts(db, project.id) == before


def test_no_sample_that_is_not_a_credit_is_ever_proposed(world, db) -> None:
    op, project, *_ = world
    before = row_counts(db, project.id)
    for sample in OTHERS:
        reply = op.say(sample["text"])
        assert op.state().pending is None, (sample["id"], reply.text)
        assert "→" not in reply.text
    assert row_counts(db, project.id) == before


def test_a_pledge_closed_before_yes_is_not_paid(world, db) -> None:
    op, project, user, anita, rahul, _, rahul_pledge = world
    op.say(hdfc("5,000.00", "rahul.v@okicici", "633612345604"))
    assert "Rahul Verma's ₹5,000 pledge, paid in full" in op.replies[-1].text
    payment(db, project, user, rahul, "5000", now=op.clock.now(), method="cash")
    reply = op.say("yes")
    assert reply.text == "Not recorded: Rahul Verma's pledge is fulfilled now"
    assert len(rows(db, Payment, Payment.project_id == project.id)) == 1


def test_a_utr_already_recorded_is_refused_when_typed_too(world, db) -> None:
    """The same UTR, forwarded then typed (or typed twice), was a second payment."""
    op, project, _, anita, _, _, _ = world
    op.say(hdfc("10,000.00", "anita.s@okaxis", "633612345675"))
    op.say("yes")
    before = row_counts(db, project.id)
    op.say("find anita")
    reply = op.say("paid 10000 upi ref 633612345675")
    assert reply.text == (
        "Not recorded: reference 633612345675 is already recorded (₹10,000 from Anita Sharma)"
    )
    assert row_counts(db, project.id) == before


def test_a_payer_named_in_full_is_not_offered_another_donors_pledge(world, db) -> None:
    """With two pledges of Anita's to choose from, ₹5,000 "from ANITA SHARMA" also offered
    Rahul's ₹5,000 pledge (the same amount), and choosing it taught "ANITA SHARMA" as his."""
    op, project, user, anita, _, _, rahul_pledge = world
    pledge(db, project, user, anita, "10000", PLEDGED + timedelta(days=1))
    reply = op.say(neft("5,000.00", "ANITA SHARMA", "26-11-26"))
    assert reply.text.startswith("₹5,000 from ANITA SHARMA"), reply.text
    assert "which?" in reply.text and "Rahul" not in reply.text, reply.text
    assert op.say("3").text.startswith("(Not saved")
    assert _left(db, rahul_pledge) == ("open", Decimal("5000.00"))


@pytest.mark.parametrize(
    "text",
    [
        "Cheque No 004512 for Rs.25,000.00 deposited in A/c XX1234 has been returned unpaid. "
        "Reason: Funds insufficient -ICICI Bank",
        "Chq 004512 of Rs 25,000.00 deposited in your A/c XX1234 bounced on 26-11-26. -SBI",
        "Your cheque no. 004512 for INR 25,000.00 deposited in A/c XX1234 has been dishonoured.",
        "Cheque no 004512 for Rs 25,000.00 deposited in your A/c XX1234 on 26-11-26 is sent for "
        "clearing. -HDFC Bank",
        "Rs.25,000.00 deposited in A/c XX1234 by cheque 004512 on 26-11-26, subject to "
        "realisation. -ICICI Bank",
    ],
)
def test_a_cheque_not_cleared_is_never_a_payment(world, db, text: str) -> None:
    """A returned or uncleared cheque for exactly what Anita owes was recorded on yes."""
    op, project, *_ = world
    before = row_counts(db, project.id)
    reply = op.say(text)
    assert "Recorded" not in reply.text and op.state().pending is None, reply.text
    op.say("yes")
    assert row_counts(db, project.id) == before


GPAY_NO_UTR = "Anita Sharma paid you ₹5,000.00"


def test_a_message_without_a_utr_sent_again_is_not_recorded_twice(world, db) -> None:
    """Forwarded twice and confirmed twice, a message with no UTR made two payments."""
    op, project, _, _, _, anita_pledge, _ = world
    assert "Anita Sharma" in op.say(GPAY_NO_UTR).text
    assert op.say("yes").text.startswith("Recorded ₹5,000 from Anita Sharma")
    before = row_counts(db, project.id)
    again = op.say(GPAY_NO_UTR)
    assert again.text == (
        "Not recorded: Anita Sharma's ₹5,000 payment of Thu 26 Nov is already recorded, and "
        "this message has no UTR to tell a second payment from the same one sent again. "
        "If Anita Sharma paid twice: find Anita Sharma, then paid 5000 upi."
    )
    assert op.state().pending is None
    op.say("yes")
    assert row_counts(db, project.id) == before
    assert _left(db, anita_pledge) == ("open", Decimal("20000.00"))
    # Another amount, or the same amount from another payer, is still proposed.
    assert op.say("Anita Sharma paid you ₹2,000.00").text.startswith("₹2,000 from Anita Sharma")
    assert op.state().pending is not None


def test_the_confirmer_refuses_a_utr_less_credit_recorded_meanwhile(world, db) -> None:
    op, project, user, anita, *_ = world
    op.say(GPAY_NO_UTR)
    payment(db, project, user, anita, "5000", now=op.clock.now(), method="upi")
    reply = op.say("yes")
    assert reply.text.startswith("Not recorded: Anita Sharma's ₹5,000 payment of Thu 26 Nov")
    assert len(rows(db, Payment, Payment.project_id == project.id)) == 1


def test_a_donor_without_an_open_pledge_is_offered_a_payment_on_yes(world, db) -> None:
    """A message naming one donor who has no pledge was refused ("No open pledge matches")."""
    op, project, user, *_ = world
    meera = make_contact(db, project, "Meera Iyer")
    before = row_counts(db, project.id)
    asked = op.say("Meera Iyer paid you ₹3,000.00 • Google Pay")
    assert asked.text.splitlines()[0] == (
        "₹3,000 from Meera Iyer → a payment from Meera Iyer, who has no open pledge."
    )
    assert row_counts(db, project.id) == before
    assert op.say("yes").text.startswith("Recorded ₹3,000 from Meera Iyer (upi), no open pledge.")
    [paid] = rows(db, Payment, Payment.contact_id == meera.id)
    assert (paid.amount, paid.method, paid.pledge_id) == (Decimal("3000.00"), "upi", None)
    assert op.say("undo").text.startswith("Undone: 1 payment")
    assert rows(db, Payment, Payment.contact_id == meera.id) == []


@pytest.mark.parametrize(
    "text",
    [
        "Meera paid you ₹3,000.00",  # a first name alone: Meera Iyer or Meera Rao
        "Zubin Mehta paid you ₹3,000.00",  # nobody in the project
    ],
)
def test_a_payer_who_is_not_one_known_donor_is_not_offered(world, db, text: str) -> None:
    op, project, *_ = world
    make_contact(db, project, "Meera Iyer")
    make_contact(db, project, "Meera Rao")
    before = row_counts(db, project.id)
    assert op.say(text).text.startswith("No open pledge matches ₹3,000")
    assert op.state().pending is None and row_counts(db, project.id) == before


def test_a_payer_named_in_full_without_a_pledge_is_not_offered_another_donors(world, db) -> None:
    """ "Meera Iyer paid you ₹5,000" was offered as Rahul's ₹5,000 pledge (the amounts
    agreed), and yes recorded it on Rahul and taught MEERA IYER as his."""
    op, project, *_, rahul_pledge = world
    meera = make_contact(db, project, "Meera Iyer")
    asked = op.say("Meera Iyer paid you ₹5,000.00")
    assert asked.text.splitlines()[0] == (
        "₹5,000 from Meera Iyer → a payment from Meera Iyer, who has no open pledge."
    )
    op.say("yes")
    assert _left(db, rahul_pledge) == ("open", Decimal("5000.00"))
    assert [p.contact_id for p in rows(db, Payment, Payment.project_id == project.id)] == [meera.id]


@pytest.mark.parametrize(
    "text",
    [
        # a first name alone, or with an initial, is not the name in full
        "Your A/C XXXXX1234 has a credit by Transfer of Rs 7,000.00 on 26/11/26 by MEERA. "
        "Avl Bal Rs 52,000.00 -SBI",
        "Rs.7,000.00 credited to HDFC Bank A/c XX5678 on 26-11-26 from VPA meera.i@okaxis "
        "(UPI 412345678901)",
    ],
)
def test_a_first_name_or_an_initial_is_not_offered_as_a_payment(world, db, text: str) -> None:
    op, project, *_ = world
    make_contact(db, project, "Meera Iyer")
    before = row_counts(db, project.id)
    assert op.say(text).text.startswith("No open pledge matches ₹7,000")
    assert op.state().pending is None and row_counts(db, project.id) == before


def test_a_name_run_together_in_a_vpa_is_offered(world, db) -> None:
    op, project, *_ = world
    make_contact(db, project, "Meera Iyer")
    text = "Rs.7,000.00 credited to HDFC Bank A/c XX5678 on 26-11-26 from VPA meeraiyer@okaxis"
    assert "→ a payment from Meera Iyer" in op.say(text + " (UPI 412345678901)").text
