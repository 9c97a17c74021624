"""Operators' WhatsApp sessions: found or opened per thread, closed when idle.

A session is one stretch of conversation; ``state_json`` holds the planner's
:class:`~bot.turn.state.SessionState`. A thread (one operator writing to one project
number) has at most one open session; after ``CALLTIME_SESSION_IDLE_HOURS`` without a
message it is closed and the next message opens a fresh one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.models import ChatSession, Message, TeamMember, User
from bot.runtime import Runtime
from bot.store import ProjectScope

DEFAULT_IDLE_HOURS = 12.0


def get_or_open_session(
    scope: ProjectScope,
    user: User,
    thread_id: str,
    now: datetime,
    *,
    idle_hours: float = DEFAULT_IDLE_HOURS,
) -> ChatSession:
    """The open session of ``user`` on ``thread_id``, or a new one.

    An open session idle for longer than ``idle_hours`` is closed first (the idle
    sweep may not have run yet), so a new day's call time starts with fresh state.
    """
    chat = scope.first(
        ChatSession,
        ChatSession.user_id == user.id,
        ChatSession.whatsapp_thread_id == thread_id,
        ChatSession.closed_at.is_(None),
        order_by=ChatSession.last_activity_at.desc(),
    )
    if chat is not None and now - chat.last_activity_at <= timedelta(hours=idle_hours):
        return chat
    if chat is not None:
        _close(scope, chat, now, reason="idle")
    member = scope.first(TeamMember, TeamMember.user_id == user.id)
    chat = scope.insert(
        ChatSession(
            user_id=user.id,
            team_id=member.team_id if member else None,
            channel="whatsapp",
            whatsapp_thread_id=thread_id,
            state_json={},
            started_at=now,
            last_activity_at=now,
        )
    )
    scope.emit("session.started", user_id=user.id, session_id=chat.id, thread_id=thread_id)
    return chat


def _close(scope: ProjectScope, chat: ChatSession, now: datetime, *, reason: str) -> None:
    chat.closed_at = now
    scope.session.flush()
    scope.emit("session.closed", user_id=chat.user_id, session_id=chat.id, reason=reason)


def close_idle_sessions(runtime: Runtime, now: datetime) -> int:
    """Close every open session idle for longer than the configured timeout; returns the count."""
    cutoff = now - timedelta(hours=runtime.settings.session_idle_hours)
    closed = 0
    with runtime.db.session() as session:
        stale = session.scalars(
            select(ChatSession).where(
                ChatSession.closed_at.is_(None), ChatSession.last_activity_at < cutoff
            )
        )
        for chat in list(stale):
            _close(
                ProjectScope(session, chat.project_id, actor="system:idle"),
                chat,
                now,
                reason="idle",
            )
            closed += 1
    return closed


def last_inbound_at(scope: ProjectScope, user: User) -> datetime | None:
    """When ``user`` last wrote to the bot (WhatsApp's 24-hour window starts there)."""
    stmt = select(func.max(Message.created_at)).where(
        Message.project_id == scope.project_id,
        Message.user_id == user.id,
        Message.direction == "inbound",
    )
    value = scope.session.scalar(stmt)
    return value
