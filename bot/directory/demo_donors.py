"""The demo organisation's donors: names in several scripts, tags, capacity bands, and
a few weeks of calls, pledges and payments behind them (see :mod:`bot.directory.demo`).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.engine.amounts import format_money
from bot.models import (
    Contact,
    ContactIdentity,
    ContactTag,
    Followup,
    Interaction,
    Payment,
    Pledge,
    User,
)

FIRST = [
    "Anita",
    "Aarav",
    "Priyanka",
    "Rohan",
    "Kavya",
    "Vikram",
    "Neha",
    "Arjun",
    "Pooja",
    "Sanjay",
    "Lakshmi",
    "Imran",
    "Fatima",
    "Harpreet",
    "Gurpreet",
    "Deepa",
    "Suresh",
    "Ramesh",
    "Meenakshi",
    "Aditya",
    "Ishaan",
    "Zoya",
    "Farhan",
    "Tanvi",
    "Nikhil",
    "Shreya",
    "Karthik",
    "Divya",
    "Manoj",
    "Asha",
    "Rekha",
    "Vivek",
    "Nandini",
    "Siddharth",
    "Ananya",
    "Rahul",
    "Sneha",
    "Kiran",
    "Joseph",
    "Mary",
    "Thomas",
    "Ayesha",
    "Mohammed",
    "Sunita",
    "Venkat",
    "Bhavna",
    "Yash",
    "Ritu",
    "Gaurav",
    "Swati",
]
LAST = [
    "Sharma",
    "Iyer",
    "Nair",
    "Reddy",
    "Patel",
    "Shah",
    "Gupta",
    "Menon",
    "Rao",
    "Kulkarni",
    "Deshpande",
    "Banerjee",
    "Chatterjee",
    "Singh",
    "Khan",
    "Qureshi",
    "Fernandes",
    "D'Souza",
    "Joshi",
    "Pillai",
    "Mukherjee",
    "Agarwal",
    "Bhat",
    "Naidu",
    "Sethi",
    "Malhotra",
    "Kapoor",
    "Verma",
    "Mishra",
    "Pandey",
]
# A few names in other scripts: imports and replies must carry them byte for byte.
NATIVE_NAMES = ("अनीता शर्मा", "ராஜேஷ் குமார்", "সুমিত্রা দাস", "Zoë D'Mello")
BANDS = ("5k-25k", "5k-25k", "25k-1L", "25k-1L", "1L+")
TAGS = ("warm", "cold", "donor", "vip", "renewal", "sponsor", "intro_needed")


def seed_contacts(
    session: Session, pid: uuid.UUID, rng: random.Random, operators: list[User]
) -> list[Contact]:
    contacts: list[Contact] = []
    for i in range(300):
        name = NATIVE_NAMES[i // 75] if i % 75 == 0 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        status = "do_not_contact" if i % 37 == 5 else "inactive" if i % 61 == 7 else "active"
        contact = Contact(
            project_id=pid,
            display_name=name,
            relationship_strength=rng.choice((1, 2, 3, 3, 3, 4, 4, 5)),
            capacity_band=rng.choice(BANDS),
            status=status,
            notes=rng.choice(
                (
                    None,
                    None,
                    "Prefers calls after 6 pm.",
                    "Speaks Hindi at home.",
                    "Gave in memory of her father.",
                    "Works in Bengaluru; WhatsApp first.",
                )
            ),
            assigned_to_user_id=operators[i % 3].id if i % 10 == 0 else None,
        )
        contacts.append(contact)
    session.add_all(contacts)
    session.flush()
    for i, contact in enumerate(contacts):
        session.add(
            ContactIdentity(
                project_id=pid,
                contact_id=contact.id,
                type="phone",
                value=f"+9197{i:08d}",
                is_primary=True,
                is_whatsapp_capable=True,
            )
        )
        for tag in rng.sample(TAGS, rng.choice((1, 1, 2, 3))):
            session.add(ContactTag(project_id=pid, contact_id=contact.id, tag=tag))
    return contacts


def seed_history(
    session: Session,
    pid: uuid.UUID,
    campaign_id: uuid.UUID,
    contacts: list[Contact],
    operators: list[User],
    rng: random.Random,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    outcomes = (
        "no_response",
        "no_response",
        "spoke",
        "pledged",
        "pledged",
        "paid",
        "declined",
        "reschedule",
    )
    for i, contact in enumerate(contacts[:160]):
        if contact.status != "active":
            continue
        operator = operators[i % 3]
        # Yesterday or earlier, in call-time hours, so "already contacted today" stays meaningful.
        day = (now.astimezone(tz) - timedelta(days=rng.randint(1, 30))).date()
        occurred = datetime.combine(day, time(rng.randint(10, 19), rng.choice((0, 15, 30, 45))), tz)
        outcome = rng.choice(outcomes)
        amount = Decimal(rng.choice((5000, 10000, 25000, 50000, 100000)))
        interaction = Interaction(
            project_id=pid,
            campaign_id=campaign_id,
            contact_id=contact.id,
            channel="call",
            direction="outbound",
            outcome=outcome,
            summary=_summary(outcome, amount),
            amount_pledged=amount if outcome in ("pledged", "paid") else None,
            amount_received=amount if outcome == "paid" else None,
            occurred_at=occurred,
            created_by_user_id=operator.id,
        )
        session.add(interaction)
        session.flush()
        contact.last_contacted_at = occurred
        if outcome in ("pledged", "paid"):
            _seed_pledge(
                session,
                pid,
                campaign_id,
                contact,
                operator,
                interaction,
                amount,
                outcome,
                occurred,
                rng,
            )
        if outcome in ("no_response", "reschedule", "pledged"):
            due = now + timedelta(hours=rng.choice((-30, -5, -1, 3, 26, 50)))
            session.add(
                Followup(
                    project_id=pid,
                    campaign_id=campaign_id,
                    contact_id=contact.id,
                    interaction_id=interaction.id,
                    due_at=due,
                    status="scheduled",
                    reason={"pledged": "send_payment_link", "reschedule": "reschedule"}.get(
                        outcome, "no_response"
                    ),
                    assigned_to_user_id=operator.id,
                    created_by_user_id=operator.id,
                )
            )


def _seed_pledge(
    session: Session,
    pid: uuid.UUID,
    campaign_id: uuid.UUID,
    contact: Contact,
    operator: User,
    interaction: Interaction,
    amount: Decimal,
    outcome: str,
    occurred: datetime,
    rng: random.Random,
) -> None:
    pledge = Pledge(
        project_id=pid,
        campaign_id=campaign_id,
        contact_id=contact.id,
        interaction_id=interaction.id,
        amount=amount,
        pledged_at=occurred,
        expected_by=(occurred + timedelta(days=rng.choice((2, 5, 10)))).date(),
        status="fulfilled" if outcome == "paid" else "open",
        created_by_user_id=operator.id,
    )
    session.add(pledge)
    session.flush()
    if outcome == "paid":
        session.add(
            Payment(
                project_id=pid,
                campaign_id=campaign_id,
                contact_id=contact.id,
                pledge_id=pledge.id,
                interaction_id=interaction.id,
                amount=amount,
                paid_at=occurred + timedelta(hours=2),
                method=rng.choice(("upi", "upi", "bank", "card")),
                reference=f"UTR{rng.randint(10**11, 10**12 - 1)}",
                created_by_user_id=operator.id,
            )
        )


def _summary(outcome: str, amount: Decimal) -> str:
    rupees = format_money(amount)
    return {
        "no_response": "No answer; try again.",
        "spoke": "Spoke briefly; interested in the centres, will think about it.",
        "pledged": f"Pledged {rupees} for the winter term.",
        "paid": f"Paid {rupees} by UPI the same day.",
        "declined": "Declined this year; already gave to another cause.",
        "reschedule": "Busy at work; asked to call back later in the week.",
    }[outcome]
