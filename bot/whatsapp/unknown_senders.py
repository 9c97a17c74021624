"""Messages from numbers that are not an active operator of the project.

They get one polite notice per number per day (in the project's timezone) and nothing
else: no session, no planner, no model call. Their inbound rows are kept as ``ignored``.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from bot.engine.timezones import zone
from bot.models import Message, Project
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.whatsapp.outbound import record_outbound

NOT_REGISTERED = (
    "Hello! This number is not registered with Calltime for this organisation, "
    "so I can't help here. Please ask your team admin to add you."
)


def start_of_day(now: datetime, timezone: str) -> datetime:
    """Midnight of ``now``'s day in ``timezone``, as an aware datetime."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0, 0), tzinfo=tz)


def answer_unknown_sender(runtime: Runtime, scope: ProjectScope, message: Message) -> bool:
    """Record today's "not registered" notice for the sender unless one exists; True if recorded."""
    project = scope.session.get(Project, scope.project_id)
    assert project is not None
    now = runtime.clock.now()
    already = scope.session.scalar(
        select(Message.id)
        .where(
            Message.project_id == scope.project_id,
            Message.direction == "outbound",
            Message.to_number == message.from_number,
            Message.body == NOT_REGISTERED,
            Message.created_at >= start_of_day(now, project.timezone),
        )
        .limit(1)
    )
    if already is not None:
        return False
    record_outbound(scope, message.from_number, NOT_REGISTERED, now=now, reply_to_id=message.id)
    return True
