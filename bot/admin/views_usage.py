"""Usage and cost: tokens and cost by day, operator and model, charts, CSV and prices."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot import csv_safety
from bot.admin import reports
from bot.admin.blueprint import bp, local_when, usage_cache, usd
from bot.admin.charts import bar_chart, no_model_calls
from bot.admin.daily import usage_by_day
from bot.admin.pricing import PriceBook, PriceError, save_price
from bot.admin.security import admin_view
from bot.admin.timeframe import local_today, parse_day
from bot.runtime import get_runtime

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
    empty = no_model_calls(get_runtime().settings.anthropic_api_key, "in these days")
    costs = usage_by_day(rows, first, last, lambda r: r.cost)
    counted = usage_by_day(rows, first, last, lambda r: r.tokens)
    return render_template(
        "admin/usage.html",
        cost_chart=bar_chart(
            [c for _, c in costs],
            [local_when(d) for d, _ in costs],
            title="Model cost per day (USD)",
            empty=empty,
            fmt=usd,
        ),
        token_chart=bar_chart(
            [n for _, n in counted],
            [local_when(d) for d, _ in counted],
            title="Tokens per day",
            empty=empty,
        ),
        first=first,
        last=last,
        rows=rows,
        by_day=reports.rollup(rows, "day"),
        by_user=reports.rollup(rows, "user_id"),
        by_model=reports.rollup(rows, "model"),
        users=reports.user_names(g.scope),
        prices=PriceBook.load(g.scope).table(),
        total=sum((r.cost for r in rows), 0),
        tokens_total=sum(r.tokens for r in rows),
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
