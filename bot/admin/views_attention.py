"""Needs attention: failed turns, undelivered replies (with a retry for one reply),
overdue follow-ups and pledges past their expected date."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for

from bot.admin import reports
from bot.admin.attention import (
    failed_turns,
    is_overdue,
    overdue_followups,
    pledges_past_due,
    retry_refusals,
    undelivered_replies,
)
from bot.admin.blueprint import bp
from bot.admin.security import admin_view
from bot.admin.timeframe import local_today
from bot.models import Message
from bot.whatsapp.redelivery import RequeueRefused, requeue


@bp.get("/attention")
@admin_view
def attention() -> Any:
    """Failed turns (with their session), replies that have not reached the operator,
    overdue follow-ups and pledges past due."""
    replies = undelivered_replies(g.scope, g.now)
    today = local_today(g.now, g.project.timezone)
    return render_template(
        "admin/attention.html",
        turns=failed_turns(g.scope),
        replies=replies,
        refusals=retry_refusals(replies.rows, g.now),
        followups=overdue_followups(g.scope, g.now),
        pledges=pledges_past_due(g.scope, today),
        today_ordinal=today.toordinal(),
        users=reports.user_names(g.scope),
    )


@bp.post("/attention/replies/<message_id>/retry")
@admin_view
def retry_reply(message_id: str) -> Any:
    """Queue one unsent reply for the next delivery sweep (audited as this admin)."""
    row = g.scope.get(Message, message_id)
    if row is None or row.direction != "outbound":
        abort(404)
    try:
        requeue(g.scope, row.id, g.now)
    except RequeueRefused as exc:
        flash(f"Not retried — {exc}.", "error")
        return redirect(url_for("admin.attention"))
    flash(
        "Queued: it goes out with the next delivery sweep (within a minute) if WhatsApp's "
        "24-hour window is open, else right after the operator's next message.",
        "ok",
    )
    return redirect(url_for("admin.attention"))


bp.add_app_template_global(is_overdue, "is_overdue")
