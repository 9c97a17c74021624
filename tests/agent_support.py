"""Helpers for the agent tests (fixtures live in :mod:`tests.agent_fixtures`).

:func:`run_turn` plays the worker's part for one inbound message without the queue:
session, message row, ``route``, state and the outbound reply, so the loop's tests
can re-run a message (a retried turn) and seed session state directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.models import ChatSession, Message, Project, User
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext
from bot.turn.router import route
from bot.turn.state import SessionState


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
    """Handle ``text`` from ``user`` as the worker would, in one unit of work.

    ``message_id`` re-runs an existing inbound message (a retried turn).
    """
    now = runtime.clock.now()
    with runtime.db.session() as session:
        scope = ProjectScope(session, project.id, actor=f"user:{user.id}")
        chat = scope.first(ChatSession, ChatSession.user_id == user.id) or scope.insert(
            ChatSession(user_id=user.id, started_at=now, last_activity_at=now)
        )
        if state is not None:
            chat.state_json = SessionState.model_validate(state).dump()
        message = session.get(Message, message_id) if message_id else None
        if message is None:
            message = _inbound(scope, project, user, chat, text, now)
        turn_scope = ProjectScope(session, project.id, actor=f"user:{user.id}", turn_id=message.id)
        ctx = TurnContext(
            runtime=runtime,
            scope=turn_scope,
            project=project,
            user=user,
            chat=chat,
            state=SessionState.load(chat.state_json),
            message=message,
            text=text,
            now=now,
        )
        reply = route(ctx)
        if reply.prompt_type:
            ctx.state.last_prompt_type = reply.prompt_type
        chat.state_json = ctx.state.dump()
        message.status = "failed" if reply.meta.get("failed") else "done"
        _outbound(scope, project, user, chat, reply.text, now)
        result = Turn(reply, message.id, chat.id, ctx.state)
    runtime.clock.advance(minutes=1)
    return result


def _inbound(
    scope: ProjectScope, project: Project, user: User, chat: Any, text: str, now: Any
) -> Message:
    return scope.insert(
        Message(
            user_id=user.id,
            session_id=chat.id,
            direction="inbound",
            from_number=f"whatsapp:{user.phone}",
            to_number=f"whatsapp:{project.whatsapp_number}",
            body=text,
            status="processing",
            created_at=now,
        )
    )


def _outbound(
    scope: ProjectScope, project: Project, user: User, chat: Any, text: str, now: Any
) -> None:
    scope.insert(
        Message(
            user_id=user.id,
            session_id=chat.id,
            direction="outbound",
            from_number=f"whatsapp:{project.whatsapp_number}",
            to_number=f"whatsapp:{user.phone}",
            body=text,
            status="simulated",
            created_at=now + timedelta(seconds=1),
        )
    )


def rows(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    """All rows of ``model`` (any project) matching ``where``, in insertion-ish order."""
    with runtime.db.session() as session:
        stmt = select(model).where(*where)
        if hasattr(model, "created_at"):
            stmt = stmt.order_by(model.created_at)
        return list(session.scalars(stmt))
