"""Operators' local time: their timezone, nudge hours and the morning brief time.

``User.quiet_hours_start``/``quiet_hours_end`` bound the hours in which the bot may
nudge an operator (default 09:00–21:00 local); outside them nudges wait. A window
whose start is after its end wraps past midnight (22:00–06:00).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.engine.timezones import operator_tz
from bot.models import Project, User

DEFAULT_START = time(9, 0)
DEFAULT_END = time(21, 0)


def parse_hhmm(text: str | None, default: time) -> time:
    """``"09:30"`` → ``time(9, 30)``; a blank or malformed value gives ``default``."""
    if not text:
        return default
    try:
        hours, minutes = text.strip().split(":", 1)
        return time(int(hours), int(minutes))
    except ValueError:
        return default


def may_nudge(user: User, project: Project | None, now: datetime) -> bool:
    """Whether ``now`` falls inside the operator's nudge hours."""
    local = now.astimezone(operator_tz(user, project)).time()
    start = parse_hhmm(user.quiet_hours_start, DEFAULT_START)
    end = parse_hhmm(user.quiet_hours_end, DEFAULT_END)
    if start == end:
        return True
    if start < end:
        return start <= local < end
    return local >= start or local < end


def local_day(user: User, project: Project | None, now: datetime) -> date:
    """The operator's calendar date at ``now``."""
    return now.astimezone(operator_tz(user, project)).date()


def local_day_start(user: User, project: Project | None, now: datetime) -> datetime:
    """Midnight of the operator's current day, as an aware datetime."""
    zone = operator_tz(user, project)
    day = now.astimezone(zone).date()
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def brief_due(user: User, project: Project | None, now: datetime) -> bool:
    """Whether the operator's morning brief time has passed today (local time)."""
    if not user.morning_brief_at:
        return False
    at = parse_hhmm(user.morning_brief_at, time(8, 30))
    local = now.astimezone(operator_tz(user, project))
    # A brief more than six hours late is news from the morning; skip it for the day.
    start = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return start <= local < start + timedelta(hours=6)
