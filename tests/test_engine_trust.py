"""Records operators can trust: undo always works and counts exactly, no write lands on a
stale or wrong donor, and risky writes wait for ``yes`` (issue 14, defects 1–4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.engine.risk import Limits
from bot.models import Contact, Followup, Interaction, Payment, Pledge
from bot.store import ProjectScope
from bot.turn.router import CORRECTION_HINT
from memory.loading import embedder_for
from tests import memory_support
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user
from tests.undo_support import difference, snapshot

tiny_model_dir = memory_support.tiny_model_dir

NOTHING_SAVED = "Reply yes to save, no to cancel."


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db)
    return Operator(runtime, project, make_user(db, project, "Priya Nair"))


def _pledges(db, contact: Contact) -> list[Pledge]:
    with db.session() as session:
        stmt = select(Pledge).where(Pledge.contact_id == contact.id).order_by(Pledge.pledged_at)
        return list(session.scalars(stmt))


# -- defect 1: undo crashed on the second outcome for a contact, and under-counted -------
def test_undo_of_a_payment_after_a_pledge_restores_everything(op: Operator, db) -> None:
    make_contact(db, op.project, "Anita Sharma")
    op.say("next")
    op.say("pledged 25k by fri")
    before_payment = snapshot(db, op.project.id)
    assert op.say("paid 10000 upi").text.startswith("Logged Anita Sharma: paid; payment ₹10,000")
    assert op.say("undo").text == "Undone: 1 interaction, 1 payment, 1 contact change."
    assert difference(before_payment, snapshot(db, op.project.id)) == {}
    assert op.say("undo").text == "Undone: 1 interaction, 1 pledge, 1 follow-up, 1 contact change."
    assert op.say("undo").text == "Nothing to undo."


def test_undo_counts_the_pledge_and_follow_up_a_payment_closed(op: Operator, db) -> None:
    anita = make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    op.say("pledged 25k by fri")
    before_payment = snapshot(db, op.project.id)
    reply = op.say("paid 25000 cash")
    assert "pledge of ₹25,000 fully paid" in reply.text
    assert op.say("undo").text == (
        "Undone: 1 interaction, 1 payment, 1 contact change; reopened 1 pledge, 1 follow-up."
    )
    assert difference(before_payment, snapshot(db, op.project.id)) == {}
    assert [p.status for p in _pledges(db, anita)] == ["open"]


def test_undo_works_with_an_embedding_model_installed(
    op: Operator, db, runtime, tiny_model_dir, monkeypatch
) -> None:
    """Vectors carry embeddings; undo's audit of their removal must not choke on them."""
    monkeypatch.setenv("CALLTIME_MODEL_DIR", str(tiny_model_dir))
    assert embedder_for(runtime) is not None
    make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    op.say("spoke: prefers evening calls")
    before = snapshot(db, op.project.id)
    op.say("pledged 25k")
    assert op.say("undo").text == "Undone: 1 interaction, 1 pledge, 1 follow-up, 1 contact change."
    after = snapshot(db, op.project.id)
    # The restored profile vector lost the embedding of the newer text: it is re-embedded
    # with its next update (or `calltime models reindex`), never left describing other text.
    for row in [*after["vectors"].values(), *after["memories"].values()]:
        row.update(embedding=None, embedding_model=None, embedding_dim=None)
    for row in [*before["vectors"].values(), *before["memories"].values()]:
        row.update(embedding=None, embedding_model=None, embedding_dim=None)
    assert difference(before, after) == {}


