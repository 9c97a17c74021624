"""The demo organisation: realistic data for ``make run``, the simulator and screenshots.

``seed_demo`` is idempotent: if the demo project exists it changes nothing but the demo
admin's password, which is new and random on every call (``calltime serve --demo``
prints it at start-up), so no well-known password ever opens a dashboard. Data is
generated from a fixed seed relative to the clock's "today", so every run looks alike.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from bot.clock import Clock
from bot.db import Database
from bot.engine.amounts import format_money
from bot.engine.drafts import RECEIPT_SETTING
from bot.engine.timezones import project_tz
from bot.models import (
    Campaign,
    CampaignGoal,
    Contact,
    ContactIdentity,
    ContactTag,
    File,
    Followup,
    Interaction,
    KbDocument,
    Payment,
    Pledge,
    Project,
    Team,
    TeamMember,
    User,
)
from bot.store import ProjectScope

DEMO_NUMBER = "+14155238886"
DEMO_ADMIN_EMAIL = "admin@asha.example"
KB_DIR = Path(__file__).parent / "demo_data" / "kb"

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


@dataclass
class DemoSummary:
    project_id: uuid.UUID
    created: bool
    contacts: int
    admin_email: str = DEMO_ADMIN_EMAIL
    admin_password: str = ""
    operator_phones: tuple[str, ...] = ()


def seed_demo(db: Database, clock: Clock) -> DemoSummary:
    """Create the demo organisation unless it exists; return what is there."""
    with db.session() as session:
        project = session.scalar(select(Project).where(Project.whatsapp_number == DEMO_NUMBER))
        created = project is None
        if project is None:
            project = _seed(session, clock.now())
            # Chunk the knowledge base into the ``kb`` namespace (embedded when a model is
            # installed, keyword-searchable either way).
            from memory.kb import reindex_documents

            reindex_documents(ProjectScope(session, project.id, actor="system:demo"))
        operators = session.scalars(
            select(User.phone)
            .where(User.project_id == project.id, User.role == "USER")
            .order_by(User.phone)
        ).all()
        contacts = len(
            session.scalars(select(Contact.id).where(Contact.project_id == project.id)).all()
        )
        password = _new_admin_password(session, project)
        return DemoSummary(
            project.id,
            created,
            contacts,
            admin_password=password,
            operator_phones=tuple(p for p in operators if p),
        )


def _new_admin_password(session: Session, project: Project) -> str:
    """A fresh random password for the demo admin (ending sessions signed in with the old)."""
    admin = session.scalar(
        select(User).where(User.project_id == project.id, User.email == DEMO_ADMIN_EMAIL)
    )
    if admin is None:
        return ""
    password = secrets.token_urlsafe(12)
    admin.password_hash = generate_password_hash(password)
    return password


def _seed(session: Session, now: datetime) -> Project:
    rng = random.Random(20261126)
    project = Project(
        name="Asha Foundation",
        whatsapp_number=DEMO_NUMBER,
        timezone="Asia/Kolkata",
        currency="INR",
        upi_vpa="ashafoundation@okicici",
        default_region="IN",
        settings_json={RECEIPT_SETTING: "Your 80G receipt reaches you by email within 7 days."},
    )
    session.add(project)
    session.flush()
    pid = project.id
    admin = User(
        project_id=pid,
        full_name="Meera Iyer",
        phone="+919800000001",
        email=DEMO_ADMIN_EMAIL,
        role="ADMIN",
    )
    operators = [
        User(project_id=pid, full_name=name, phone=phone, role="USER")
        for name, phone in (
            ("Priya Nair", "+919800000002"),
            ("Rahul Verma", "+919800000003"),
            ("Sana Qureshi", "+919800000004"),
        )
    ]
    team = Team(project_id=pid, name="Evening callers", leaderboard_enabled=True)
    session.add_all([admin, *operators, team])
    session.flush()
    session.add_all(TeamMember(project_id=pid, team_id=team.id, user_id=op.id) for op in operators)
    tz = project_tz(project)
    today = now.astimezone(tz).date()
    campaign = Campaign(
        project_id=pid,
        name="Winter Appeal 2026",
        description="Keep 40 evening learning centres open this winter.",
        start_date=today.replace(day=1),
        end_date=today + timedelta(days=35),
    )
    session.add(campaign)
    session.flush()
    session.add_all(
        CampaignGoal(
            project_id=pid,
            campaign_id=campaign.id,
            date=today - timedelta(days=back),
            target_amount=Decimal(200000),
            target_contacts=40,
        )
        for back in range(7)
    )
    contacts = _seed_contacts(session, pid, rng, operators)
    _seed_history(session, pid, campaign.id, contacts, operators, rng, now, tz)
    _seed_kb(session, pid)
    return project


def _seed_contacts(
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


def _seed_history(
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


def _seed_kb(session: Session, pid: uuid.UUID) -> None:
    for path in sorted(KB_DIR.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        file = File(
            project_id=pid,
            filename=path.name,
            content_type="text/markdown",
            size_bytes=len(text.encode()),
            storage_url=f"package://bot/demo_data/kb/{path.name}",
            sha256=digest,
            meta={"source": "demo"},
        )
        session.add(file)
        session.flush()
        title = text.splitlines()[0].lstrip("# ").strip()
        session.add(
            KbDocument(
                project_id=pid,
                title=title,
                filename=path.name,
                content=text,
                content_hash=digest,
                file_id=file.id,
            )
        )
