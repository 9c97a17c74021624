"""Helpers for the agent tests (fixtures live in :mod:`tests.agent_fixtures`).

:func:`run_turn` plays the queue's part for one inbound message — stores it, then runs
it through :func:`bot.turn.run.run_turn`, the worker's own path — so the loop's tests can
re-run a message (a retried turn) and seed session state directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.models import ChatSession, Message, Project, User
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn import run as turn_run
from bot.turn.context import Reply
from bot.turn.state import SessionState
from bot.whatsapp.queue import thread_time


@dataclass
class Turn:
    reply: Reply
    message_id: Any
    session_id: Any
    state: SessionState


def run_turn(
    runtime: Runtime,
    project: Project,
    user: User,
    text: str,
    *,
    state: dict[str, Any] | None = None,
    message_id: Any = None,
) -> Turn:
    """Handle ``text`` from ``user`` as the worker would, then settle the message.

    ``message_id`` re-runs an existing inbound message (a retried turn).
    """
    now = runtime.clock.now()
    with runtime.db.session() as session:
        scope = ProjectScope(session, project.id, actor=f"user:{user.id}")
        chat = _chat(scope, user, now)
        if state is not None:
            chat.state_json = SessionState.model_validate(state).dump()
        message = session.get(Message, message_id) if message_id else None
        if message is None:
            message = _inbound(scope, project, user, chat, text, now)
    reply = turn_run.run_turn(runtime, message.id)
    assert reply is not None
    with runtime.db.session() as session:
        stored = session.get(Message, message.id)
        stored.status = "failed" if reply.meta.get("failed") else "done"
        chat = session.get(ChatSession, stored.session_id)
        result = Turn(reply, message.id, chat.id, SessionState.load(chat.state_json))
    runtime.clock.advance(minutes=1)
    return result


def _chat(scope: ProjectScope, user: User, now: Any) -> ChatSession:
    """The operator's open session on their WhatsApp thread (the one the worker finds)."""
    thread = whatsapp_address(user.phone)
    found = scope.first(
        ChatSession,
        ChatSession.user_id == user.id,
        ChatSession.whatsapp_thread_id == thread,
        ChatSession.closed_at.is_(None),
    )
    return found or scope.insert(
        ChatSession(
            user_id=user.id, whatsapp_thread_id=thread, started_at=now, last_activity_at=now
        )
    )


def _inbound(
    scope: ProjectScope, project: Project, user: User, chat: Any, text: str, now: Any
) -> Message:
    key = f"{project.id}:{user.phone}"  # the thread key the webhook gives it
    return scope.insert(
        Message(
            user_id=user.id,
            session_id=chat.id,
            direction="inbound",
            from_number=user.phone,
            to_number=project.whatsapp_number,
            body=text,
            status="processing",
            thread_key=key,
            created_at=thread_time(scope.session, key, now),
        )
    )


def rows(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    """All rows of ``model`` (any project) matching ``where``, in insertion-ish order."""
    with runtime.db.session() as session:
        stmt = select(model).where(*where)
        if hasattr(model, "created_at"):
            stmt = stmt.order_by(model.created_at)
        return list(session.scalars(stmt))
