"""Seed data and helpers for the admin dashboard tests.

Tool calls and model usage are written directly (the agent loop is built elsewhere):
what matters here is how the dashboard reads and shows them.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.security import generate_password_hash

from bot.db import Database
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
    ProviderUsage,
    RlhfInteraction,
)
from bot.store import ProjectScope
from tests.factories import unique_mobile

PASSWORD = "correct horse battery"
# A cheap hash keeps the suite fast; production hashes use werkzeug's default (scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@dataclass
class World:
    """One project's seeded rows (ids and the values tests look for)."""

    name: str
    project_id: uuid.UUID
    admin_id: uuid.UUID
    admin_email: str
    operator_id: uuid.UUID
    operator_email: str
    session_id: uuid.UUID
    inbound_id: uuid.UUID
    contact_id: uuid.UUID
    contact_name: str
    contact_phone: str
    log_ids: list[uuid.UUID] = field(default_factory=list)
    followup_id: uuid.UUID | None = None
    pledge_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    goal_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None


def seed_project(db: Database, now: datetime, name: str) -> World:
    """A project with an admin, an operator in a team, a conversation with tool and model
    calls, a contact with a pledge, a payment and a follow-up, feedback and today's goal."""
    tag = uuid.uuid4().hex[:6]
    with db.session() as session:
        project = create_project(session, name, unique_mobile())
        scope = ProjectScope(session, project.id, actor="test")
        admin = add_user(
            scope, f"{name} Admin", unique_mobile(), "ADMIN", email=f"admin-{tag}@example.org"
        )
        team = add_team(scope, f"{name} Callers")
        operator = add_user(
            scope,
            f"{name} Operator",
            unique_mobile(),
            "USER",
            email=f"op-{tag}@example.org",
            team=team,
        )
        for user in (admin, operator):
            user.password_hash = PASSWORD_HASH
        campaign = add_campaign(scope, f"{name} Drive")
        goal = set_goal(scope, campaign, now.date(), "100000", 20)
        contact, phone = _contact(scope, f"{name} Donor {tag}")
        chat = scope.insert(
            ChatSession(
                user_id=operator.id,
                whatsapp_thread_id=operator.phone,
                started_at=now - timedelta(minutes=30),
                last_activity_at=now - timedelta(minutes=5),
            )
        )
        inbound = _message(
            scope,
            chat,
            operator.phone,
            "inbound",
            f"spoke to {contact.display_name}, pledged 25k, alt number 98765 43210",
            now - timedelta(minutes=6),
        )
        world = World(
            name,
            project.id,
            admin.id,
            admin.email or "",
            operator.id,
            operator.email or "",
            chat.id,
            inbound.id,
            contact.id,
            contact.display_name,
            phone,
        )
        world.campaign_id, world.goal_id, world.team_id = campaign.id, goal.id, team.id
        world.log_ids = _tool_calls(scope, chat, operator.id, inbound.id, contact.id, now)
        _usage(scope, chat, operator.id, inbound.id, now)
        _message(
            scope,
            chat,
            operator.phone,
            "outbound",
            "Logged a pledge of 25,000.",
            now - timedelta(minutes=5),
            reply_to=inbound.id,
        )
        world.pledge_id = scope.insert(
            Pledge(
                contact_id=contact.id,
                amount=Decimal("25000"),
                pledged_at=now - timedelta(hours=1),
                created_by_user_id=operator.id,
            )
        ).id
        scope.insert(
            Pledge(
                contact_id=contact.id, amount=Decimal("5000"), pledged_at=now - timedelta(days=40)
            )
        )
        scope.insert(
            Payment(
                contact_id=contact.id,
                amount=Decimal("10000"),
                method="upi",
                paid_at=now - timedelta(minutes=50),
                reference=f"UPI-{tag}",
            )
        )
        world.followup_id = scope.insert(
            Followup(
                contact_id=contact.id,
                due_at=now + timedelta(hours=2),
                status="scheduled",
                reason="send_payment_link",
                assigned_to_user_id=operator.id,
            )
        ).id
        scope.insert(
            RlhfInteraction(
                user_id=operator.id,
                session_id=chat.id,
                prompt_type="next",
                rating=2,
                comment=f"{name} draft too long",
            )
        )
        return world


