"""Driving the rules planner in tests without the webhook: one turn per message.

:class:`Operator` plays one operator: ``say(text)`` stores an inbound ``Message``
(status processing), opens the ``ChatSession`` on first use and runs the turn through
:func:`bot.turn.run.run_turn` — the worker's own path, which builds the
``TurnContext`` (scope with ``user:<id>`` and ``turn_id`` = the message id), calls
:func:`bot.turn.router.route`, saves the session state and records the reply.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.db import Database
from bot.models import ChatSession, Message, Project, User
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply
from bot.turn.run import run_turn
from bot.turn.state import SessionState
from bot.whatsapp.queue import thread_time

#: The tables a command may write, for "rows written" assertions.
WRITE_TABLES = (
    "interactions",
    "pledges",
    "payments",
    "followups",
    "contacts",
    "audit_log",
    "events",
)


@dataclass
class Operator:
    """One operator chatting with the bot, turn by turn."""

    runtime: Runtime
    project: Project
    user: User
    chat_id: uuid.UUID | None = None
    replies: list[Reply] = field(default_factory=list)
    last_message_id: uuid.UUID | None = None

    @property
    def clock(self) -> FrozenClock:
        return self.runtime.clock

    def say(self, text: str) -> Reply:
        """Send ``text`` as this operator and return the bot's reply."""
        now = self.clock.now()
        with self.runtime.db.session() as session:
            scope = ProjectScope(session, self.project.id, actor="system")
            chat = self._chat(scope, now)
            key = f"{self.project.id}:{self.user.phone}"  # the thread key the webhook gives it
            message = scope.insert(
                Message(
                    user_id=self.user.id,
                    session_id=chat.id,
                    direction="inbound",
                    from_number=self.user.phone,
                    to_number=self.project.whatsapp_number,
                    body=text,
                    status="processing",
                    thread_key=key,
                    created_at=thread_time(session, key, now),
                    updated_at=now,
                )
            )
        reply = run_turn(self.runtime, message.id)
        assert reply is not None
        with self.runtime.db.session() as session:
            stored = session.get(Message, message.id)
            stored.status = "done"
            self.chat_id = stored.session_id
        self.last_message_id = message.id
        self.replies.append(reply)
        return reply

    def _chat(self, scope: ProjectScope, now: datetime) -> ChatSession:
        if self.chat_id is not None:
            return scope.require(ChatSession, self.chat_id)
        chat = scope.insert(
            ChatSession(
                user_id=self.user.id,
                whatsapp_thread_id=whatsapp_address(self.user.phone),
                state_json={},
                started_at=now,
                last_activity_at=now,
            )
        )
        self.chat_id = chat.id
        return chat

    def set_state(self, **fields: Any) -> None:
        """Change the stored session state (e.g. the current contact) between turns."""
        now = self.clock.now()
        with self.runtime.db.session() as session:
            chat = self._chat(ProjectScope(session, self.project.id), now)
            state = SessionState.load(chat.state_json).model_copy(update=fields)
            chat.state_json = state.dump()

    def state(self) -> SessionState:
        with self.runtime.db.session() as session:
            chat = session.get(ChatSession, self.chat_id)
            return SessionState.load(chat.state_json if chat else None)


def row_counts(db: Database, project_id: uuid.UUID) -> dict[str, int]:
    """Rows per business table of one project (to prove a turn wrote nothing).

    ``audit_log`` counts only operators' writes (``changed_by = user:…``), not the
    harness's own message and session rows.
    """
    from bot.models import AuditLog, Contact, Event, Followup, Interaction, Payment, Pledge

    models: dict[str, Any] = {
        "interactions": Interaction,
        "pledges": Pledge,
        "payments": Payment,
        "followups": Followup,
        "contacts": Contact,
        "audit_log": AuditLog,
        "events": Event,
    }
    with db.session() as session:
        return {
            name: int(
                session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(
                        model.project_id == project_id,
                        AuditLog.changed_by.like("user:%") if model is AuditLog else True,
                    )
                )
                or 0
            )
            for name, model in models.items()
        }
