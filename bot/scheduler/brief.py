"""The morning brief: at each operator's ``morning_brief_at`` (local time), once a day.

The brief says today's goal and progress (engine ``campaign_stats``), how many
follow-ups are due today, and the top three contacts to call with their reasons
(engine ``next_contacts``). Inside WhatsApp's 24-hour window it is sent as text;
outside it, it waits as a ``deferred`` message and arrives with the operator's first
message of the day. A ``brief.sent`` event per operator and day makes the job safe to
run twice, and locking the operator's row first keeps two clocks from both sending.
The brief is committed before it is handed to Twilio (no transaction spans the call).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.engine.amounts import format_money
from bot.engine.ranking import next_contacts
from bot.engine.stats import Stats, campaign_stats
from bot.engine.wording import describe_reason
from bot.models import Event, Followup, Project, User
from bot.runtime import Runtime
from bot.scheduler.claims import recipient_column
from bot.scheduler.digest import first_name
from bot.scheduler.hours import brief_due, local_day, local_day_start
from bot.scheduler.outbox import transmit_rows
from bot.scheduler.runs import tracked_run
from bot.store import ProjectScope
from bot.turn.sessions import last_inbound_at
from bot.whatsapp.outbound import record_outbound
from bot.whatsapp.sender import in_window

log = logging.getLogger(__name__)

ACTOR = "system:morning_brief"
EVENT = "brief.sent"


def run_morning_briefs(runtime: Runtime) -> int:
    """Send every operator whose brief time has come today their brief; returns how many."""
    with tracked_run(runtime, "morning_brief") as counts:
        with runtime.db.session() as session:
            targets = list(
                session.execute(
                    select(User.project_id, User.id).where(
                        User.is_active.is_(True),
                        User.role == "USER",
                        User.phone.is_not(None),
                        User.morning_brief_at.is_not(None),
                    )
                )
            )
        for project_id, user_id in targets:
            try:
                if send_brief(runtime, project_id, user_id):
                    counts.add("sent")
            except Exception as exc:  # one operator's failure must not stop the others
                log.exception("morning brief for %s failed", user_id)
                counts.add("errors")
                counts["error_text"] = f"{type(exc).__name__}: {exc}"
        counts.setdefault("sent", 0)
        return int(counts["sent"])


class BriefNotSent(RuntimeError):
    """Twilio refused the brief (it stays recorded as failed; no second brief today)."""


def send_brief(runtime: Runtime, project_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Brief one operator if it is time and they have not had today's; True if recorded.

    The brief is recorded and committed first, then sent outside the transaction.

    Raises:
        BriefNotSent: Twilio refused it.
    """
    now = runtime.clock.now()
    with runtime.db.session() as session:
        scope = ProjectScope(session, project_id, actor=ACTOR)
        user = session.scalar(scope.select(User, User.id == user_id).with_for_update())
        project = session.get(Project, project_id)
        if user is None or not brief_due(user, project, now):
            return False
        if already_briefed(scope, user, project, now):
            return False
        body = brief_text(scope, user, project, now)
        last = last_inbound_at(scope, user)
        outside = not in_window(last, now)
        rows = record_outbound(
            scope,
            user.phone or "",
            body,
            now=now,
            user_id=user.id,
            status="deferred" if outside else "pending",
        )
        event = scope.emit(EVENT, user_id=user.id, date=local_day(user, project, now).isoformat())
        event.timestamp = now
    error = None if outside else transmit_rows(runtime, project_id, rows, ACTOR)
    if error:
        raise BriefNotSent(error)
    return True


def already_briefed(
    scope: ProjectScope, user: User, project: Project | None, now: datetime
) -> bool:
    return (
        scope.count(
            Event,
            Event.event_type == EVENT,
            Event.user_id == user.id,
            Event.timestamp >= local_day_start(user, project, now),
        )
        > 0
    )


def brief_text(scope: ProjectScope, user: User, project: Project | None, now: datetime) -> str:
    """Goal and progress, follow-ups due today, and the top three to call."""
    day_end = local_day_start(user, project, now) + timedelta(days=1)
    due = scope.count(
        Followup,
        Followup.status.in_(("scheduled", "due")),
        Followup.due_at < day_end,
        recipient_column() == user.id,
    )
    lines = [f"Good morning, {first_name(user)}!", goal_line(campaign_stats(scope, user, now))]
    lines.append(f"Follow-ups due today: {due}.")
    ranked = next_contacts(scope, user, now, limit=3)
    if ranked:
        lines.append("Call first:")
        for number, item in enumerate(ranked, start=1):
            reasons = "; ".join(item.reasons[:2]) or describe_reason(None)
            lines.append(f"{number}. {item.contact.display_name} – {reasons}")
    lines.append("Send start when you begin call time.")
    return "\n".join(lines)


def goal_line(stats: Stats) -> str:
    """``Today's goal (Diwali drive): ₹1,00,000 – ₹25,000 pledged so far.``"""
    if stats.target_amount is None:
        return "No goal set for today."
    name = f" ({stats.campaign_name})" if stats.campaign_name else ""
    return (
        f"Today's goal{name}: {format_money(stats.target_amount)} – "
        f"{format_money(stats.campaign_pledged)} pledged so far."
    )
