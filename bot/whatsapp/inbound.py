"""Twilio's incoming-message form, validated into a pydantic model.

Twilio posts ``application/x-www-form-urlencoded`` fields (MessageSid, From, To, Body,
NumMedia, MediaUrl0…). :func:`parse_inbound_form` turns them into
:class:`InboundMessage` or raises :class:`MalformedInbound` with a message a
developer reading Twilio's debugger can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, Field, ValidationError, field_validator

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