def _contact(scope: ProjectScope, name: str) -> tuple[Contact, str]:
    phone = unique_mobile()
    contact = scope.insert(Contact(display_name=name, relationship_strength=3))
    scope.insert(
        ContactIdentity(
            contact_id=contact.id,
            type="phone",
            value=phone,
            is_primary=True,
            is_whatsapp_capable=True,
        )
    )
    return contact, phone


def _message(
    scope: ProjectScope,
    chat: ChatSession,
    phone: str | None,
    direction: str,
    body: str,
    at: datetime,
    reply_to: uuid.UUID | None = None,
) -> Message:
    bot_number = "+14155238886"
    inbound = direction == "inbound"
    return scope.insert(
        Message(
            user_id=chat.user_id,
            session_id=chat.id,
            direction=direction,
            from_number=(phone if inbound else bot_number) or "",
            to_number=bot_number if inbound else phone or "",
            body=body,
            status="done" if inbound else "simulated",
            created_at=at,
            updated_at=at,
            reply_to_id=reply_to,
            twilio_sid=f"SM{uuid.uuid4().hex}",
        )
    )


def _tool_calls(
    scope: ProjectScope,
    chat: ChatSession,
    user_id: uuid.UUID,
    message_id: uuid.UUID,
    contact_id: uuid.UUID,
    now: datetime,
) -> list[uuid.UUID]:
    calls = [
        (
            "search_contacts",
            {"query": "Anita"},
            json.dumps([{"id": str(contact_id)}]),
            "ok",
            12,
            None,
        ),
        (
            "record_pledge",
            {"contact_id": str(contact_id), "amount": "25000"},
            '{"pledge": "25000.00"}',
            "ok",
            31,
            None,
        ),
        (
            "schedule_followup",
            {"contact_id": str(contact_id), "due": "friday"},
            None,
            "error",
            7,
            "due date is in the past",
        ),
    ]
    ids = []
    for i, (action, args, result, status, ms, error) in enumerate(calls):
        row = scope.insert(
            AgentLog(
                session_id=chat.id,
                user_id=user_id,
                message_id=message_id,
                action=action,
                tool_use_id=f"toolu_{i}",
                input_json=args,
                result=result,
                status=status,
                execution_time_ms=ms,
                error=error,
                created_at=now - timedelta(minutes=6, seconds=-i),
            )
        )
        ids.append(row.id)
    return ids


def _usage(
    scope: ProjectScope, chat: ChatSession, user_id: uuid.UUID, message_id: uuid.UUID, now: datetime
) -> None:
    for i, (prompt, completion, read, write) in enumerate(
        ((1200, 150, 0, 3000), (400, 80, 3000, 0))
    ):
        scope.insert(
            ProviderUsage(
                user_id=user_id,
                session_id=chat.id,
                message_id=message_id,
                provider="anthropic",
                model="claude-haiku-4-5-20251001",
                prompt_tokens=prompt,
                completion_tokens=completion,
                total_tokens=prompt + completion + read + write,
                cache_read_tokens=read,
                cache_write_tokens=write,
                request_id=f"req_{i}",
                latency_ms=900 + i,
                stop_reason="tool_use" if i == 0 else "end_turn",
                created_at=now - timedelta(minutes=6, seconds=-i),
            )
        )


# -- HTTP helpers ---------------------------------------------------------------------
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: Any, identifier: str, password: str = PASSWORD) -> Any:
    """Sign in through the form (CSRF token included); returns the POST response."""
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    return client.post(
        "/admin/login", data={"identifier": identifier, "password": password, "csrf_token": token}
    )


def csrf_token(client: Any, path: str = "/admin/contacts/import") -> str:
    """The signed-in session's CSRF token, read from a page carrying a form."""
    return csrf_from(client.get(path).get_data(as_text=True))
