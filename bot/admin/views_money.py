"""Follow-ups, pledges (with ageing) and payments — filtered, totalled, as CSV — and
operators' feedback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, g, render_template, request
from sqlalchemy import case, func, select

from bot.admin import money, reports
from bot.admin.blueprint import bp
from bot.admin.listing import offset_page, page_arg, uuid_arg
from bot.admin.security import admin_view
from bot.admin.timeframe import local_today
from bot.models import Contact, Followup, Payment, Pledge, RlhfInteraction
from bot.models.enums import FOLLOWUP_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES, PLEDGE_STATUSES

AGE_BUCKETS = (
    (0, 7, "0–7 days"),
    (8, 30, "8–30 days"),
    (31, 60, "31–60 days"),
    (61, None, "over 60 days"),
)
#: The follow-up page's own choices beside the stored statuses.
OPEN_CHOICES = {"due_or_scheduled": ("due", "scheduled"), "overdue": ("due", "scheduled")}
#: A CSV download holds at most this many rows (narrow the dates for more).
CSV_ROWS = 100_000


@bp.get("/followups")
@admin_view
def followups() -> Any:
    """Follow-ups by status (or overdue: still open, past their time), soonest first."""
    status = request.args.get("status", "due_or_scheduled")
    stmt = select(Followup, Contact.display_name).join(Contact, Contact.id == Followup.contact_id)
    stmt = stmt.where(
        Followup.project_id == g.scope.project_id, Contact.project_id == g.scope.project_id
    )
    if status in FOLLOWUP_STATUSES:
        stmt = stmt.where(Followup.status == status)
    else:
        status = status if status in OPEN_CHOICES else "due_or_scheduled"
        stmt = stmt.where(Followup.status.in_(OPEN_CHOICES[status]))
        if status == "overdue":
            stmt = stmt.where(Followup.due_at < g.now)
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
        operator=operator,
        users=reports.user_names(g.scope),
    )


@bp.get("/pledges")
@admin_view
def pledges() -> Any:
    """Pledges (open by default, oldest first) with totals; the open ones' ageing."""
    chosen, where = _filtered(Pledge, default_status="open")
    stmt = money.listing(Pledge, where, newest_first=chosen.status != "open")
    return render_template(
        "admin/pledges.html",
        page=offset_page(stmt, page_arg(), scalars=False),
        ageing=_ageing(),
        today=local_today(g.now, g.project.timezone),
        chosen=chosen,
        totals=money.totals(g.scope, Pledge, where),
        statuses=PLEDGE_STATUSES,
        users=reports.user_names(g.scope),
    )


@bp.get("/pledges.csv")
@admin_view
def pledges_csv() -> Any:
    """The pledges the page's filter selects, as CSV (formula cells neutralised)."""
    _, where = _filtered(Pledge, default_status="open")
    return _csv(Pledge, money.listing(Pledge, where, False), "calltime-pledges.csv")


def _filtered(model: type[Payment] | type[Pledge], default_status: str = "") -> tuple[Any, Any]:
    """The filter in the query string and its SQL conditions (page, totals and CSV)."""
    chosen = money.read_filter(model, default_status)
    return chosen, money.conditions(g.scope, model, chosen, g.project.timezone)


def _csv(model: type[Payment] | type[Pledge], stmt: Any, name: str) -> Response:
    rows = list(g.scope.session.execute(stmt.limit(CSV_ROWS)))
    body = money.to_csv(model, rows, reports.user_names(g.scope), g.project.timezone)
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


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
    """Payments, newest first, filtered by day, operator, method and status, with totals."""
    chosen, where = _filtered(Payment)
    return render_template(
        "admin/payments.html",
        page=offset_page(money.listing(Payment, where, True), page_arg(), scalars=False),
        chosen=chosen,
        totals=money.totals(g.scope, Payment, where),
        methods=PAYMENT_METHODS,
        statuses=PAYMENT_STATUSES,
        users=reports.user_names(g.scope),
    )


@bp.get("/payments.csv")
@admin_view
def payments_csv() -> Any:
    """The payments the page's filter selects, as CSV (formula cells neutralised)."""
    _, where = _filtered(Payment)
    return _csv(Payment, money.listing(Payment, where, True), "calltime-payments.csv")


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
