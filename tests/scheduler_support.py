"""Builders for the scheduler tests: operators, due follow-ups in bulk, inbound history."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.app import create_app
from bot.clock import FrozenClock
from bot.db import Database
from bot.models import ChatSession, Contact, Followup, Message, Project, User
from bot.models.types import new_id
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.state import SessionState
from bot.whatsapp.intake import inject_inbound
from bot.whatsapp.worker import Worker
from tests.factories import make_contact, make_user
from tests.twilio_double import TwilioDouble


def add_followup(
    db: Database,
    project: Project,
    contact: Contact,
    operator: User | None,
    due_at: datetime,
    *,
    reason: str = "no_response",
    suggested_message: str | None = None,
    assigned: bool = True,
    **fields: Any,
) -> Followup:
    """One follow-up, assigned to ``operator`` (or only created by them)."""
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        owner = operator.id if operator else None
        return scope.insert(
            Followup(
                contact_id=contact.id,
                due_at=due_at,
                reason=reason,
                suggested_message=suggested_message,
                assigned_to_user_id=owner if assigned else None,
                created_by_user_id=owner,
                status=fields.pop("status", "scheduled"),
                **fields,
            )
        )


def bulk_followups(
    db: Database,
    project: Project,
    operators: list[User],
    count: int,
    due_at: datetime,
) -> list[uuid.UUID]:
    """``count`` scheduled follow-ups on fresh contacts, spread over ``operators``."""
    contacts = [
        {
            "id": new_id(),
            "project_id": project.id,
            "display_name": f"Donor {n:05d}",
            "created_at": due_at,
            "updated_at": due_at,
        }
        for n in range(count)
    ]
    followups = [
        {
            "id": new_id(),
            "project_id": project.id,
            "contact_id": c["id"],
            "due_at": due_at,
            "status": "scheduled",
            "reason": "no_response",
            "suggested_message": f"Hello {c['display_name']}, following up on our call.",
            "assigned_to_user_id": operators[n % len(operators)].id,
            "created_at": due_at,
        }
        for n, c in enumerate(contacts)
    ]
    with db.session() as session:
        session.execute(insert(Contact), contacts)
        session.execute(insert(Followup), followups)
    return [f["id"] for f in followups]


def operators(db: Database, project: Project, count: int, **fields: Any) -> list[User]:
    """``count`` operators (role USER), with optional column overrides."""
    made = [make_user(db, project, name=f"Operator {n} Rao") for n in range(count)]
    if fields:
        with db.session() as session:
            for user in made:
                row = session.get(User, user.id)
                for key, value in fields.items():
                    setattr(row, key, value)
                    setattr(user, key, value)
    return made


def wrote_at(db: Database, project: Project, user: User, at: datetime) -> None:
    """Record that ``user`` last wrote to the bot at ``at`` (opens the 24-hour window)."""
    with db.session() as session:
        session.add(
            Message(
                project_id=project.id,
                user_id=user.id,
                direction="inbound",
                channel="whatsapp",
                twilio_sid=f"SM{uuid.uuid4().hex}",
                from_number=f"whatsapp:{user.phone}",
                to_number=f"whatsapp:{project.whatsapp_number}",
                body="hi",
                status="done",
                created_at=at,
                updated_at=at,
            )
        )


def contact(db: Database, project: Project, name: str, **fields: Any) -> Contact:
    return make_contact(db, project, name=name, **fields)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def wired_runtime_for(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble, **overrides: Any
) -> Runtime:
    """A runtime on ``db_url`` whose Twilio client talks to the recording double."""
    app = create_app(
        {
            "database_url": db_url,
            "instance_path": tmp_path / "instance",
            "secret_key": "test",
            "twilio_whatsapp_number": None,
            "public_base_url": "https://calltime.example.org",
            **twilio.settings(),
            **overrides,
        },
        clock=clock,
    )
    return app.extensions["calltime"]


def operator_says(runtime: Runtime, project: Project, user: User, body: str) -> None:
    """The operator writes ``body`` on WhatsApp; the worker handles it through the pipeline."""
    inject_inbound(runtime, to_number=project.whatsapp_number, from_number=user.phone, body=body)
    Worker(runtime).run_once()


def followup_row(db: Database, followup_id: uuid.UUID) -> Followup:
    with db.session() as session:
        row = session.get(Followup, followup_id)
        assert row is not None
        return row


def session_state(db: Database, user: User) -> SessionState:
    """The state of the operator's open session."""
    with db.session() as session:
        chat = session.scalar(
            select(ChatSession)
            .where(ChatSession.user_id == user.id, ChatSession.closed_at.is_(None))
            .order_by(ChatSession.last_activity_at.desc())
        )
        assert chat is not None
        return SessionState.load(chat.state_json)
