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
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from bot.clock import Clock
from bot.db import Database
from bot.directory.demo_donors import seed_contacts, seed_history
from bot.engine.drafts import RECEIPT_SETTING
from bot.engine.timezones import project_tz
from bot.models import (
    Campaign,
    CampaignGoal,
    Contact,
    File,
    KbDocument,
    Project,
    Team,
    TeamMember,
    User,
)
from bot.store import ProjectScope

DEMO_NUMBER = "+14155238886"
DEMO_ADMIN_EMAIL = "admin@asha.example"
KB_DIR = Path(__file__).parent / "demo_data" / "kb"


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
    contacts = seed_contacts(session, pid, rng, operators)
    seed_history(session, pid, campaign.id, contacts, operators, rng, now, tz)
    _seed_kb(session, pid)
    return project


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