# -- defect 2: a failed or refused selection left the previous donor selected ------------
@pytest.mark.parametrize(
    ("search", "answer"),
    [
        ("find Zubin Mistry", "No contact matches “Zubin Mistry”.\n"),
        ("find dev", "Dev Dnc is do-not-contact; not selected."),
        ("find ra", "2+ matches:\n- Rahul Jain (active)\n- Ravi Rao (active)\n"),
        # a slip in the name is suggested, never selected
        (
            "find Rahul Jian",
            "No contact matches “Rahul Jian”. Did you mean Rahul Jain? Send find with that name.",
        ),
    ],
    ids=["no-match", "do-not-contact", "ambiguous", "a-slip"],
)
def test_a_failed_find_clears_the_current_contact(
    op: Operator, db, search: str, answer: str
) -> None:
    make_contact(db, op.project, "Anita Sharma")
    make_contact(db, op.project, "Dev Dnc", status="do_not_contact")
    make_contact(db, op.project, "Ravi Rao")
    make_contact(db, op.project, "Rahul Jain")
    assert op.say("find anita").text.startswith("Selected Anita Sharma")
    reply = op.say(search)
    assert reply.text.startswith(answer.split("\n")[0])
    assert reply.text.endswith("Anita Sharma is no longer selected – send find NAME or next.")
    assert op.state().current_contact_id is None
    before = row_counts(db, op.project.id)
    reply = op.say("pledged 10k")
    assert reply.text.startswith("Which donor is “pledged 10k” for? No contact is selected")
    assert row_counts(db, op.project.id) == before


def test_an_outcome_without_a_contact_offers_the_suggested_donors(op: Operator, db) -> None:
    for name in ("Anita Sharma", "Bina Shah", "Chitra Iyer"):
        make_contact(db, op.project, name, relationship_strength=5 if name[0] == "A" else 3)
    op.say("next")
    op.say("find Zubin")
    reply = op.say("pledged 10k")
    lines = reply.text.splitlines()
    assert lines[0] == "Which donor is “pledged 10k” for? No contact is selected."
    assert lines[1].startswith("1. Anita Sharma") and lines[-1] == "Reply 1–3, or no to cancel."
    assert row_counts(db, op.project.id)["pledges"] == 0
    second = lines[2].split(". ", 1)[1]
    assert op.say("2").text.startswith(f"Logged {second}: pledged; pledge ₹10,000")
    with db.session() as session:
        pledge = session.scalar(select(Pledge))
        assert session.get(Contact, pledge.contact_id).display_name == second


# -- defect 3: absurd amounts were written without a question ----------------------------
def test_an_amount_above_the_ceiling_waits_for_yes(op: Operator, db) -> None:
    anita = make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    before = row_counts(db, op.project.id)
    reply = op.say("pledged 500 crore")
    assert reply.text.splitlines() == [
        "Please check before I save: Anita Sharma – pledged ₹5,00,00,00,000.",
        "- ₹5,00,00,00,000 is above this project's ceiling of ₹10,00,000.",
        NOTHING_SAVED,
    ]
    assert row_counts(db, op.project.id) == before
    assert op.say("no").text == "Cancelled – nothing was saved."
    assert row_counts(db, op.project.id) == before
    op.say("pledged 500 crore")
    assert op.say("haan").text.startswith("Logged Anita Sharma: pledged; pledge ₹5,00,00,00,000")
    assert [p.amount for p in _pledges(db, anita)] == [Decimal("5000000000.00")]


def test_an_amount_too_small_to_be_meant_waits_for_yes(op: Operator, db) -> None:
    """``pledged 5`` was meant as 5k (or 5 lakh): asked, even inside an open pledge."""
    anita = make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    before = row_counts(db, op.project.id)
    reply = op.say("pledged 5")
    assert reply.text.splitlines() == [
        "Please check before I save: Anita Sharma – pledged ₹5.",
        "- ₹5 is very little – yes saves ₹5; for ₹5,000, reply no and resend",
        NOTHING_SAVED,
    ]
    assert row_counts(db, op.project.id) == before
    assert op.say("no").text == "Cancelled – nothing was saved."
    op.say("pledged 5k")
    assert [p.amount for p in _pledges(db, anita)] == [Decimal("5000.00")]
    paid = op.say("paid 2")  # fits in the open pledge, but still a slip
    assert paid.text.splitlines()[1] == (
        "- ₹2 is very little – yes saves ₹2; for ₹2,000, reply no and resend"
    )
    assert row_counts(db, op.project.id)["payments"] == 0
    op.say("paid 100")  # the floor itself is an amount someone may give
    assert row_counts(db, op.project.id)["payments"] == 1


def test_a_held_pledge_reads_back_the_payment_made_with_it(op: Operator, db) -> None:
    make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    before = row_counts(db, op.project.id)
    reply = op.say("pledged 50 lakh paid 10k upi")
    assert reply.text.splitlines()[0] == (
        "Please check before I save: Anita Sharma – pledged ₹50,00,000, paid ₹10,000 by UPI."
    )
    assert row_counts(db, op.project.id) == before
    assert "payment ₹10,000 by UPI" in op.say("yes").text


