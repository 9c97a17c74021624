"""Which timezone an operator's words and our replies are in: the one lookup.

Every place that turns a stored UTC time into local time (replies, nudges, the
dashboard, the model's prompt) asks here. A timezone name that is blank or unknown
never raises: the operator's falls back to the project's, and that to Asia/Kolkata.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import Project, User

FALLBACK_TZ = "Asia/Kolkata"


def known_zone(name: str | None) -> ZoneInfo | None:
    """``ZoneInfo(name)``, or ``None`` when ``name`` is blank or not a timezone."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone(*names: str | None) -> ZoneInfo:
    """The first of ``names`` that is a timezone, else Asia/Kolkata."""
    for name in names:
        found = known_zone(name)
        if found is not None:
            return found
    return ZoneInfo(FALLBACK_TZ)


def operator_tz(user: User | None, project: Project | None = None) -> ZoneInfo:
    """``user.timezone``, else the project's, else Asia/Kolkata (a bad name falls back too)."""
    return zone(getattr(user, "timezone", None), getattr(project, "timezone", None))


def project_tz(project: Project | None) -> ZoneInfo:
    """The project's timezone, else Asia/Kolkata."""
    return zone(getattr(project, "timezone", None))
