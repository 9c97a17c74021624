"""Phone numbers: everything is stored as E.164 (``+919876543210``)."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a valid phone number for the region."""


def to_e164(raw: str, region: str = "IN") -> str:
    """Normalise ``raw`` (``098765 43210``, ``+91-98765-43210``, ``whatsapp:+91…``) to E.164.

    Raises:
        InvalidPhone: with a message an operator can act on.
    """
    text = (raw or "").strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    if not text:
        raise InvalidPhone("no phone number given")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"cannot read {raw!r} as a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whatsapp_address(e164: str) -> str:
    """``whatsapp:+91…`` as Twilio expects in From/To."""
    return e164 if e164.startswith("whatsapp:") else f"whatsapp:{e164}"


def mask(e164: str | None) -> str:
    """``+91•••••43210`` for lists and logs; full numbers only on a contact's own page."""
    if not e164:
        return ""
    digits = e164.removeprefix("whatsapp:")
    return digits[:3] + "•" * max(len(digits) - 8, 0) + digits[-5:] if len(digits) > 8 else "•••"