def test_an_amount_far_above_the_capacity_band_waits_for_yes(op: Operator, db) -> None:
    make_contact(db, op.project, "Anita Sharma", capacity_band="5k-25k")
    op.say("find anita")
    assert op.say("pledged 50k").text.startswith("Logged Anita Sharma: pledged")  # 2× the top
    op.say("find anita")
    reply = op.say("paid 2L upi")
    assert reply.text.splitlines()[1] == (
        "- ₹2,00,000 is far above Anita Sharma's capacity band (5k-25k)."
    )
    op.say("paid 50000 upi")  # what the open pledge still owes: not questioned
    assert row_counts(db, op.project.id)["payments"] == 1


# -- defect 4: a re-stated pledge was recorded a second time -----------------------------
def test_a_restated_pledge_updates_the_open_one(op: Operator, db) -> None:
    anita = make_contact(db, op.project, "Anita Sharma")
    earlier = op.clock.now() - timedelta(days=3)
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        scope.insert(
            Pledge(
                contact_id=anita.id,
                amount=Decimal(25000),
                pledged_at=earlier,
                expected_by=date(2026, 11, 25),
            )
        )
        scope.insert(
            Followup(
                contact_id=anita.id,
                due_at=datetime(2026, 11, 25, 4, 30, tzinfo=UTC),
                status="due",
                reason="send_payment_link",
                assigned_to_user_id=op.user.id,
            )
        )
    assert "Open pledge: ₹25,000 by Wed 25 Nov" in op.say("next").text
    reply = op.say("pledged 25k by fri")
    assert reply.text.splitlines() == [
        "Please check before I save: Anita Sharma – pledged ₹25,000 by Fri 27 Nov.",
        "- Anita Sharma already has an open pledge of ₹25,000 (by Wed 25 Nov).",
        "1. Update the open pledge to ₹25,000, expected by Fri 27 Nov",
        "2. Add a second pledge of ₹25,000 (₹50,000 pledged in all)",
        "Reply 1–2, or no to cancel.",
    ]
    assert len(_pledges(db, anita)) == 1
    reply = op.say("1")
    assert reply.text.startswith(
        "Logged Anita Sharma: pledged; open pledge updated to ₹25,000, expected by Fri 27 Nov; "
        "follow-up Fri 27 Nov 10:00 AM"
    )
    [pledge] = _pledges(db, anita)
    assert (pledge.amount, pledge.expected_by, pledge.status) == (
        Decimal(25000),
        date(2026, 11, 27),
        "open",
    )
    with db.session() as session:
        reminders = session.scalars(
            select(Followup).where(
                Followup.contact_id == anita.id, Followup.status.in_(("due", "scheduled"))
            )
        ).all()
    assert [(f.reason, f.due_at) for f in reminders] == [
        ("send_payment_link", datetime(2026, 11, 27, 4, 30, tzinfo=UTC))
    ]
    assert "0 pledges ₹0" in op.say("stats").text  # nothing new pledged today


def test_updating_the_open_pledge_keeps_the_payment_said_with_it(op: Operator, db) -> None:
    """ "pledged 20k, paid 10k neft" answered 1 (update the open pledge) dropped the payment."""
    meera = make_contact(db, op.project, "Meera Iyer")
    with db.session() as session:
        ProjectScope(session, op.project.id).insert(
            Pledge(
                contact_id=meera.id,
                amount=Decimal(20000),
                pledged_at=op.clock.now() - timedelta(days=3),
            )
        )
    op.say("find meera")
    assert "1. Update the open pledge" in op.say("pledged 20k, paid 10k neft").text
    reply = op.say("1")
    assert "open pledge updated to ₹20,000" in reply.text
    assert "payment ₹10,000 by NEFT – ₹10,000 of ₹20,000 still due" in reply.text
    [pledge] = _pledges(db, meera)
    with db.session() as session:
        payments = session.scalars(select(Payment)).all()
    assert [(p.amount, p.method, p.pledge_id) for p in payments] == [
        (Decimal("10000.00"), "bank", pledge.id)
    ]


