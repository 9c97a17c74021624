"""Operators' WhatsApp sessions: found or opened per thread, closed when idle.

A session is one stretch of conversation; ``state_json`` holds the planner's
:class:`~bot.turn.state.SessionState`. A thread (one operator writing to one project
number) has at most one open session; after ``CALLTIME_SESSION_IDLE_HOURS`` without a
message it is closed and the next message opens a fresh one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select

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
    found = get_or_open_sessions(scope, [(user, thread_id)], now, idle_hours=idle_hours)
    return found[user.id]


def get_or_open_sessions(
    scope: ProjectScope,
    threads: Sequence[tuple[User, str]],
    now: datetime,
    *,
    idle_hours: float = DEFAULT_IDLE_HOURS,
) -> dict[uuid.UUID, ChatSession]:
    """:func:`get_or_open_session` for several operators (one thread each), by user id.

    A batch job (the nudge run) opens hundreds of sessions: the open sessions are read
    with one statement and the new ones written with one flush.
    """
    open_now = _open_sessions(scope, threads)
    chats: dict[uuid.UUID, ChatSession] = {}
    to_open: list[tuple[User, str]] = []
    for user, thread_id in threads:
        chat = open_now.get((user.id, thread_id))
        if chat is not None and now - chat.last_activity_at <= timedelta(hours=idle_hours):
            chats[user.id] = chat
            continue
        if chat is not None:
            _close(scope, chat, now, reason="idle")
        to_open.append((user, thread_id))
    if to_open:
        chats.update(_open(scope, to_open, now))
    return chats


def _open_sessions(
    scope: ProjectScope, threads: Sequence[tuple[User, str]]
) -> dict[tuple[uuid.UUID, str | None], ChatSession]:
    """The latest open session of each (user, thread), keyed by both."""
    rows = scope.all(
        ChatSession,
        ChatSession.user_id.in_({user.id for user, _ in threads}),
        ChatSession.whatsapp_thread_id.in_({thread_id for _, thread_id in threads}),
        ChatSession.closed_at.is_(None),
        order_by=ChatSession.last_activity_at.desc(),
    )
    latest: dict[tuple[uuid.UUID, str | None], ChatSession] = {}
    for chat in rows:
        latest.setdefault((chat.user_id, chat.whatsapp_thread_id), chat)
    return latest


def _open(
    scope: ProjectScope, threads: Sequence[tuple[User, str]], now: datetime
) -> dict[uuid.UUID, ChatSession]:
    """New sessions for ``threads``, each with its operator's team; audited, with events."""
    members = scope.all(TeamMember, TeamMember.user_id.in_({user.id for user, _ in threads}))
    teams: dict[uuid.UUID, uuid.UUID] = {}
    for member in members:
        teams.setdefault(member.user_id, member.team_id)
    chats = [
        ChatSession(
            user_id=user.id,
            team_id=teams.get(user.id),
            channel="whatsapp",
            whatsapp_thread_id=thread_id,
            state_json={},
            started_at=now,
            last_activity_at=now,
        )
        for user, thread_id in threads
    ]
    scope.insert_all(chats)
    for chat in chats:
        scope.emit(
            "session.started",
            user_id=chat.user_id,
            session_id=chat.id,
            thread_id=chat.whatsapp_thread_id,
        )
    return {chat.user_id: chat for chat in chats}


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
    return scope.session.scalar(_last_inbound(scope, user.id))


def last_inbound_by_user(
    scope: ProjectScope, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, datetime | None]:
    """:func:`last_inbound_at` for several operators, in one statement.

    One scalar subquery per operator rather than a ``GROUP BY``: each is the same
    index lookup of the operator's latest message, however long their history.
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    latest = [_last_inbound(scope, user_id).scalar_subquery() for user_id in ids]
    return dict(zip(ids, scope.session.execute(select(*latest)).one(), strict=True))


def _last_inbound(scope: ProjectScope, user_id: uuid.UUID) -> Select[datetime]:
    return select(func.max(Message.created_at)).where(
        Message.project_id == scope.project_id,
        Message.user_id == user_id,
        Message.direction == "inbound",
    )
