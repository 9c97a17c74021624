"""Overview, conversations (sessions and transcripts) and agent logs."""

from __future__ import annotations

from typing import Any

from flask import abort, g, render_template, request

from bot.admin import reports
from bot.admin.blueprint import bp, local_when, money, usage_cache, usd
from bot.admin.charts import bar_chart, goal_chart, no_model_calls, progress_bar
from bot.admin.daily import money_notes
from bot.admin.listing import (
    PAGE_SIZE,
    cursor_of,
    keyset_before,
    offset_page,
    page_arg,
    uuid_arg,
)
from bot.admin.security import admin_view
from bot.admin.timeframe import day_bounds, parse_day
from bot.admin.transcripts import build_transcript
from bot.models import AgentLog, ChatSession
from bot.models.enums import AGENT_LOG_STATUSES
from bot.runtime import get_runtime

TOOL_NAMES = (
    "search_contacts",
    "get_contact",
    "next_contacts",
    "update_contact",
    "log_interaction",
    "record_pledge",
    "record_payment",
    "list_followups",
    "schedule_followup",
    "complete_followup",
    "search_memory",
    "store_memory",
    "search_kb",
    "campaign_stats",
)


@bp.get("/")
@admin_view
def overview() -> Any:
    """Today's numbers and charts for the admin's project."""
    runtime = get_runtime()
    ov = reports.overview(
        g.scope, g.project, g.now, runtime.settings.session_idle_hours, usage_cache()
    )
    days = ov.money_days
    return render_template(
        "admin/overview.html",
        ov=ov,
        hours=bar_chart(
            ov.calls_by_hour,
            [f"{h:02d}h" for h in range(24)],
            title="Tool calls by hour today",
            empty="No tool calls yet today.",
        ),
        costs=bar_chart(
            [c for _, c in ov.cost_by_day],
            [local_when(d) for d, _ in ov.cost_by_day],
            title="Model cost per day, last 14 days (USD)",
            empty=no_model_calls(runtime.settings.anthropic_api_key, "in the last 14 days"),
            fmt=usd,
        ),
        money=progress_bar(
            [("pledged", ov.pledged, "pledged"), ("received", ov.received, "received")],
            ov.goal,
            title="Pledged and received against today's goal",
            fmt=money,
        ),
        goal_days=goal_chart(
            [local_when(d.day) for d in days],
            [d.pledged for d in days],
            [d.received for d in days],
            [d.goal for d in days],
            title="Pledged and received against the goal, per day, last 14 days",
            empty="No pledges or payments yet in the last 14 days, and no goal set.",
            fmt=money,
        ),
        money_notes=money_notes(days),
    )


@bp.get("/conversations")
@admin_view
def conversations() -> Any:
    """Sessions, most recently active first; filter by operator."""
    operator = uuid_arg("operator")
    stmt = g.scope.select(ChatSession)
    if operator:
        stmt = stmt.where(ChatSession.user_id == operator)
    stmt = stmt.order_by(ChatSession.last_activity_at.desc(), ChatSession.id.desc())
    page = offset_page(stmt, page_arg())
    users = reports.user_names(g.scope)
    return render_template("admin/conversations.html", page=page, users=users, operator=operator)


@bp.get("/conversations/<session_id>")
@admin_view
def transcript(session_id: str) -> Any:
    """One session: messages with each turn's tool calls and model calls."""
    chat = g.scope.get(ChatSession, session_id)
    if chat is None:
        abort(404)
    users = reports.user_names(g.scope)
    return render_template("admin/transcript.html", t=build_transcript(g.scope, chat), users=users)


@bp.get("/logs")
@admin_view
def agent_logs() -> Any:
    """Tool calls, newest first, filtered by status, tool, operator and day range."""
    filters, args = _log_filters()
    stmt = g.scope.select(AgentLog, *filters)
    after = keyset_before(AgentLog, request.args.get("before"))
    if after is not None:
        stmt = stmt.where(after)
    stmt = stmt.order_by(AgentLog.created_at.desc(), AgentLog.id.desc()).limit(PAGE_SIZE + 1)
    rows = list(g.scope.session.scalars(stmt))
    next_cursor = cursor_of(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return render_template(
        "admin/logs.html",
        rows=rows[:PAGE_SIZE],
        args=args,
        next_cursor=next_cursor,
        users=reports.user_names(g.scope),
        statuses=AGENT_LOG_STATUSES,
        tools=TOOL_NAMES,
    )


def _log_filters() -> tuple[list[Any], dict[str, str]]:
    filters: list[Any] = []
    args: dict[str, str] = {}
    status = request.args.get("status", "")
    if status:
        if status not in AGENT_LOG_STATUSES:
            abort(400, description="unknown status")
        filters.append(AgentLog.status == status)
        args["status"] = status
    tool = request.args.get("tool", "").strip()[:100]
    if tool:
        filters.append(AgentLog.action == tool)
        args["tool"] = tool
    operator = uuid_arg("operator")
    if operator:
        filters.append(AgentLog.user_id == operator)
        args["operator"] = str(operator)
    first, last = parse_day(request.args.get("from")), parse_day(request.args.get("to"))
    if first:
        filters.append(AgentLog.created_at >= day_bounds(first, g.project.timezone)[0])
        args["from"] = first.isoformat()
    if last:
        filters.append(AgentLog.created_at < day_bounds(last, g.project.timezone)[1])
        args["to"] = last.isoformat()
    session_id = uuid_arg("session")
    if session_id:
        filters.append(AgentLog.session_id == session_id)
        args["session"] = str(session_id)
    return filters, args
