"""A scripted call-time session over the demo organisation: every reply and every row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from bot.directory.demo import seed_demo
from bot.models import (
    AuditLog,
    Campaign,
    Contact,
    Event,
    Followup,
    Interaction,
    Payment,
    Pledge,
    Project,
    User,
)
from tests.engine_support import Operator, row_counts

FRI_10 = datetime(2026, 11, 27, 4, 30, tzinfo=UTC)  # Fri 27 Nov 10:00 IST
FRI_17 = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)  # Fri 27 Nov 17:00 IST


def _operator(runtime, db, clock) -> Operator:
    summary = seed_demo(db, clock)
    with db.session() as session:
        project = session.get(Project, summary.project_id)
        user = session.scalar(
            select(User).where(User.project_id == project.id, User.phone == "+919800000002")
        )
    return Operator(runtime, project, user)


def _contact(db, contact_id) -> Contact:
    with db.session() as session:
        return session.get(Contact, contact_id)


def _next(op: Operator, db, never: set) -> Contact:
    """Send ``next``; check the card and that the contact may be called; return it."""
    reply = op.say("next")
    contact = _contact(db, op.state().current_contact_id)
    assert contact.id not in never, reply.text
    assert contact.status == "active" and contact.deleted_at is None
    assert contact.assigned_to_user_id in (None, op.user.id)
    assert contact.last_contacted_at is None or contact.last_contacted_at < op.clock.now().replace(
        hour=0, minute=0
    )
    assert reply.prompt_type == "next" and len(reply.text) <= 1600 and not reply.then
    assert len(reply.text.split("\nDraft: ")[0]) <= 600  # the card without its draft block
    lines = reply.text.splitlines()
    assert lines[0].startswith(f"Next: {contact.display_name} · +91") and lines[1].startswith(
        "Why: "
    )
    with db.session() as session:
        open_pledge = session.scalar(
            select(Pledge).where(Pledge.contact_id == contact.id, Pledge.status == "open")
        )
    if open_pledge is not None:
        assert "upi://pay?pa=ashafoundation%40okicici&pn=Asha%20Foundation&am=" in reply.text
    return contact


def test_scripted_call_time_session(runtime, db, clock) -> None:
    op = _operator(runtime, db, clock)
    before = row_counts(db, op.project.id)
    reply = op.say("start")
    assert reply.text == (
        "Call time started – Winter Appeal 2026. Today's goal ₹2,00,000; ₹0 pledged "
        "so far. Send next for your first contact."
    )
    with db.session() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.project_id == op.project.id))
    assert op.state().campaign_id == campaign.id
    assert row_counts(db, op.project.id) == before  # start writes nothing

    # 1. A pledges 25k by Friday, pays 10k by UPI (partial), then 15k cash (full).
    with db.session() as session:
        overdue = session.scalar(
            select(Followup.id).where(
                Followup.project_id == op.project.id,
                Followup.assigned_to_user_id == op.user.id,
                Followup.status == "scheduled",
                Followup.due_at < clock.now(),
            )
        )
    a = _next(op, db, set())
    assert (
        overdue is not None and "overdue since" in op.replies[-1].text
    )  # overdue follow-ups first
    # A has an open ₹10,000 pledge: a new pledge is read back with a choice, and "2"
    # (a second pledge) writes it.
    reply = op.say("pledged 25k by fri")
    assert reply.text.splitlines()[-3:] == [
        "1. Update the open pledge to ₹25,000, expected by Fri 27 Nov",
        "2. Add a second pledge of ₹25,000 (₹35,000 pledged in all)",
        "Reply 1–2, or no to cancel.",
    ]
    reply = op.say("2")
    with db.session() as session:
        pledge = session.scalar(
            select(Pledge).where(Pledge.contact_id == a.id, Pledge.amount == Decimal(25000))
        )
        interaction = session.get(Interaction, pledge.interaction_id)
        reminder = session.scalar(select(Followup).where(Followup.interaction_id == interaction.id))
    assert (pledge.status, pledge.expected_by, pledge.campaign_id) == (
        "open",
        date(2026, 11, 27),
        campaign.id,
    )
    assert (interaction.outcome, interaction.amount_pledged, interaction.session_id) == (
        "pledged",
        Decimal(25000),
        op.chat_id,
    )
    assert (reminder.reason, reminder.due_at, reminder.assigned_to_user_id) == (
        "send_payment_link",
        FRI_10,
        op.user.id,
    )
    assert _contact(db, a.id).last_contacted_at == clock.now()
    assert reply.text.startswith(
        f"Logged {a.display_name}: pledged; pledge ₹25,000, expected by Fri 27 Nov; "
        "follow-up Fri 27 Nov 10:00 AM"
    )

    reply = op.say("paid 10k upi ref UTR1")
    assert reply.text.startswith(
        f"Logged {a.display_name}: paid; payment ₹10,000 by UPI ref UTR1 – "
        "₹15,000 of ₹25,000 still due."
    )
    reply = op.say("paid 15000 cash")
    assert reply.text.startswith(
        f"Logged {a.display_name}: paid; payment ₹15,000 by cash – pledge of ₹25,000 fully paid."
    )
    with db.session() as session:
        payments = session.scalars(
            select(Payment).where(Payment.pledge_id == pledge.id).order_by(Payment.amount)
        ).all()
        assert [(p.amount, p.method, p.reference) for p in payments] == [
            (Decimal(10000), "upi", "UTR1"),
            (Decimal(15000), "cash", None),
        ]
        assert session.get(Pledge, pledge.id).status == "fulfilled"
        assert session.get(Followup, reminder.id).status == "done"

    # 2. B asks for a call back tomorrow at 5 pm.
    b = _next(op, db, {a.id})
    reply = op.say("call back tomorrow 5pm")
    with db.session() as session:
        callback = session.scalar(
            select(Followup).where(
                Followup.contact_id == b.id,
                Followup.reason == "reschedule",
                Followup.due_at == FRI_17,
            )
        )
    assert callback is not None and _contact(db, b.id).next_suggested_at == FRI_17
    assert reply.text.startswith(
        f"Logged {b.display_name}: call back; follow-up Fri 27 Nov 5:00 PM"
    )

    # 3. C says do not contact: never suggested again.
    c = _next(op, db, {a.id, b.id})
    reply = op.say("dnc")
    assert reply.text.startswith(
        f"Logged {c.display_name}: do not contact; marked do-not-contact; never suggested again"
    )
    assert _contact(db, c.id).status == "do_not_contact"
    with db.session() as session:
        assert not session.scalars(
            select(Followup).where(
                Followup.contact_id == c.id, Followup.status.in_(("scheduled", "due"))
            )
        ).all()

    # 4. D does not answer; the operator undoes it.
    d = _next(op, db, {a.id, b.id, c.id})
    last_contacted = d.last_contacted_at
    reply = op.say("na")
    assert reply.text.startswith(
        f"Logged {d.display_name}: no answer; follow-up Fri 27 Nov 10:00 AM"
    )
    na_turn = op.last_message_id
    reply = op.say("undo")
    # D's overdue follow-up, closed by the outcome, is open again and counted.
    assert (
        reply.text == "Undone: 1 interaction, 1 follow-up, 1 contact change; reopened 1 follow-up."
    )
    assert _contact(db, d.id).last_contacted_at == last_contacted
    with db.session() as session:
        assert not session.scalars(
            select(Interaction).where(
                Interaction.contact_id == d.id, Interaction.occurred_at == clock.now()
            )
        ).all()
        reverted = session.scalars(select(AuditLog).where(AuditLog.turn_id == na_turn)).all()
        assert reverted and all(row.reverted_at == clock.now() for row in reverted)
        assert all(row.changed_by == f"user:{op.user.id}" for row in reverted)

    # 5. The dnc contact never comes back, however often the operator skips.
    seen = set()
    for _ in range(8):
        seen.add(_next(op, db, {a.id, b.id, c.id}).id)
        op.say("skip")
    assert len(seen) >= 7

    # 6. Stats read back the day; rows add up.
    reply = op.say("stats")
    assert reply.text.splitlines()[:3] == [
        "Today (Thu 26 Nov): 5 calls, 4 connects, 1 pledge ₹25,000, received ₹25,000.",
        "Goal (Winter Appeal 2026): ₹25,000 of ₹2,00,000.",
        "₹1,75,000 to go – about 28 more connects at today's rate.",
    ]
    after = row_counts(db, op.project.id)
    assert {
        k: after[k] - before[k] for k in ("interactions", "pledges", "payments", "followups")
    } == {"interactions": 5, "pledges": 1, "payments": 2, "followups": 2}
    with db.session() as session:
        kinds = set(
            session.scalars(select(Event.event_type).where(Event.project_id == op.project.id))
        )
    assert {
        "interaction.logged",
        "pledge.created",
        "payment.recorded",
        "followup.scheduled",
        "followup.completed",
        "contact.updated",
    } <= kinds

    # 7. Undo is refused after 30 minutes.
    clock.advance(minutes=31)
    reply = op.say("undo")
    assert reply.text == "Your last change is more than 30 minutes old; ask an admin to correct it."
    assert _contact(db, c.id).status == "do_not_contact"
