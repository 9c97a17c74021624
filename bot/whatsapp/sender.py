"""Sending WhatsApp messages: store the outbound row, then hand it to Twilio.

Every reply, nudge and notice becomes a row in ``messages_inbound_outbound`` (direction
outbound) before it is sent, so the admin pages see exactly what went out and a reply
recorded by a turn that crashed before sending is still delivered later. Without
Twilio credentials rows are stored with status ``simulated`` and shown by the
simulator and ``calltime chat``.

Twilio is asked once per attempt. A 429, a 5xx or a network error leaves the row
``pending`` with the next attempt time in ``lease_until`` (:data:`RETRY_BACKOFF`,
minutes apart); :mod:`bot.whatsapp.redelivery` sends it again when that time comes.
A 4xx refusal (21211 bad number, 63016 outside the 24-hour window …) is final.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioRestException

from bot.engine.wording import MAX_MESSAGE
from bot.models import Message, Project, User
from bot.models.types import utcnow
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.whatsapp.queue import thread_time
from bot.whatsapp.twilio_rest import twilio_client

log = logging.getLogger(__name__)

#: WhatsApp's (and Twilio's) limit on one message body.
MAX_BODY = MAX_MESSAGE
#: Wait before the 1st, 2nd, … retry of a row Twilio could not take (429, 5xx, network);
#: the last step repeats until the row is delivered, refused or too late.
RETRY_BACKOFF = tuple(timedelta(minutes=m) for m in (1, 2, 4, 8, 15))
#: How long a ``pending`` row may wait before another worker delivers it instead.
PENDING_LEASE = timedelta(minutes=2)
#: ``locked_by`` of a row just recorded: the process that recorded it sends it.
RECORDER = "recorder"
#: WhatsApp accepts free text only this long after the user's last message.
WINDOW = timedelta(hours=24)

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


@dataclass(frozen=True)
class SendResult:
    """What Twilio answered for one row.

    ``status`` is ours (``sent``, ``delivered`` …), ``simulated`` without credentials,
    ``failed`` for a final refusal, or ``retry`` when Twilio could not take it now.
    """

    status: str
    sid: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def accepted(self) -> bool:
        """Twilio has the message (or it was simulated): it must never be sent again."""
        return self.status not in ("failed", "retry")


def twilio_send(runtime: Runtime, row: Message) -> SendResult:
    """Hand one row to Twilio, once; touches no database, so callers hold no lock meanwhile."""
    client = twilio_client(runtime)
    if client is None:
        return SendResult(status="simulated")
    try:
        created = client.messages.create(**_create_kwargs(runtime, row))
    except TwilioRestException as exc:
        retriable = exc.status == 429 or exc.status >= 500
        log.warning("twilio answered %s for message %s", exc.status, row.id)
        return SendResult(
            status="retry" if retriable else "failed",
            error_code=str(exc.code or exc.status),
            error_message=str(exc.msg)[:500],
        )
    except requests.RequestException as exc:
        # The request may or may not have reached Twilio; retrying risks a duplicate,
        # giving up loses the reply. Calltime retries (see docs/pipeline.md).
        log.warning("twilio unreachable for message %s: %s", row.id, exc)
        return SendResult(status="retry", error_code="network", error_message=str(exc)[:500])
    return SendResult(status=_our_status(created.status), sid=created.sid)


def retry_delay(attempts: int) -> timedelta:
    """How long a row that failed ``attempts`` times waits before the next try."""
    return RETRY_BACKOFF[min(max(attempts, 1), len(RETRY_BACKOFF)) - 1]


def in_window(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether free text may be sent at ``now`` to someone who last wrote at ``last_inbound``."""
    return last_inbound is not None and now - last_inbound < WINDOW


def apply_result(scope: ProjectScope, row: Message, result: SendResult, now: datetime) -> None:
    """Record Twilio's answer on the row (``now`` is the runtime clock's, for the retry time).

    Emits ``whatsapp.message.sent``, ``.failed`` or ``.retrying``.
    """
    row.locked_by = None
    row.attempts += 1
    if result.status == "retry":
        row.status = "pending"
        row.lease_until = now + retry_delay(row.attempts)
        row.error_code, row.error_message = result.error_code, result.error_message
        scope.emit(
            "whatsapp.message.retrying",
            user_id=row.user_id,
            message_id=row.id,
            error_code=row.error_code,
            attempts=row.attempts,
            next_attempt_at=row.lease_until,
        )
    elif result.status == "failed":
        # A final refusal (e.g. 63016, outside the 24-hour window): keep it visible.
        row.status = "failed"
        row.lease_until = None
        row.error_code = result.error_code
        row.error_message = result.error_message
        log.error("twilio refused message %s: %s %s", row.id, row.error_code, row.error_message)
        scope.emit(
            "whatsapp.message.failed",
            user_id=row.user_id,
            message_id=row.id,
            error_code=row.error_code,
            error=row.error_message,
        )
    else:
        row.status = result.status
        row.lease_until = None
        row.twilio_sid = result.sid
        row.sent_at = utcnow()
        row.error_code = row.error_message = None
        scope.emit(
            "whatsapp.message.sent",
            user_id=row.user_id,
            message_id=row.id,
            sid=result.sid,
            status=result.status,
        )
    scope.session.flush()


def transmit(runtime: Runtime, scope: ProjectScope, row: Message) -> None:
    """Send one ``pending`` row through Twilio and record the SID, status or error."""
    apply_result(scope, row, twilio_send(runtime, row), runtime.clock.now())


def _create_kwargs(runtime: Runtime, row: Message) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "to": whatsapp_address(row.to_number),
        "from_": whatsapp_address(row.from_number),
    }
    if row.content_sid:
        kwargs["content_sid"] = row.content_sid
        variables = next((m["content_variables"] for m in row.media_json if m), None)
        if variables:
            kwargs["content_variables"] = json.dumps(variables)
    else:
        kwargs["body"] = row.body
    if runtime.settings.public_base_url:
        kwargs["status_callback"] = (
            runtime.settings.public_base_url.rstrip("/") + "/whatsapp/status"
        )
    return kwargs


def _our_status(twilio_status: str | None) -> str:
    """Map Twilio's message status onto ours (``queued``/``accepted`` count as sent)."""
    return {
        "delivered": "delivered",
        "read": "read",
        "undelivered": "undelivered",
        "failed": "failed",
    }.get(twilio_status or "", "sent")


def send_text(
    runtime: Runtime,
    scope: ProjectScope,
    user: User,
    body: str,
    *,
    session_id: uuid.UUID | None = None,
    reply_to_id: uuid.UUID | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, str] | None = None,
    status_if_deferred: bool = False,
) -> list[Message]:
    """Store and send ``body`` to an operator; returns the outbound rows.

    With ``status_if_deferred`` one row is stored as ``deferred`` and nothing is sent: the
    worker sends it after the reply to the operator's next message. Sending happens
    inside the caller's transaction, so this is for the CLI and tests, not the pipeline.
    """
    if not user.phone:
        raise ValueError(f"user {user.id} has no phone number to send to")
    if user.project_id != scope.project_id:
        raise PermissionError("user belongs to another project")
    rows = record_outbound(
        scope,
        user.phone,
        body,
        now=runtime.clock.now(),
        user_id=user.id,
        session_id=session_id,
        reply_to_id=reply_to_id,
        content_sid=content_sid,
        content_variables=content_variables,
        status="deferred" if status_if_deferred else "pending",
    )
    if not status_if_deferred:
        for row in rows:
            transmit(runtime, scope, row)
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
