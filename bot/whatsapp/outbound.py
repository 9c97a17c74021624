"""Outbound rows: every reply, nudge and notice is stored before it is sent.

A row in ``messages_inbound_outbound`` (direction outbound) is recorded in the
transaction that decided to say it, so the admin pages see exactly what went out and a
reply recorded by a turn that crashed before sending is still delivered later;
:mod:`bot.whatsapp.sender` hands it to Twilio once no transaction is open.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.wording import MAX_MESSAGE
from bot.models import Message, Project, User
from bot.store import ProjectScope
from bot.whatsapp.queue import after_latest, latest_in_threads

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


@dataclass(frozen=True)
class Outgoing:
    """One message to record: to whom, what it says, and whether it waits (``deferred``)."""

    to_number: str
    body: str
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    reply_to_id: uuid.UUID | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None
    status: str = "pending"


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
    outgoing = Outgoing(
        to_number, body, user_id, session_id, reply_to_id, content_sid, content_variables, status
    )
    return record_outbound_many(scope, [outgoing], now=now)[0]


def record_outbound_many(
    scope: ProjectScope, messages: Sequence[Outgoing], *, now: datetime
) -> list[list[Message]]:
    """Store the rows of several messages with one flush; each message's rows, in order.

    Each thread's rows get strictly increasing times after its latest message, as one
    :func:`record_outbound` after another would give them.
    """
    project = scope.session.get(Project, scope.project_id)
    assert project is not None
    keys = [f"{scope.project_id}:{message.to_number}" for message in messages]
    latest = latest_in_threads(scope.session, keys)
    recorded: list[list[Message]] = []
    for key, message in zip(keys, messages, strict=True):
        rows = []
        for part in _parts(message):
            at = after_latest(latest[key], now)
            rows.append(_row(project, key, message, part, at))
            latest[key] = at
        recorded.append(rows)
    scope.session.add_all([row for rows in recorded for row in rows])
    scope.session.flush()
    return recorded


def _parts(message: Outgoing) -> list[str]:
    """A template or a deferred message stays whole; free text is split to WhatsApp's limit."""
    if message.content_sid or message.status == "deferred":
        return [message.body]
    return split_body(message.body)


def _row(project: Project, key: str, message: Outgoing, part: str, at: datetime) -> Message:
    pending = message.status == "pending"
    variables = message.content_variables
    return Message(
        project_id=project.id,
        direction="outbound",
        channel="whatsapp",
        user_id=message.user_id,
        session_id=message.session_id,
        from_number=project.whatsapp_number,
        to_number=message.to_number,
        thread_key=key,
        body=part,
        status=message.status,
        reply_to_id=message.reply_to_id,
        content_sid=message.content_sid,
        media_json=[{"content_variables": variables}] if variables else [],
        # Held by whoever recorded it until the lease runs out (runtime clock); then a
        # sweep of bot.whatsapp.redelivery sends it, so a crash loses nothing.
        lease_until=at + PENDING_LEASE if pending else None,
        locked_by=RECORDER if pending else None,
        created_at=at,
    )


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
