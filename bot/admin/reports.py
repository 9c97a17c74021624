"""Aggregates for the overview and usage pages, computed by indexed SQL per project."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from bot.admin.daily import MoneyDay, money_by_day, usage_by_day
from bot.admin.pricing import PriceBook
from bot.admin.timeframe import (
    as_date,
    day_bounds,
    local_day_expr,
    local_hour_expr,
    local_today,
    utc_offset_minutes,
)
from bot.models import (
    AgentLog,
    ChatSession,
    Message,
    Project,
    ProviderUsage,
    User,
)
from bot.store import ProjectScope


@dataclass
class UsageRow:
    """Token totals and cost for one (day, operator, model) group."""

    day: date
    user_id: Any
    model: str
    calls: int
    prompt: int
    completion: int
    cache_read: int
    cache_write: int
    cost: Decimal = Decimal(0)

    @property
    def tokens(self) -> int:
        """Every token counted: input, output, cache read and cache write."""
        return self.prompt + self.completion + self.cache_read + self.cache_write


@dataclass
class Overview:
    day: date
    messages_in: int = 0
    messages_out: int = 0
    active_sessions: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    model_calls: int = 0
    tokens: int = 0
    cost: Decimal = Decimal(0)
    pledged: Decimal = Decimal(0)
    received: Decimal = Decimal(0)
    goal: Decimal = Decimal(0)
    calls_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    cost_by_day: list[tuple[date, Decimal]] = field(default_factory=list)
    #: Pledged, received and the goal for each of the last 14 days, today last.
    money_days: list[MoneyDay] = field(default_factory=list)


def overview(
    scope: ProjectScope,
    project: Project,
    now: datetime,
    idle_hours: float,
    cache: UsageCache | None = None,
) -> Overview:
    """Today's activity, money against today's goal, and the chart series."""
    today = local_today(now, project.timezone)
    start, end = day_bounds(today, project.timezone)
    ov = Overview(day=today)
    in_day = (Message.created_at >= start, Message.created_at < end)
    ov.messages_in = scope.count(Message, *in_day, Message.direction == "inbound")
    ov.messages_out = scope.count(Message, *in_day, Message.direction == "outbound")
    ov.active_sessions = scope.count(
        ChatSession,
        ChatSession.closed_at.is_(None),
        ChatSession.last_activity_at >= now - timedelta(hours=idle_hours),
    )
    log_day = (AgentLog.created_at >= start, AgentLog.created_at < end)
    ov.tool_calls = scope.count(AgentLog, *log_day)
    ov.tool_errors = scope.count(AgentLog, AgentLog.status == "error", *log_day)
    fortnight = today - timedelta(days=13)
    ov.money_days = money_by_day(scope, project, now, fortnight, today)
    ov.pledged, ov.received = ov.money_days[-1].pledged, ov.money_days[-1].received
    ov.goal = ov.money_days[-1].goal
    recent = usage_rows(scope, project, now, fortnight, today, cache)
    day_usage = [r for r in recent if r.day == today]
    ov.model_calls = sum(r.calls for r in day_usage)
    ov.tokens = sum(r.tokens for r in day_usage)
    ov.cost = sum((r.cost for r in day_usage), Decimal(0))
    ov.calls_by_hour = tool_calls_by_hour(scope, project, now, start, end)
    ov.cost_by_day = usage_by_day(recent, fortnight, today, lambda r: r.cost)
    return ov


def tool_calls_by_hour(
    scope: ProjectScope, project: Project, now: datetime, start: datetime, end: datetime
) -> list[int]:
    hour = local_hour_expr(scope.session, AgentLog.created_at, _offset(project, now))
    stmt = (
        select(hour, func.count())
        .where(
            AgentLog.project_id == scope.project_id,
            AgentLog.created_at >= start,
            AgentLog.created_at < end,
        )
        .group_by(hour)
    )
    series = [0] * 24
    for h, n in scope.session.execute(stmt):
        series[int(h) % 24] = int(n)
    return series


def _offset(project: Project, now: datetime) -> int:
    return utc_offset_minutes(now, project.timezone)


class UsageCache:
    """Usage rows of closed days (before today, local time), which no longer change.

    Model calls are logged as they happen, so a past day's totals are final; caching
    them keeps a 30-day usage page to one small live query for today.
    """

    def __init__(self, max_days: int = 20_000) -> None:
        self.max_days = max_days
        self._days: dict[tuple[Any, ...], list[UsageRow]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> list[UsageRow] | None:
        with self._lock:
            return self._days.get(key)

    def put(self, key: tuple[Any, ...], rows: list[UsageRow]) -> None:
        with self._lock:
            if len(self._days) >= self.max_days:
                self._days.pop(next(iter(self._days)))
            self._days[key] = rows


def usage_rows(
    scope: ProjectScope,
    project: Project,
    now: datetime,
    first: date,
    last: date,
    cache: UsageCache | None = None,
) -> list[UsageRow]:
    """Tokens and cost grouped by local day, operator and model, for ``first``…``last``."""
    today = local_today(now, project.timezone)
    offset = _offset(project, now)
    rows: list[UsageRow] = []
    closed_last = min(last, today - timedelta(days=1))
    if cache is not None and first <= closed_last:
        keys = {
            first + timedelta(days=i): (scope.project_id, first + timedelta(days=i), offset)
            for i in range((closed_last - first).days + 1)
        }
        missing = [d for d, k in keys.items() if cache.get(k) is None]
        if missing:
            fetched = _query_usage(scope, project, now, min(missing), max(missing))
            for d in missing:
                cache.put(keys[d], [r for r in fetched if r.day == d])
        rows = [r for k in keys.values() for r in cache.get(k) or []]
        first = today
    if first <= last:
        rows += _query_usage(scope, project, now, first, last)
    prices = PriceBook.load(scope)
    priced = [
        replace(
            r,
            cost=prices.for_model(r.model).cost(
                r.prompt, r.completion, r.cache_read, r.cache_write
            ),
        )
        for r in rows
    ]
    priced.sort(key=lambda r: (r.day, r.model, str(r.user_id)), reverse=True)
    return priced


def _query_usage(
    scope: ProjectScope, project: Project, now: datetime, first: date, last: date
) -> list[UsageRow]:
    start, _ = day_bounds(first, project.timezone)
    _, end = day_bounds(last, project.timezone)
    day = local_day_expr(scope.session, ProviderUsage.created_at, _offset(project, now))
    stmt = (
        select(
            day,
            ProviderUsage.user_id,
            ProviderUsage.model,
            func.count(),
            func.sum(ProviderUsage.prompt_tokens),
            func.sum(ProviderUsage.completion_tokens),
            func.sum(ProviderUsage.cache_read_tokens),
            func.sum(ProviderUsage.cache_write_tokens),
        )
        .where(
            ProviderUsage.project_id == scope.project_id,
            ProviderUsage.created_at >= start,
            ProviderUsage.created_at < end,
        )
        .group_by(day, ProviderUsage.user_id, ProviderUsage.model)
    )
    return [
        UsageRow(
            as_date(d),
            user_id,
            model,
            int(calls),
            int(p or 0),
            int(c or 0),
            int(cr or 0),
            int(cw or 0),
        )
        for d, user_id, model, calls, p, c, cr, cw in scope.session.execute(stmt)
    ]


def rollup(rows: list[UsageRow], key: str) -> list[tuple[Any, UsageRow]]:
    """Sum usage rows by ``day``, ``user_id`` or ``model``; largest cost first."""
    groups: dict[Any, UsageRow] = {}
    for r in rows:
        k = getattr(r, key)
        g = groups.setdefault(k, UsageRow(r.day, r.user_id, r.model, 0, 0, 0, 0, 0))
        g.calls += r.calls
        g.prompt += r.prompt
        g.completion += r.completion
        g.cache_read += r.cache_read
        g.cache_write += r.cache_write
        g.cost += r.cost
    ordered = sorted(groups.items(), key=lambda kv: kv[1].cost, reverse=True)
    return ordered if key != "day" else sorted(groups.items(), reverse=True)


def user_names(scope: ProjectScope) -> dict[Any, str]:
    """Operator names of this project by id (small: one project's team)."""
    return {u.id: u.full_name for u in scope.all(User, order_by=User.full_name)}
