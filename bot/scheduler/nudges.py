"""The follow-up job: due follow-ups become one digest nudge per operator, exactly once.

One run, for every project:

1. follow-ups of contacts now ``do_not_contact`` (or deleted) are cancelled;
2. ``scheduled`` follow-ups whose ``due_at`` has passed become ``due``;
3. due, not-yet-nudged follow-ups are grouped by operator (the assigned operator, else
   the one who created it); operators outside their nudge hours are left for later,
   unclaimed;
4. the rest are claimed in the database under this run's token — rows another clock
   already holds are skipped (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
   serialises writers), and the ``UPDATE`` re-checks that nobody claimed them first;
5. each operator gets one numbered digest (see :mod:`bot.scheduler.delivery` for
   WhatsApp's 24-hour rule); the listed ids go to their session so ``done 2`` works.

A send that fails releases its claim, so the next run retries it; a follow-up with
``nudged_at`` set is never nudged again. A claim left by a crashed run goes stale after
:data:`CLAIM_STALE_AFTER` and is taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from bot.models import Contact, Followup, Project, User
from bot.runtime import Runtime
from bot.scheduler.hours import may_nudge
from bot.scheduler.runs import tracked_run
from bot.store import ProjectScope

log = logging.getLogger(__name__)

CLAIM_STALE_AFTER = timedelta(minutes=10)
CHUNK = 500
ACTOR = "system:nudges"


@dataclass
class SentDigest:
    """What one operator was sent: for ``calltime nudge`` and the tests."""

    user_id: uuid.UUID
    operator: str
    followup_ids: list[uuid.UUID]
    mode: str  # text | template | deferred
    body: str


@dataclass
class NudgeReport:
    """Counts of one nudge run, and the digests it sent."""

    became_due: int = 0
    cancelled: int = 0
    claimed: int = 0
    nudged: int = 0
    waiting_quiet_hours: int = 0
    no_operator: int = 0
    failed: int = 0
    digests: list[SentDigest] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        modes: dict[str, int] = defaultdict(int)
        for digest in self.digests:
            modes[digest.mode] += 1
        return {
            "became_due": self.became_due,
            "cancelled": self.cancelled,
            "claimed": self.claimed,
            "nudged": self.nudged,
            "digests": len(self.digests),
            **{f"digests_{mode}": n for mode, n in sorted(modes.items())},
            "waiting_quiet_hours": self.waiting_quiet_hours,
            "no_operator": self.no_operator,
            "errors": self.failed,
        }


def recipient_column() -> ColumnElement[Any]:
    """Who is nudged about a follow-up: the assigned operator, else its creator."""
    return func.coalesce(Followup.assigned_to_user_id, Followup.created_by_user_id)


def claim_token(worker: str | None = None) -> str:
    """A token unique to one run of one clock process (``host:pid:random``)."""
    who = worker or f"{socket.gethostname()}:{os.getpid()}"
    return f"{who}:{uuid.uuid4().hex[:10]}"


def run_nudges(runtime: Runtime, *, worker: str | None = None) -> NudgeReport:
    """Run the follow-up job once over every project; logged in ``job_runs``."""
    report = NudgeReport()
    token = claim_token(worker)
    with tracked_run(runtime, "nudges") as counts:
        with runtime.db.session() as session:
            project_ids = list(session.scalars(select(Project.id).order_by(Project.created_at)))
        for project_id in project_ids:
            nudge_project(runtime, project_id, token, report)
        counts.update(report.counts())
        if report.errors:
            counts["error_text"] = "; ".join(report.errors[:5])
    return report


def nudge_project(runtime: Runtime, project_id: uuid.UUID, token: str, report: NudgeReport) -> None:
    """Steps 1–5 of the module docstring for one project."""
    from bot.scheduler.delivery import send_operator_digest

    now = runtime.clock.now()
    with runtime.db.session() as session:
        scope = ProjectScope(session, project_id, actor=ACTOR)
        report.cancelled += cancel_do_not_contact(scope, now)
        report.became_due += mark_due(scope, now)
    with runtime.db.session() as session:
        scope = ProjectScope(session, project_id, actor=ACTOR)
        pending = pending_by_operator(scope, now)
        ready = nudgeable_operators(scope, pending, now, report)
        ids = sorted(fid for user_id in ready for fid in pending[user_id])
    report.claimed += claim(runtime, project_id, ids, token, now)
    for user_id in sorted(ready):
        digest = send_operator_digest(runtime, project_id, user_id, token, now, report)
        if digest is not None:
            report.digests.append(digest)
            report.nudged += len(digest.followup_ids)


def cancel_do_not_contact(scope: ProjectScope, now: datetime) -> int:
    """Cancel open follow-ups of contacts that are now do_not_contact or deleted."""
    stmt = (
        scope.select(Followup)
        .join(Contact, Contact.id == Followup.contact_id)
        .where(
            Followup.status.in_(("scheduled", "due")),
            or_(Contact.status == "do_not_contact", Contact.deleted_at.is_not(None)),
        )
        .with_for_update(skip_locked=True, of=Followup)
    )
    cancelled = 0
    for followup in scope.session.scalars(stmt):
        scope.update(followup, status="cancelled")
        event = scope.emit(
            "followup.cancelled",
            followup_id=followup.id,
            contact_id=followup.contact_id,
            reason="do_not_contact",
        )
        event.timestamp = now
        cancelled += 1
    return cancelled


def mark_due(scope: ProjectScope, now: datetime) -> int:
    """``scheduled`` → ``due`` for every follow-up whose time has come; returns how many."""
    result = scope.session.execute(
        update(Followup)
        .where(
            Followup.project_id == scope.project_id,
            Followup.status == "scheduled",
            Followup.due_at <= now,
        )
        .values(status="due")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def pending_by_operator(scope: ProjectScope, now: datetime) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Due follow-ups nobody has nudged or holds a live claim on, by operator."""
    recipient = recipient_column()
    stmt = (
        select(recipient, Followup.id)
        .join(Contact, Contact.id == Followup.contact_id)
        .where(
            Followup.project_id == scope.project_id,
            Followup.status == "due",
            Followup.nudged_at.is_(None),
            or_(
                Followup.nudge_claimed_at.is_(None),
                Followup.nudge_claimed_at < now - CLAIM_STALE_AFTER,
            ),
            Contact.status != "do_not_contact",
            Contact.deleted_at.is_(None),
        )
    )
    pending: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for user_id, followup_id in scope.session.execute(stmt):
        pending[user_id].append(followup_id)
    return pending


