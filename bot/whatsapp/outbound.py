"""Outbound rows: every reply, nudge and notice is stored before it is sent.

A row in ``messages_inbound_outbound`` (direction outbound) is recorded in the
transaction that decided to say it, so the admin pages see exactly what went out and a
reply recorded by a turn that crashed before sending is still delivered later;
:mod:`bot.whatsapp.sender` hands it to Twilio once no transaction is open.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from bot.engine.wording import MAX_MESSAGE
from bot.models import Message, Project, User
from bot.store import ProjectScope
from bot.whatsapp.queue import thread_time

#: WhatsApp's (and Twilio's) limit on one message body.
MAX_BODY = MAX_MESSAGE
#: How long a ``pending`` row may wait before another worker delivers it instead.
PENDING_LEASE = timedelta(minutes=2)
#: ``locked_by`` of a row just recorded: the process that recorded it sends it.
RECORDER = "recorder"

_SENTENCE_END = re.compile(r"(?<=[.!?।])\s+")


def split_body(body: str, limit: int = MAX_BODY) -> list[str]:
    """Split ``body`` into parts of at most ``limit`` characters.

    Breaks at line ends first, then at sentence ends, and only splits inside a
    sentence (at a space if there is one) when a single sentence is too long.
    """
    if len(body) <= limit:
        return [body]
    parts: list[str] = []
    current = ""
    for piece in _pieces(body, limit):
        if current and len(current) + len(piece) > limit:
            parts.append(current.rstrip())
            current = ""
        current += piece
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _pieces(body: str, limit: int) -> list[str]:
    """Lines (with their newline), sentences of long lines, words of long sentences."""
    pieces: list[str] = []
    for line in body.splitlines(keepends=True):
        if len(line) <= limit:
            pieces.append(line)
            continue
        for sentence in _SENTENCE_END.split(line):
            sentence += " "
            while len(sentence) > limit:
                cut = sentence.rfind(" ", 0, limit)
                cut = cut if cut > 0 else limit
                pieces.append(sentence[:cut] + " ")
                sentence = sentence[cut:].lstrip()
            pieces.append(sentence)
    return pieces


def record_outbound(
    scope: ProjectScope,
    to_number: str,
    body: str,
    *,
    now: datetime,
    user_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    reply_to_id: uuid.UUID | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, str] | None = None,
    status: str = "pending",
) -> list[Message]:
    """Store outbound rows (one per part of ``body``) without sending them."""
    project = scope.session.get(Project, scope.project_id)
    assert project is not None
    parts = [body] if content_sid or status == "deferred" else split_body(body)
    key = f"{scope.project_id}:{to_number}"
    rows = []
    for part in parts:
        now = thread_time(scope.session, key, now)
        row = Message(
            project_id=scope.project_id,
            direction="outbound",
            channel="whatsapp",
            user_id=user_id,
            session_id=session_id,
            from_number=project.whatsapp_number,
            to_number=to_number,
            thread_key=key,
            body=part,
            status=status,
            reply_to_id=reply_to_id,
            content_sid=content_sid,
            media_json=[{"content_variables": content_variables}] if content_variables else [],
            # Held by whoever recorded it until the lease runs out (runtime clock); then a
            # sweep of bot.whatsapp.redelivery sends it, so a crash loses nothing.
            lease_until=now + PENDING_LEASE if status == "pending" else None,
            locked_by=RECORDER if status == "pending" else None,
            created_at=now,
        )
        scope.session.add(row)
        rows.append(row)
    scope.session.flush()
    return rows


def deferred_rows(scope: ProjectScope, user: User) -> list[Message]:
    """``user``'s outbound rows waiting for their next message, oldest first."""
    return list(
        scope.session.scalars(
            scope.select(
                Message,
                Message.user_id == user.id,
                Message.direction == "outbound",
                Message.status == "deferred",
            ).order_by(Message.created_at, Message.id)
        )
    )


def pending_replies(scope: ProjectScope, inbound_id: uuid.UUID) -> list[Message]:
    """The outbound rows recorded as the reply to ``inbound_id``, in order."""
    stmt = scope.select(Message, Message.reply_to_id == inbound_id, Message.direction == "outbound")
    return list(scope.session.scalars(stmt.order_by(Message.created_at, Message.id)))
