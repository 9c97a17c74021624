"""Storing inbound messages: the one entrance to the queue.

The webhook, the simulator and ``calltime chat`` all call :func:`store_inbound`: the
message is written to ``messages_inbound_outbound`` with status ``queued`` (or found
again, when Twilio retries the same MessageSid) and the worker takes it from there.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.models import Message, Project, User
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.whatsapp.inbound import InboundMessage, parse_inbound_form
from bot.whatsapp.queue import thread_time

log = logging.getLogger(__name__)


class UnknownProjectNumber(LookupError):
    """No project is reached on the message's ``To`` number."""


@dataclass
class Stored:
    """The queued row, and whether it was already there (a retried webhook)."""

    message: Message
    duplicate: bool


def thread_key(project_id: uuid.UUID, from_number: str) -> str:
    """The queue's ordering unit: one sender writing to one project number."""
    return f"{project_id}:{from_number}"


#: Who may queue a message: Twilio's signed webhook, the demo simulator, or a local
#: caller with database access (``calltime chat``, tests). Stored as ``Message.origin``.
ORIGINS = ("whatsapp", "simulator", "local")


def store_inbound(runtime: Runtime, inbound: InboundMessage, origin: str = "whatsapp") -> Stored:
    """Queue ``inbound`` once; the same MessageSid again returns the first row.

    ``origin`` is kept on the row so the turn knows whether the text really came from
    the operator's phone (see :data:`bot.turn.router.PHONE_ONLY_COMMANDS`).
    """
    if origin not in ORIGINS:
        raise ValueError(f"unknown message origin {origin!r}")
    try:
        return _store(runtime, inbound, origin)
    except IntegrityError:
        # Another request stored the same MessageSid between our check and our insert.
        existing = _find_sid(runtime, inbound.message_sid)
        if existing is None:
            raise
        return Stored(existing, duplicate=True)


def _find_sid(runtime: Runtime, sid: str) -> Message | None:
    with runtime.db.session() as session:
        return session.scalar(select(Message).where(Message.twilio_sid == sid))


def _store(runtime: Runtime, inbound: InboundMessage, origin: str) -> Stored:
    # Urgent: Twilio is waiting for this commit; the workers' transactions can wait.
    with runtime.db.session(urgent=True) as session:
        existing = session.scalar(select(Message).where(Message.twilio_sid == inbound.message_sid))
        if existing is not None:
            return Stored(existing, duplicate=True)
        project = session.scalar(
            select(Project).where(Project.whatsapp_number == inbound.to_number)
        )
        if project is None:
            raise UnknownProjectNumber(f"no project is reached on {inbound.to_number}")
        scope = ProjectScope(session, project.id, actor="system:webhook")
        user = scope.first(User, User.phone == inbound.from_number)
        key = thread_key(project.id, inbound.from_number)
        row = Message(
            project_id=project.id,
            user_id=user.id if user else None,
            direction="inbound",
            channel="whatsapp",
            origin=origin,
            twilio_sid=inbound.message_sid,
            thread_key=key,
            from_number=inbound.from_number,
            to_number=inbound.to_number,
            body=inbound.text,
            num_media=len(inbound.media),
            media_json=[item.model_dump() for item in inbound.media],
            profile_name=inbound.profile_name,
            status="queued",
            attempts=0,
            created_at=thread_time(session, key, runtime.clock.now()),
        )
        session.add(row)
        session.flush()
        scope.emit(
            "whatsapp.message.received",
            user_id=row.user_id,
            message_id=row.id,
            num_media=row.num_media,
        )
        return Stored(row, duplicate=False)


def inject_inbound(
    runtime: Runtime,
    *,
    to_number: str,
    from_number: str,
    body: str,
    message_sid: str | None = None,
    origin: str = "local",
) -> Message:
    """Queue a message exactly as the webhook would (simulator, ``calltime chat``, tests).

    ``origin`` is ``local`` unless the caller says otherwise; the simulator passes
    ``simulator``, which refuses commands that must come from the operator's own phone.

    Raises:
        MalformedInbound: the numbers or body would be refused by the webhook too.
        UnknownProjectNumber: no project uses ``to_number``.
    """
    form = {
        "MessageSid": message_sid or "SM" + uuid.uuid4().hex,
        "From": from_number if from_number.startswith("whatsapp:") else f"whatsapp:{from_number}",
        "To": to_number if to_number.startswith("whatsapp:") else f"whatsapp:{to_number}",
        "Body": body,
        "NumMedia": "0",
    }
    return store_inbound(runtime, parse_inbound_form(form), origin).message