def nudgeable_operators(
    scope: ProjectScope,
    pending: dict[uuid.UUID, list[uuid.UUID]],
    now: datetime,
    report: NudgeReport,
) -> list[uuid.UUID]:
    """The operators with pending follow-ups who can be nudged now."""
    project = scope.session.get(Project, scope.project_id)
    users = {u.id: u for u in scope.all(User, User.id.in_([k for k in pending if k is not None]))}
    ready = []
    for user_id, followup_ids in pending.items():
        user = users.get(user_id) if user_id is not None else None
        if user is None or not user.is_active or not user.phone:
            report.no_operator += len(followup_ids)
        elif not may_nudge(user, project, now):
            report.waiting_quiet_hours += len(followup_ids)
        else:
            ready.append(user_id)
    return ready


def claim(
    runtime: Runtime, project_id: uuid.UUID, ids: Sequence[uuid.UUID], token: str, now: datetime
) -> int:
    """Claim ``ids`` for this run; returns how many this run now holds."""
    claimed = 0
    for chunk in _chunks(ids, CHUNK):
        with runtime.db.session() as session:
            claimed += _claim_chunk(session, project_id, chunk, token, now)
    return claimed


def _claim_chunk(
    session: Session, project_id: uuid.UUID, chunk: Sequence[uuid.UUID], token: str, now: datetime
) -> int:
    claimable = (
        Followup.project_id == project_id,
        Followup.id.in_(chunk),
        Followup.status == "due",
        Followup.nudged_at.is_(None),
        or_(
            Followup.nudge_claimed_at.is_(None),
            Followup.nudge_claimed_at < now - CLAIM_STALE_AFTER,
        ),
    )
    # Lock what nobody else holds; rows another clock is claiming are skipped, not awaited.
    free = list(
        session.scalars(select(Followup.id).where(*claimable).with_for_update(skip_locked=True))
    )
    if not free:
        return 0
    result = session.execute(
        update(Followup)
        .where(*claimable, Followup.id.in_(free))
        .values(nudge_claimed_at=now, nudge_claimed_by=token)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def release_claims(runtime: Runtime, project_id: uuid.UUID, user_id: uuid.UUID, token: str) -> None:
    """Give back this run's unsent claims for one operator so the next run retries them."""
    with runtime.db.session() as session:
        session.execute(
            update(Followup)
            .where(
                Followup.project_id == project_id,
                Followup.nudge_claimed_by == token,
                Followup.nudged_at.is_(None),
                recipient_column() == user_id,
            )
            .values(nudge_claimed_at=None, nudge_claimed_by=None)
            .execution_options(synchronize_session=False)
        )


def _chunks(items: Sequence[uuid.UUID], size: int) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
