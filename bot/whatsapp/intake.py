"""The one entrance to the queue: Twilio's form validated, then stored as ``queued``.

Twilio posts ``application/x-www-form-urlencoded`` fields (MessageSid, From, To, Body,
NumMedia, MediaUrl0…). :func:`parse_inbound_form` turns them into
:class:`InboundMessage` or raises :class:`MalformedInbound` with a message a developer
reading Twilio's debugger can act on. The webhook, the simulator and ``calltime chat``
all call :func:`store_inbound`: the message is written to ``messages_inbound_outbound``
with status ``queued`` (or found again, when Twilio retries the same MessageSid) and the
worker takes it from there.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError

from bot.models import Event, Message, Project, User
from bot.models.base import table_of
from bot.models.types import new_id, strip_nul
from bot.runtime import Runtime
from bot.store import event_values
from bot.whatsapp.doorbell import announce, bell_of
from bot.whatsapp.queue import thread_time

log = logging.getLogger(__name__)

#: WhatsApp's own limit on a message body.
MAX_INBOUND_BODY = 4096
MAX_MEDIA = 10
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SID = re.compile(r"^[A-Z]{2}[0-9a-zA-Z]{10,64}$")


class MalformedInbound(ValueError):
    """The webhook's form cannot be a Twilio message; nothing is stored."""


class MediaItem(BaseModel):
    url: str
    content_type: str | None = None


class InboundMessage(BaseModel):
    """One WhatsApp message as Twilio reports it; numbers are E.164 without ``whatsapp:``."""

    message_sid: str = Field(alias="MessageSid")
    account_sid: str | None = Field(default=None, alias="AccountSid")
    from_number: str = Field(alias="From")
    to_number: str = Field(alias="To")
    body: str = Field(default="", alias="Body", max_length=MAX_INBOUND_BODY)
    num_media: int = Field(default=0, alias="NumMedia", ge=0, le=MAX_MEDIA)
    profile_name: str | None = Field(default=None, alias="ProfileName", max_length=256)
    wa_id: str | None = Field(default=None, alias="WaId")
    button_text: str | None = Field(default=None, alias="ButtonText", max_length=256)
    button_payload: str | None = Field(default=None, alias="ButtonPayload", max_length=256)
    media: list[MediaItem] = Field(default_factory=list)

    @field_validator("message_sid")
    @classmethod
    def _sid(cls, value: str) -> str:
        if not _SID.match(value):
            raise ValueError("MessageSid must look like SM… (letters and digits)")
        return value

    @field_validator("from_number", "to_number")
    @classmethod
    def _number(cls, value: str) -> str:
        number = value.strip().removeprefix("whatsapp:")
        if not _E164.match(number):
            raise ValueError(f"{value!r} is not a WhatsApp address like whatsapp:+919876543210")
        return number

    @property
    def text(self) -> str:
        """What the operator said: the body, or the quick-reply button they tapped."""
        return self.body or self.button_payload or self.button_text or ""


def parse_inbound_form(form: Mapping[str, str]) -> InboundMessage:
    """Validate Twilio's form fields; raises :class:`MalformedInbound` naming the bad field."""
    fields = dict(form)
    try:
        count = int(fields.get("NumMedia") or 0)
    except ValueError:
        raise MalformedInbound("NumMedia must be a whole number") from None
    media = []
    for index in range(max(0, min(count, MAX_MEDIA))):
        url = fields.get(f"MediaUrl{index}")
        if not url:
            raise MalformedInbound(f"NumMedia is {count} but MediaUrl{index} is missing")
        media.append({"url": url, "content_type": fields.get(f"MediaContentType{index}")})
    try:
        return InboundMessage.model_validate({**fields, "media": media})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise MalformedInbound(problems) from None


class UnknownProjectNumber(LookupError):
    """No project is reached on the message's ``To`` number."""


@dataclass
class Stored:
    """The queued row, and whether it was already there (a retried webhook).

    A new row is returned as a transient :class:`Message` built from the values
    inserted (the webhook needs none of it; ``calltime chat`` and the simulator read its
    id and thread).
    """

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
    with runtime.db.session(read_only=True) as session:
        return session.scalar(select(Message).where(Message.twilio_sid == sid))


_messages, _events = table_of(Message), table_of(Event)
_projects, _users = table_of(Project), table_of(User)
#: The row a MessageSid already has, if any.
_SEEN = select(_messages.c.id).where(_messages.c.twilio_sid == bindparam("sid"))
#: The project reached on ``to`` and the operator writing from ``sender`` (or NULL).
_RECIPIENT = (
    select(_projects.c.id, _users.c.id)
    .select_from(
        _projects.outerjoin(
            _users,
            and_(_users.c.project_id == _projects.c.id, _users.c.phone == bindparam("sender")),
        )
    )
    .where(_projects.c.whatsapp_number == bindparam("to"))
)


def _store(runtime: Runtime, inbound: InboundMessage, origin: str) -> Stored:
    # Two short transactions of Core statements (the ORM's work was most of an
    # acknowledgement's CPU). The lookups read a snapshot and take no write lock; the
    # write holds the lock only for the thread's latest time and two INSERTs. A retry of
    # the same MessageSid racing in between fails the INSERT on the unique MessageSid,
    # and store_inbound answers with the first row.
    with runtime.db.session(read_only=True) as session:
        conn = session.connection()
        seen = conn.execute(_SEEN, {"sid": inbound.message_sid}).first()
        recipient = conn.execute(
            _RECIPIENT, {"to": inbound.to_number, "sender": inbound.from_number}
        ).first()
    if seen is not None:
        existing = _find_sid(runtime, inbound.message_sid)
        if existing is not None:
            return Stored(existing, duplicate=True)
    if recipient is None:
        raise UnknownProjectNumber(f"no project is reached on {inbound.to_number}")
    project_id, user_id = recipient
    key = thread_key(project_id, inbound.from_number)
    values = {
        "id": new_id(),
        "project_id": project_id,
        "user_id": user_id,
        "direction": "inbound",
        "channel": "whatsapp",
        "origin": origin,
        "twilio_sid": inbound.message_sid,
        "thread_key": key,
        "from_number": inbound.from_number,
        "to_number": inbound.to_number,
        "body": inbound.text,
        "num_media": len(inbound.media),
        "media_json": [item.model_dump() for item in inbound.media],
        "profile_name": inbound.profile_name,
        "status": "queued",
        "attempts": 0,
    }
    # Core statements skip the models' NUL rule (bot.models.base), so it is applied here.
    values = {name: strip_nul(value) for name, value in values.items()}
    event = event_values(
        project_id,
        "whatsapp.message.received",
        user_id=user_id,
        message_id=values["id"],
        num_media=values["num_media"],
    )
    # Urgent: Twilio is waiting for this commit; the workers' transactions can wait.
    with runtime.db.session(urgent=True) as session:
        values["created_at"] = thread_time(session, key, runtime.clock.now())
        conn = session.connection()
        conn.execute(_messages.insert(), values)
        conn.execute(_events.insert(), event)
        announce(session)
    bell_of(runtime.db).ring()
    return Stored(Message(**values), duplicate=False)


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
