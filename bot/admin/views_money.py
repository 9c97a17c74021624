"""Usage and cost, follow-ups, pledges (with ageing), payments and feedback."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import case, func, select

from bot import csv_safety
from bot.admin import reports
from bot.admin.blueprint import bp, usage_cache
from bot.admin.listing import offset_page, page_arg, uuid_arg
from bot.admin.pricing import PriceBook, PriceError, save_price
from bot.admin.security import admin_view
from bot.admin.timeframe import local_today, parse_day
from bot.models import Contact, Followup, Payment, Pledge, RlhfInteraction
from bot.models.enums import FOLLOWUP_STATUSES

AGE_BUCKETS = (
    (0, 7, "0–7 days"),
    (8, 30, "8–30 days"),
    (31, 60, "31–60 days"),
    (61, None, "over 60 days"),
)
MAX_RANGE_DAYS = 366


def _usage_range() -> tuple[Any, Any]:
    today = local_today(g.now, g.project.timezone)
    last = parse_day(request.args.get("to")) or today
    first = parse_day(request.args.get("from")) or last - timedelta(days=29)
    if first > last or (last - first).days >= MAX_RANGE_DAYS:
        abort(400, description=f"choose a range of 1 to {MAX_RANGE_DAYS} days, from ≤ to")
    return first, last


@bp.get("/usage")
@admin_view
def usage() -> Any:
    """Tokens and cost by day, operator and model; the editable price table."""
    first, last = _usage_range()
    rows = reports.usage_rows(g.scope, g.project, g.now, first, last, usage_cache())
    return render_template(
        "admin/usage.html",
        first=first,
        last=last,
        rows=rows,
        by_day=reports.rollup(rows, "day"),
        by_user=reports.rollup(rows, "user_id"),
        by_model=reports.rollup(rows, "model"),
        users=reports.user_names(g.scope),
        prices=PriceBook.load(g.scope).table(),
        total=sum((r.cost for r in rows), 0),
    )


@bp.get("/usage.csv")
@admin_view
def usage_csv() -> Any:
    """The usage page's rows as CSV (one line per day, operator and model)."""
    first, last = _usage_range()
    rows = reports.usage_rows(g.scope, g.project, g.now, first, last, usage_cache())
    users = reports.user_names(g.scope)
    out = io.StringIO()
    writer = csv_safety.writer(out)
    writer.writerow(
        [
            "day",
            "operator",
            "model",
            "calls",
            "prompt_tokens",
            "completion_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "cost_usd",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.day.isoformat(),
                users.get(r.user_id, ""),
                r.model,
                r.calls,
                r.prompt,
                r.completion,
                r.cache_read,
                r.cache_write,
                f"{r.cost:.6f}",
            ]
        )
    name = f"calltime-usage-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.post("/usage/prices")
@admin_view
def save_model_price() -> Any:
    """Create or change the project's price for one model."""
    form = request.form
    try:
        save_price(
            g.scope,
            form.get("model", ""),
            {k: form.get(k, "") for k in ("input", "output", "cache_read", "cache_write")},
        )
    except PriceError as exc:
        g.scope.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.usage"))
    flash(f"Price for {form.get('model', '').strip()} saved.", "ok")
    return redirect(url_for("admin.usage"))


@bp.get("/followups")
@admin_view
def followups() -> Any:
    """Follow-ups by status, soonest due first."""
    status = request.args.get("status", "due_or_scheduled")
    stmt = select(Followup, Contact.display_name).join(Contact, Contact.id == Followup.contact_id)
    stmt = stmt.where(
        Followup.project_id == g.scope.project_id, Contact.project_id == g.scope.project_id
    )
    if status in FOLLOWUP_STATUSES:
        stmt = stmt.where(Followup.status == status)
    else:
        status = "due_or_scheduled"
        stmt = stmt.where(Followup.status.in_(("due", "scheduled")))
    operator = uuid_arg("operator")
    if operator:
        stmt = stmt.where(Followup.assigned_to_user_id == operator)
    stmt = stmt.order_by(Followup.due_at, Followup.id)
    page = offset_page(stmt, page_arg(), scalars=False)
    return render_template(
        "admin/followups.html",
        page=page,
        status=status,
        statuses=FOLLOWUP_STATUSES,
        users=reports.user_names(g.scope),
    )


@bp.get("/pledges")
@admin_view
def pledges() -> Any:
    """Open pledges, oldest first, with the unpaid amount in age buckets."""
    stmt = (
        select(Pledge, Contact.display_name)
        .join(Contact, Contact.id == Pledge.contact_id)
        .where(
            Pledge.project_id == g.scope.project_id,
            Contact.project_id == g.scope.project_id,
            Pledge.status == "open",
        )
        .order_by(Pledge.pledged_at, Pledge.id)
    )
    page = offset_page(stmt, page_arg(), scalars=False)
    today = local_today(g.now, g.project.timezone)
    return render_template("admin/pledges.html", page=page, ageing=_ageing(), today=today)


def _ageing() -> list[tuple[str, int, Any]]:
    """(label, count, amount) of open pledges per age bucket, in one indexed scan."""
    bucket = case(
        *[
            (Pledge.pledged_at > g.now - timedelta(days=high + 1), i)
            for i, (_, high, _) in enumerate(AGE_BUCKETS)
            if high is not None
        ],
        else_=len(AGE_BUCKETS) - 1,
    )
    stmt = (
        select(bucket, func.count(), func.coalesce(func.sum(Pledge.amount), 0))
        .where(Pledge.project_id == g.scope.project_id, Pledge.status == "open")
        .group_by(bucket)
    )
    found = {int(b): (int(n), amount) for b, n, amount in g.scope.session.execute(stmt)}
    return [(label, *found.get(i, (0, 0))) for i, (_, _, label) in enumerate(AGE_BUCKETS)]


@bp.get("/payments")
@admin_view
def payments() -> Any:
    """Payments, newest first."""
    stmt = (
        select(Payment, Contact.display_name)
        .join(Contact, Contact.id == Payment.contact_id)
        .where(Payment.project_id == g.scope.project_id, Contact.project_id == g.scope.project_id)
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
    )
    return render_template("admin/payments.html", page=offset_page(stmt, page_arg(), scalars=False))


@bp.get("/feedback")
@admin_view
def feedback() -> Any:
    """Operators' ratings and comments on replies and drafts."""
    stmt = g.scope.select(RlhfInteraction).order_by(
        RlhfInteraction.created_at.desc(), RlhfInteraction.id.desc()
    )
    avg = g.scope.session.scalar(
        select(func.avg(RlhfInteraction.rating)).where(
            RlhfInteraction.project_id == g.scope.project_id
        )
    )
    return render_template(
        "admin/feedback.html",
        page=offset_page(stmt, page_arg()),
        average=avg,
        users=reports.user_names(g.scope),
    )
