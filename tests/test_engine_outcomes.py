"""Outcome refusals write nothing; nudge replies; find, note; undo edge cases; drafts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.engine.drafts import DraftError, draft_for
from bot.engine.outcomes import log_outcome
from bot.engine.records import OutcomeError
from bot.models import Contact, Followup, KbDocument, Pledge
from bot.store import ProjectScope
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db, upi_vpa="asha@okaxis")
    return Operator(runtime, project, make_user(db, project, "Priya Nair"))


def test_outcome_without_a_current_contact_writes_nothing(op: Operator, db) -> None:
    make_contact(db, op.project, "Anita Sharma")
    before = row_counts(db, op.project.id)
    assert op.say("pledged 25k").text == (
        "Which donor is “pledged 25k” for? No contact is selected, so nothing was saved. "
        "Send find NAME (or next), then send “pledged 25k” again."
    )
    assert row_counts(db, op.project.id) == before


def test_do_not_contact_contact_is_refused_and_nothing_written(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Dev Dnc", status="do_not_contact")
    op.set_state(current_contact_id=contact.id)
    before = row_counts(db, op.project.id)
    reply = op.say("paid 10k")
    assert reply.text == "Not recorded: Dev Dnc is marked do-not-contact; nothing recorded"
    assert row_counts(db, op.project.id) == before
    with db.session() as session, pytest.raises(DraftError):
        draft_for(ProjectScope(session, op.project.id), contact, op.clock.now())


def test_log_outcome_validates_before_writing(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    now = op.clock.now()
    before = row_counts(db, op.project.id)
    with db.session() as session:
        scope = ProjectScope(session, op.project.id, actor=f"user:{op.user.id}")
        for kwargs in (
            {"outcome": "pledged"},
            {"outcome": "paid", "amount": Decimal(0)},
            {"outcome": "reschedule"},
            {"outcome": "reschedule", "followup_at": now - timedelta(hours=1)},
            {"outcome": "maybe"},
            {"outcome": "spoke", "channel": "pigeon"},
        ):
            with pytest.raises(OutcomeError):
                log_outcome(scope, op.user, session.merge(contact), now=now, **kwargs)
    assert row_counts(db, op.project.id) == before


def test_snooze_by_a_length_of_time_postpones_from_the_follow_ups_own_time(
    op: Operator, db
) -> None:
    """``snooze 1 2h`` on a follow-up due at 3 PM moved it to noon (two hours from now)."""
    now = op.clock.now()  # Thu 26 Nov 10:00 in Kolkata
    contact = make_contact(db, op.project, "Meera Iyer")
    with db.session() as session:
        followup = ProjectScope(session, op.project.id).insert(
            Followup(
                contact_id=contact.id,
                due_at=now + timedelta(hours=5),
                status="scheduled",
                reason="reschedule",
                assigned_to_user_id=op.user.id,
            )
        )
    op.say("due")
    assert op.say("snooze 1 2h").text == "Follow-up with Meera Iyer moved to Thu 26 Nov 5:00 PM."
    assert op.say("snooze 1 aadhe ghante baad").text.endswith("Thu 26 Nov 5:30 PM.")
    # A moment is that moment, earlier or not.
    assert op.say("snooze 1 1pm").text == "Follow-up with Meera Iyer moved to Thu 26 Nov 1:00 PM."
    assert op.say("snooze 1 tomorrow").text.endswith("Fri 27 Nov 10:00 AM.")
    with db.session() as session:
        moved = session.get(Followup, followup.id)
        assert moved is not None and moved.due_at == now + timedelta(hours=24)


def test_due_and_nudge_replies(op: Operator, db) -> None:
    now = op.clock.now()
    contacts = [
        make_contact(db, op.project, name) for name in ("Asha Rao", "Bina Shah", "Chitra Iyer")
    ]
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        for hours, contact in zip((-50, -2, 3), contacts, strict=True):
            scope.insert(
                Followup(
                    contact_id=contact.id,
                    due_at=now + timedelta(hours=hours),
                    status="scheduled",
                    reason="no_response",
                    assigned_to_user_id=op.user.id,
                )
            )
        scope.insert(
            Pledge(
                contact_id=contacts[2].id, amount=Decimal(20000), pledged_at=now - timedelta(days=3)
            )
        )
    reply = op.say("due")
    assert reply.text.splitlines() == [
        "3 follow-ups due:",
        "1. Asha Rao – no answer last time, overdue since Tue 24 Nov 8:00 AM",
        "2. Bina Shah – no answer last time, overdue since Thu 26 Nov 8:00 AM",
        "3. Chitra Iyer – no answer last time, due 1:00 PM",
        "Reply done N · snooze N 2h · skip N",
    ]
    assert op.say("done 1").text == "Done: follow-up with Asha Rao closed."
    assert op.say("snooze 2 2h").text == "Follow-up with Bina Shah moved to Thu 26 Nov 12:00 PM."
    assert op.say("skip 3").text == "Follow-up with Chitra Iyer moved to Fri 27 Nov 10:00 AM."
    assert op.say("done 7").text == "There is no follow-up 7 (1–3)."
    reply = op.say("paid 3 5000 upi")
    assert reply.text.startswith(
        "Logged Chitra Iyer: paid; payment ₹5,000 by UPI – ₹15,000 of ₹20,000 still due"
    )
    with db.session() as session:
        statuses = [
            session.scalar(select(Followup.status).where(Followup.contact_id == c.id))
            for c in contacts
        ]
    assert statuses == ["done", "scheduled", "done"]


def test_find_selects_a_single_match_and_note_appends(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma", phone="+919811122233")
    make_contact(db, op.project, "Anil Kumar")
    make_contact(db, op.project, "Anita Dnc", status="do_not_contact")
    assert op.say("find ani").text.startswith("3+ matches:") or op.replies[-1].text.startswith(
        "3 matches"
    )
    assert op.say("find 98111 22233").text.startswith("Selected Anita Sharma · +919811122233")
    assert op.say("note: prefers Hindi").text == "Noted on Anita Sharma: “prefers Hindi”."
    assert op.say("find anita dnc").text == (
        "Anita Dnc is do-not-contact; not selected.\n"
        "Anita Sharma is no longer selected – send find NAME or next."
    )
    assert op.state().current_contact_id is None
    with db.session() as session:
        assert session.get(Contact, contact.id).notes == "[26 Nov 2026] prefers Hindi"


def test_undo_twice_steps_back_and_nothing_left(op: Operator, db) -> None:
    first, second = (
        make_contact(db, op.project, "First One"),
        make_contact(db, op.project, "Second Two"),
    )
    op.set_state(current_contact_id=first.id)
    op.say("pledged 10k")
    op.set_state(current_contact_id=second.id)
    op.say("spoke: call in Jan")
    assert op.say("undo").text == "Undone: 1 interaction, 1 contact change."
    assert op.say("undo").text == "Undone: 1 interaction, 1 pledge, 1 follow-up, 1 contact change."
    assert op.say("undo").text == "Nothing to undo."
    counts = row_counts(db, op.project.id)
    assert (counts["interactions"], counts["pledges"], counts["followups"]) == (0, 0, 0)


def test_draft_uses_kb_template_and_upi_link(op: Operator, db) -> None:
    contact = make_contact(
        db, op.project, "Anita Sharma", last_contacted_at=datetime(2026, 11, 1, tzinfo=UTC)
    )
    now = op.clock.now()
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        scope.insert(
            KbDocument(
                title="WhatsApp templates",
                content_hash="x",
                content=(
                    "# WhatsApp templates\n## Follow up\n"
                    "Hello {first_name}! {operator} here from {project}.\n"
                    "## Pledge reminder\nDear {first_name}, your {amount} pledge: {upi_link}\n"
                ),
            )
        )
        contact = session.merge(contact)
        assert (
            draft_for(scope, contact, now, operator="Priya Nair")
            == "Hello Anita! Priya here from Asha Trust."
        )
        pledge = scope.insert(Pledge(contact_id=contact.id, amount=Decimal(25000), pledged_at=now))
        assert draft_for(scope, contact, now, pledge=pledge) == (
            "Dear Anita, your ₹25,000 pledge: upi://pay?pa=asha%40okaxis&pn=Asha%20Trust"
            "&am=25000.00&cu=INR&tn=Asha%20Trust%20pledge"
        )


def test_undo_reverts_the_models_writes_in_the_operators_turn(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    op.say("help")  # opens the chat; its message is the turn the "model" writes in
    with db.session() as session:
        agent = ProjectScope(
            session, op.project.id, actor=f"agent:{op.chat_id}", turn_id=op.last_message_id
        )
        user = session.merge(op.user)
        log_outcome(
            agent,
            user,
            session.merge(contact),
            outcome="pledged",
            amount=Decimal(5000),
            now=op.clock.now(),
        )
    assert op.say("undo").text == "Undone: 1 interaction, 1 pledge, 1 follow-up, 1 contact change."
    counts = row_counts(db, op.project.id)
    assert (counts["interactions"], counts["pledges"], counts["followups"]) == (0, 0, 0)
