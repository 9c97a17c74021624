"""The ``admin`` blueprint object and its request hooks and template helpers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, g
from markupsafe import Markup, escape

from bot.admin.formatting import when
from bot.admin.listing import mask_phones
from bot.admin.reports import UsageCache
from bot.admin.security import check_csrf, csrf_token
from bot.directory.accounts import mask_login_links
from bot.engine.amounts import format_money
from bot.engine.timezones import project_tz
from bot.engine.wording import describe_reason, plural
from bot.phones import mask

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

# CSRF applies to the admin blueprint only: the Twilio webhook posts without a token.
bp.before_request(check_csrf)


@bp.after_request
def _no_store(response: Any) -> Any:
    """Dashboard pages hold donor data: keep them out of shared caches and frames."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def local_when(value: datetime | date | str | None, seconds: bool = False) -> str:
    """``Thu 26 Nov 10:30`` in the project's timezone (UTC outside a signed-in request):
    the one way the dashboard writes a date or a time (see :mod:`bot.admin.formatting`).
    ISO text (kept in JSON, e.g. a statement's upload time) is read first."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    project = getattr(g, "project", None)
    tz = project_tz(project) if project is not None else UTC
    now = getattr(g, "now", None) or datetime.now(UTC)
    return when(value, tz, now.astimezone(tz).date(), seconds=seconds)


def money(value: Decimal | int | float | None, currency: str | None = None) -> str:
    """``₹2,00,000``: ``value`` in ``currency`` (default the project's), as on WhatsApp."""
    project = getattr(g, "project", None)
    return format_money(value, currency or (project.currency if project else "INR"))


def breakable(text: str) -> Markup:
    """``text`` that may wrap after each comma: a crore amount wraps between its digit
    groups (``₹10,00,20,`` / ``80,000``) rather than inside one on a narrow card."""
    return Markup(",<wbr>").join(escape(text).split(","))


def json_text(value: Any, indent: int | None = 1) -> str:
    """Tool input as readable JSON text (escaped by Jinja), with phone numbers masked."""
    return mask_phones(json.dumps(value, ensure_ascii=False, indent=indent, default=str))


def usd(value: Decimal | float | None) -> str:
    """``$0.0068``: model cost, priced in US dollars, to four places — a model call costs
    fractions of a cent, which :func:`format_money` (to the cent) would show as ``$0.01``."""
    return f"${Decimal(value or 0):,.4f}"


def usage_cache() -> UsageCache:
    """This app's cache of closed days' usage (one per process)."""
    cache: UsageCache = current_app.extensions.setdefault(  # Flask's extensions hold Any
        "calltime.admin.usage_cache", UsageCache()
    )
    return cache


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


bp.add_app_template_filter(mask, "mask")
bp.add_app_template_filter(local_when, "when")
bp.add_app_template_filter(describe_reason, "reason")
bp.add_app_template_filter(money, "money")
bp.add_app_template_filter(breakable, "breakable")
bp.add_app_template_global(plural, "plural")
bp.add_app_template_filter(usd, "usd")
bp.add_app_template_filter(mask_phones, "mask_phones")
# One admin must not read another's unspent one-time link in a transcript.
bp.add_app_template_filter(mask_login_links, "mask_login_links")
bp.add_app_template_filter(json_text, "json_text")
