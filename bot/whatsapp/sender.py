"""Sending WhatsApp messages: hand a recorded outbound row to Twilio and record its answer.

Rows are recorded first (:mod:`bot.whatsapp.outbound`) and sent after the recording
transaction has closed. Without Twilio credentials rows are stored with status
``simulated`` and shown by the simulator and ``calltime chat``.

Twilio is asked once per attempt. A 429, a 5xx or a network error leaves the row
``pending`` with the next attempt time in ``lease_until`` (:data:`RETRY_BACKOFF`,
minutes apart); :mod:`bot.whatsapp.redelivery` sends it again when that time comes.
A 4xx refusal (21211 bad number, 63016 outside the 24-hour window …) is final.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioRestException

from bot.models import Message
from bot.models.types import utcnow
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.whatsapp.twilio_rest import twilio_client

log = logging.getLogger(__name__)

#: Wait before the 1st, 2nd, … retry of a row Twilio could not take (429, 5xx, network);
#: the last step repeats until the row is delivered, refused or too late.
RETRY_BACKOFF = tuple(timedelta(minutes=m) for m in (1, 2, 4, 8, 15))
#: WhatsApp accepts free text only this long after the user's last message.
WINDOW = timedelta(hours=24)


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
