"""A busy project for layout tests: long names, crore amounts, long links and errors.

Everything a real campaign puts on the dashboard that could push a page sideways on a
phone: a 70-character trust name, donors and operators with long names (one with no
space to break at), ₹9,99,99,99,999.99 pledges, 14 days of goals, model usage in the
millions of tokens, ``upi://`` links and UTRs in messages, long tool errors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.db import Database
from bot.directory.contacts_csv import import_contacts
from bot.directory.org import add_campaign, add_team, add_user, create_project, set_goal
from bot.models import (
    AgentLog,
    ChatSession,
    Contact,
    ContactIdentity,
    Followup,
    Message,
    Payment,
    Pledge,
    Project,
    ProviderUsage,
    RlhfInteraction,
    User,
)
from bot.store import ProjectScope
from tests.admin_support import PASSWORD_HASH
from tests.factories import unique_mobile

TRUST = "Sri Venkateswara Educational & Charitable Trust (Chennai Chapter), Regd."
UNBROKEN = "Venkatanarasimharajuvaripetasubrahmanyeswaraswamyvaripalem"
HUGE = Decimal("9999999999.99")
UPI_LINK = (
    "upi://pay?pa=svect.donations.chennai@okhdfcbank&pn=Sri%20Venkateswara%20Educational%20"
    "Trust&am=1040000.00&cu=INR&tn=Diwali2026ScholarshipAppealPledgeReference9981"
)
LONG_ERROR = (
    "anthropic.APIStatusError: Error code: 529 - {'type': 'error', 'error': {'type': "
    "'overloaded_error', 'message': 'Overloaded'}} while calling record_pledge for " + UNBROKEN
)


@dataclass
class Busy:
    admin_email: str
    project_id: uuid.UUID
    operator_id: uuid.UUID
    session_id: uuid.UUID
    contact_id: uuid.UUID
    campaign_id: uuid.UUID


def seed_busy_project(db: Database, now: datetime) -> Busy:
    """One project with every dashboard page full of long, big and awkward values."""
    with db.session() as session:
        project = create_project(session, TRUST, unique_mobile(), upi_vpa="svect@okhdfcbank")
        scope = ProjectScope(session, project.id, actor="test")
        admin = add_user(
            scope,
            "Dr. Ananthapadmanabhan Venkatasubramanian Iyer (Trustee)",
            unique_mobile(),
            "ADMIN",
            email="ananthapadmanabhan.venkatasubramanian@svect-chennai.example.org",
        )
        admin.password_hash = PASSWORD_HASH
        team = add_team(scope, "Evening callers — Tambaram, Chromepet & Pallavaram")
        operators = [
            add_user(scope, name, unique_mobile(), "USER", team=team)
            for name in (
                "Priyadarshini Ramalingam-Subramaniam",
                UNBROKEN,
                "Mohammed Abdul Raheem Khan",
            )
        ]
        campaign = _campaign(scope, now)
        contacts = _contacts(scope, 60)
        chat = _conversation(scope, operators[1], contacts[0], now)
        _money(scope, operators, contacts, now)
        _followups(scope, operators, contacts, now)
        _usage(scope, operators, chat, now)
        scope.insert(
            RlhfInteraction(
                user_id=operators[0].id,
                session_id=chat.id,
                prompt_type="next",
                rating=1,
                comment="Draft was far too long for WhatsApp: " + UPI_LINK,
                draft="Namaste " + UNBROKEN + ", " + UPI_LINK,
                model="claude-haiku-4-5-20251001",
            )
        )
        busy = Busy(
            admin.email or "", project.id, operators[1].id, chat.id, contacts[0].id, campaign.id
        )
    _import(db, project.id)
    return busy


def _campaign(scope: ProjectScope, now: datetime) -> Any:
    campaign = add_campaign(
        scope,
        "Diwali 2026 Scholarship Appeal for Rural Girls' Higher Education (Phase II)",
        description="Matching grant from the Chennai Rotary Club up to ₹5 crore " + UNBROKEN,
    )
    today = now.date()
    for days in range(14):
        set_goal(scope, campaign, today - timedelta(days=days), "50,00,00,000", 1200)
    set_goal(scope, campaign, today + timedelta(days=1), str(HUGE), 99999)
    return campaign


def _contacts(scope: ProjectScope, count: int) -> list[Contact]:
    contacts = []
    for i in range(count):
        name = (
            UNBROKEN
            if i == 0
            else f"Smt. Lakshmi Narayanan Venkataraghavan Family Trust No. {i:02d} (Adyar)"
        )
        contact = scope.insert(
            Contact(
                display_name=name,
                relationship_strength=1 + i % 5,
                capacity_band="₹10,00,000 – ₹1,00,00,000 (major donor)",
                notes="Prefers calls after 7 pm; " + UPI_LINK,
            )
        )
        scope.insert(
            ContactIdentity(
                contact_id=contact.id, type="phone", value=unique_mobile(), is_primary=True
            )
        )
        contacts.append(contact)
    scope.insert(
        ContactIdentity(
            contact_id=contacts[0].id,
            type="email",
            value="venkatanarasimharajuvaripeta.subrahmanyeswara@chennai-philanthropy.example.org",
        )
    )
    return contacts


def _conversation(scope: ProjectScope, user: User, contact: Contact, now: datetime) -> Any:
    chat = scope.insert(
        ChatSession(
            user_id=user.id,
            whatsapp_thread_id=user.phone,
            started_at=now - timedelta(hours=2),
            last_activity_at=now - timedelta(minutes=1),
        )
    )
    inbound = scope.insert(
        Message(
            user_id=user.id,
            session_id=chat.id,
            direction="inbound",
            from_number=user.phone or "",
            to_number="+14155238886",
            body=f"spoke to {contact.display_name}, pledged 1 crore 4 lakh, pays via {UPI_LINK}",
            status="failed",
            error_message=LONG_ERROR,
            created_at=now - timedelta(minutes=30),
        )
    )
    scope.insert(
        Message(
            user_id=user.id,
            session_id=chat.id,
            direction="outbound",
            reply_to_id=inbound.id,
            from_number="+14155238886",
            to_number=user.phone or "",
            body=f"Send this to {contact.display_name}: {UPI_LINK}",
            status="failed",
            error_code="63016",
            error_message=LONG_ERROR,
            created_at=now - timedelta(minutes=29),
        )
    )
    for i, status in enumerate(("ok", "error", "refused")):
        scope.insert(
            AgentLog(
                session_id=chat.id,
                user_id=user.id,
                message_id=inbound.id,
                action="record_pledge",
                tool_use_id=f"toolu_{i}",
                input_json={"contact_id": str(contact.id), "amount": str(HUGE), "note": UPI_LINK},
                result='{"pledge": "9999999999.99", "link": "' + UPI_LINK + '"}',
                status=status,
                execution_time_ms=123456,
                error=LONG_ERROR if status != "ok" else None,
                created_at=now - timedelta(minutes=30, seconds=-i),
            )
        )
    return chat


def _money(
    scope: ProjectScope, operators: list[User], contacts: list[Contact], now: datetime
) -> None:
    for i, contact in enumerate(contacts[:30]):
        pledge = scope.insert(
            Pledge(
                contact_id=contact.id,
                amount=HUGE if i % 3 == 0 else Decimal("1040000.50"),
                pledged_at=now - timedelta(days=i % 14, hours=1),
                expected_by=(now - timedelta(days=5 + i)).date(),
                notes="Will pay in two instalments after the board meeting; " + UPI_LINK,
                created_by_user_id=operators[i % 3].id,
            )
        )
        scope.insert(
            Payment(
                contact_id=contact.id,
                pledge_id=pledge.id,
                amount=Decimal("999999999.99") if i % 2 else Decimal("1040000.00"),
                method=("upi", "bank", "cash", "card", "other")[i % 5],
                status=("confirmed", "pending", "failed", "refunded")[i % 4],
                paid_at=now - timedelta(days=i % 14, minutes=5),
                reference=f"UPI/CR/63214598741{i}/{UNBROKEN}/HDFC0001234",
                created_by_user_id=operators[i % 3].id,
            )
        )


def _followups(
    scope: ProjectScope, operators: list[User], contacts: list[Contact], now: datetime
) -> None:
    for i, contact in enumerate(contacts[:20]):
        scope.insert(
            Followup(
                contact_id=contact.id,
                due_at=now + timedelta(hours=3 * i - 30),
                status="scheduled" if i % 2 else "due",
                reason=("send_payment_link", "no_response", "call_back_after_board_meeting")[i % 3],
                assigned_to_user_id=operators[i % 3].id,
                nudged_at=now - timedelta(hours=1) if i % 2 == 0 else None,
            )
        )


def _usage(scope: ProjectScope, operators: list[User], chat: Any, now: datetime) -> None:
    for day in range(14):
        for user in operators:
            scope.insert(
                ProviderUsage(
                    user_id=user.id,
                    session_id=chat.id,
                    provider="anthropic",
                    model="claude-sonnet-4-5-20250929-extended-context-preview",
                    prompt_tokens=1_040_000 * (day + 1),
                    completion_tokens=250_000,
                    total_tokens=1_290_000 * (day + 1),
                    cache_read_tokens=9_999_999,
                    cache_write_tokens=1_234_567,
                    created_at=now - timedelta(days=day, minutes=3),
                )
            )


def _import(db: Database, project_id: uuid.UUID) -> None:
    rows = ["display_name,phone,notes"]
    rows += [f"{UNBROKEN} {i},+9198{40000000 + i:08d},{UPI_LINK}" for i in range(3)]
    rows.append(f",not-a-phone,{UNBROKEN}")
    with db.session() as session:
        project = session.get(Project, project_id)
        import_contacts(session, project, "\n".join(rows) + "\n", actor="test")
