"""Which timezone an operator's words and our replies are in."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import Project, User

FALLBACK_TZ = "Asia/Kolkata"


def operator_tz(user: User | None, project: Project | None = None) -> ZoneInfo:
    """``user.timezone``, else the project's, else Asia/Kolkata (a bad name falls back too)."""
    for name in (getattr(user, "timezone", None), getattr(project, "timezone", None)):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo(FALLBACK_TZ)
