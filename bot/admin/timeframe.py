"""Days in the project's timezone, and SQL expressions that bucket timestamps by them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Integer, cast, func, literal_column
from sqlalchemy.orm import Session

from bot.engine.timezones import zone


def day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` starts and ends in ``tz_name``."""
    tz = zone(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def local_today(now: datetime, tz_name: str) -> date:
    return now.astimezone(zone(tz_name)).date()


def utc_offset_minutes(now: datetime, tz_name: str) -> int:
    """The zone's offset now; buckets use it for the whole range (DST shifts are ignored)."""
    offset = now.astimezone(zone(tz_name)).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def local_day_expr(session: Session, column: Any, offset_minutes: int) -> Any:
    """SQL for the local calendar day of a UTC ``column`` (``YYYY-MM-DD`` text or date)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(_unix_time(column), "unixepoch", f"{offset_minutes:+d} minutes")
    shifted = column + literal_column(f"interval '{int(offset_minutes)} minutes'")
    return cast(shifted, Date)


def local_hour_expr(session: Session, column: Any, offset_minutes: int) -> Any:
    """SQL for the local hour (0–23) of a UTC ``column``."""
    if session.get_bind().dialect.name == "sqlite":
        hour = func.strftime("%H", _unix_time(column), "unixepoch", f"{offset_minutes:+d} minutes")
        return cast(hour, Integer)
    shifted = column + literal_column(f"interval '{int(offset_minutes)} minutes'")
    return cast(func.extract("hour", shifted), Integer)


def _unix_time(column: Any) -> Any:
    """SQLite's stored microseconds (:class:`bot.models.types.UTCDateTime`) as Unix seconds."""
    return column.op("/")(literal_column("1000000"))


def as_date(value: Any) -> date:
    """A bucket value (text on SQLite, ``date`` on PostgreSQL) as a ``date``."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parse_day(raw: str | None) -> date | None:
    """A ``YYYY-MM-DD`` query argument, or ``None`` when blank or unreadable."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