def test_a_report_that_is_read_gets_no_correction_hint(op: Operator, db) -> None:
    make_contact(db, op.project, "Meera Iyer")
    op.say("find meera")
    reply = op.say("wrong number")  # a correction's word, in a report that is read
    assert (
        reply.text.startswith("Logged Meera Iyer: wrong number")
        and CORRECTION_HINT not in reply.text
    )


# -- the stale-contact rule ---------------------------------------------------------------
def test_an_outcome_long_after_the_choice_names_the_donor_first(op: Operator, db) -> None:
    make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    op.clock.advance(minutes=31)
    before = row_counts(db, op.project.id)
    reply = op.say("pledged 10k")
    assert reply.text.splitlines() == [
        "Please check before I save: Anita Sharma – pledged ₹10,000.",
        "- You chose Anita Sharma 31 minutes ago – is this for them?",
        NOTHING_SAVED,
    ]
    assert row_counts(db, op.project.id) == before
    assert op.say("yes").text.startswith("Logged Anita Sharma: pledged")
    op.clock.advance(minutes=5)  # confirmed just now: no question for the next outcome
    assert op.say("spoke").text.startswith("Logged Anita Sharma: spoke")


def test_the_stale_contact_time_is_configurable(op: Operator, db, runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"stale_contact_minutes": 5})
    make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    op.clock.advance(minutes=6)
    assert op.say("na").text.endswith(NOTHING_SAVED)


def test_the_thresholds_come_from_the_environment(tmp_path) -> None:
    env = {"CALLTIME_STALE_CONTACT_MINUTES": "45", "CALLTIME_AMOUNT_CEILING": "2500000"}
    limits = Limits.from_settings(Settings.from_env(tmp_path, env))
    assert (limits.stale_after, limits.amount_ceiling) == (timedelta(minutes=45), Decimal(2500000))
    default = Limits.from_settings(Settings.from_env(tmp_path, {}))
    assert (default.stale_after, default.amount_ceiling) == (timedelta(minutes=30), Decimal(10**6))


def test_another_operators_recent_call_is_read_back(op: Operator, db, runtime) -> None:
    anita = make_contact(db, op.project, "Anita Sharma")
    rahul = Operator(runtime, op.project, make_user(db, op.project, "Rahul Mehta"))
    rahul.say("find anita")
    rahul.say("na")
    op.clock.advance(minutes=20)
    op.say("find anita")
    reply = op.say("spoke")
    assert reply.text.splitlines()[1] == (
        "- Rahul Mehta logged a call with Anita Sharma 20 minutes ago (no answer)."
    )
    assert op.say("ok").text.startswith("Logged Anita Sharma: spoke")
    op.clock.advance(minutes=41)
    assert op.say("find anita") and op.say("spoke").text.startswith("Logged Anita Sharma")
    with db.session() as session:
        assert (
            len(
                session.scalars(select(Interaction).where(Interaction.contact_id == anita.id)).all()
            )
            == 3
        )


def test_a_confirmation_checks_the_contact_again(op: Operator, db) -> None:
    anita = make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    op.say("paid 50 lakh")
    with db.session() as session:
        session.get(Contact, anita.id).status = "do_not_contact"
    before = row_counts(db, op.project.id)
    reply = op.say("yes")
    assert reply.text == "Not recorded: Anita Sharma is marked do-not-contact; nothing recorded"
    assert row_counts(db, op.project.id) == before
    with db.session() as session:
        assert session.scalar(select(Payment)) is None


def test_undo_refuses_a_turn_another_operators_change_depends_on(op: Operator, db, runtime):
    make_contact(db, op.project, "Anita Sharma")
    rahul = Operator(runtime, op.project, make_user(db, op.project, "Rahul Mehta"))
    op.say("find anita")
    op.say("pledged 10k")
    rahul.say("find anita")
    rahul.say("paid 10000 upi")
    assert rahul.say("yes").text.startswith("Logged Anita Sharma: paid")  # Priya just called
    before = snapshot(db, op.project.id)
    reply = op.say("undo")
    assert reply.text == (
        "Not recorded: a later change depends on that turn; ask an admin to correct it"
    )
    assert difference(before, snapshot(db, op.project.id)) == {}
