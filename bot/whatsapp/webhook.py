"""Twilio's webhooks: ``POST /whatsapp/inbound`` and ``POST /whatsapp/status``.

The inbound handler does the least it safely can before answering: verify the
signature, validate the form, store the message as ``queued`` and return empty TwiML.
The worker does everything else, so Twilio gets its answer in milliseconds however long
the model takes.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Request, Response, request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from twilio.request_validator import RequestValidator, get_signature_algorithm

from bot.config import Settings
from bot.models import Message
from bot.runtime import Runtime, get_runtime
from bot.store import ProjectScope
from bot.whatsapp.intake import (
    MalformedInbound,
    UnknownProjectNumber,
    parse_inbound_form,
    store_inbound,
)
from bot.whatsapp.redelivery import settle_replies

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
#: Forward-only order of outbound statuses; a late "sent" never hides "read".
STATUS_RANK = {"pending": 0, "sent": 1, "delivered": 2, "read": 3, "undelivered": 4, "failed": 4}

bp = Blueprint("whatsapp", __name__, url_prefix="/whatsapp")


#: Errors meaning "the database cannot be reached or is busy right now": connection
#: refused or dropped, SQLite's lock timeout, an exhausted connection pool.
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
#: Seconds a client is asked to wait before retrying while the database is down.
RETRY_AFTER_SECONDS = 5


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _database_down(exc: Exception) -> Response:
    """503 + ``Retry-After``: nothing was stored, so Twilio's retry is safe and wanted."""
    log.error("webhook: database unavailable, answering 503: %s", exc)
    response = _plain(503, "database unavailable; nothing was stored, please retry")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def signed_url(settings: Settings, req: Request) -> str:
    """The URL Twilio signed: ``PUBLIC_BASE_URL`` + path, else the request's own URL.

    Behind a proxy (``CALLTIME_TRUST_PROXY=1``) the scheme and host come from
    ``X-Forwarded-Proto`` and ``X-Forwarded-Host``/``Host``.
    """
    path = req.full_path.rstrip("?")
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/") + path
    if settings.trust_proxy:
        proto = (req.headers.get("X-Forwarded-Proto") or req.scheme).split(",")[0].strip()
        host = (req.headers.get("X-Forwarded-Host") or req.host).split(",")[0].strip()
        return f"{proto}://{host}{path}"
    return req.url


def signature_refusal(settings: Settings, req: Request) -> Response | None:
    """``None`` when the request is signed by Twilio, else the response refusing it."""
    token = settings.twilio_auth_token
    if not token:
        if settings.insecure_skip_signature:
            log.warning(
                "INSECURE: accepting an unsigned webhook because "
                "CALLTIME_INSECURE_SKIP_SIGNATURE is set; never do this in production"
            )
            return None
        return _plain(503, "TWILIO_AUTH_TOKEN is not configured; refusing unsigned webhooks")
    signature = req.headers.get("X-Twilio-Signature")
    if not signature:
        return _plain(403, "missing X-Twilio-Signature")
    algorithm = get_signature_algorithm(req.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    if not RequestValidator(token).validate(
        signed_url(settings, req), req.form, signature, algorithm
    ):
        log.warning("refused a webhook with a bad signature for %s", signed_url(settings, req))
        return _plain(403, "invalid X-Twilio-Signature")
    return None


@bp.post("/inbound")
def inbound() -> Response:
    """Store one incoming WhatsApp message and acknowledge it with empty TwiML."""
    runtime = get_runtime()
    refusal = signature_refusal(runtime.settings, request)
    if refusal is not None:
        return refusal
    try:
        message = parse_inbound_form(request.form)
        stored = store_inbound(runtime, message)
    except MalformedInbound as exc:
        return _plain(400, f"malformed Twilio message: {exc}")
    except UnknownProjectNumber as exc:
        log.warning("inbound message for an unknown number: %s", exc)
        return _plain(404, str(exc))
    except DATABASE_DOWN as exc:
        return _database_down(exc)
    if stored.duplicate:
        log.info("MessageSid %s seen before; acknowledged again", message.message_sid)
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


class StatusCallback(BaseModel):
    """Twilio's message status callback."""

    message_sid: str = Field(alias="MessageSid", min_length=10)
    message_status: str = Field(alias="MessageStatus")
    error_code: str | None = Field(default=None, alias="ErrorCode")
    error_message: str | None = Field(default=None, alias="ErrorMessage")


@bp.post("/status")
def status() -> Response:
    """Record Twilio's delivery report (sent, delivered, read, failed + error code)."""
    runtime = get_runtime()
    refusal = signature_refusal(runtime.settings, request)
    if refusal is not None:
        return refusal
    try:
        report = StatusCallback.model_validate(request.form.to_dict())
    except ValidationError as exc:
        return _plain(400, f"malformed status callback: {exc.errors()[0]['msg']}")
    new_status = report.message_status.lower()
    if new_status not in STATUS_RANK:
        return _plain(200, "ignored")  # queued/sending/accepted add nothing to what we know
    try:
        return _record_status(runtime, report, new_status)
    except DATABASE_DOWN as exc:
        return _database_down(exc)


def _record_status(runtime: Runtime, report: StatusCallback, new_status: str) -> Response:
    """Move the outbound row named by ``report`` forward; one transaction."""
    with runtime.db.session() as session:
        row = session.scalar(select(Message).where(Message.twilio_sid == report.message_sid))
        if row is None or row.direction != "outbound":
            return _plain(200, "unknown message")
        if STATUS_RANK[new_status] > STATUS_RANK.get(row.status, 0):
            row.status = new_status
            # A reply Twilio could not deliver after all: its message says so too.
            settle_replies(session, [row.reply_to_id])
        if report.error_code:
            row.error_code = report.error_code
            row.error_message = report.error_message or row.error_message
            ProjectScope(session, row.project_id, actor="system:twilio").emit(
                "whatsapp.message.failed",
                user_id=row.user_id,
                message_id=row.id,
                error_code=report.error_code,
            )
    return _plain(200, "recorded")


def init_app(app: Flask) -> None:
    """Mount the WhatsApp webhooks and the simulator on ``app``."""
    from bot.whatsapp.simulator import bp as simulator_bp

    app.register_blueprint(bp)
    app.register_blueprint(simulator_bp)
    runtime = app.extensions["calltime"]
    if not runtime.settings.twilio_auth_token and runtime.settings.insecure_skip_signature:
        log.warning(
            "INSECURE: webhook signatures are NOT checked (CALLTIME_INSECURE_SKIP_SIGNATURE)"
        )
