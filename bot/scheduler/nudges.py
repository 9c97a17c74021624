"""The follow-up job: due follow-ups become one digest nudge per operator, exactly once.

One run first resends messages a crashed clock recorded but never sent, then, for every
project:

1. follow-ups of contacts now ``do_not_contact`` (or deleted) are cancelled;
2. ``scheduled`` follow-ups whose ``due_at`` has passed become ``due``;
3. due, not-yet-nudged follow-ups are grouped by operator (the assigned operator, else
   the one who created it); operators outside their nudge hours are left for later,
   unclaimed;
4. the follow-ups of every ready operator are claimed in the database under this run's
   token, in one transaction — operators another clock is claiming for are skipped
   (``FOR UPDATE SKIP LOCKED`` on the operators' rows on PostgreSQL; SQLite serialises
   writers), and the ``UPDATE`` re-checks that nobody claimed the follow-ups first;
5. each operator gets one numbered digest (see :mod:`bot.scheduler.recording` for
   WhatsApp's 24-hour rule); the digests of :data:`DIGESTS_PER_TRANSACTION` operators
   are recorded together in one transaction, sent after it commits, and Twilio's
   answers recorded in one more (:mod:`bot.scheduler.delivery`); the listed ids go to
   each operator's session so ``done 2`` works.

A send that fails releases its claim, so the next run retries it; a follow-up nudged
at or after its ``due_at`` is never nudged again (one snoozed to a later time is, once,
when it falls due again). A claim left by a crashed run goes stale after
:data:`CLAIM_STALE_AFTER` and is taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime

from sqlalchemy import select

from bot.models import Project, User
from bot.runtime import Runtime
from bot.scheduler.claims import (
    ACTOR,
    CLAIM_STALE_AFTER,
    NudgeReport,
    SentDigest,
    cancel_do_not_contact,
    claim_for_operators,
    mark_due,
    pending_by_operator,
)
from bot.scheduler.delivery import send_digests
from bot.scheduler.hours import may_nudge
from bot.scheduler.outbox import resend_stale
from bot.scheduler.runs import tracked_run
from bot.store import ProjectScope

__all__ = ["CLAIM_STALE_AFTER", "NudgeReport", "SentDigest", "run_nudges"]

log = logging.getLogger(__name__)

#: Digests recorded (and answered) per transaction, each group with the same few
#: statements whatever its size. Larger groups mean fewer transactions; smaller ones keep
#: each SQLite write lock short (the webhook waits for it). With 25, recording a group
#: held the lock about 120 ms on a busy 2-core machine (10 operators, recorded one by
#: one, had held it 210 ms); 50 made the run no faster there.
DIGESTS_PER_TRANSACTION = 25


def claim_token(worker: str | None = None) -> str:
    """A token unique to one run of one clock process (``host:pid:random``)."""
    who = worker or f"{socket.gethostname()}:{os.getpid()}"
    return f"{who}:{uuid.uuid4().hex[:10]}"


def run_nudges(runtime: Runtime, *, worker: str | None = None) -> NudgeReport:
    """Run the follow-up job once over every project; logged in ``job_runs``."""
    report = NudgeReport()
    token = claim_token(worker)
    with tracked_run(runtime, "nudges") as counts:
        report.resent = resend_stale(runtime)
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
    now = runtime.clock.now()
    with runtime.db.session() as session:
        scope = ProjectScope(session, project_id, actor=ACTOR)
        report.cancelled += cancel_do_not_contact(scope, now)
        report.became_due += mark_due(scope, now)
    with runtime.db.session() as session:
        scope = ProjectScope(session, project_id, actor=ACTOR)
        pending = pending_by_operator(scope, now)
        ready = nudgeable_operators(scope, pending, now, report)
    # Operators another clock is nudging are skipped: they have no claims here.
    claimed = claim_for_operators(runtime, project_id, {u: pending[u] for u in ready}, token, now)
    group = [(user_id, claimed[user_id]) for user_id in sorted(ready) if claimed.get(user_id)]
    report.claimed += sum(len(ids) for _, ids in group)
    for start in range(0, len(group), DIGESTS_PER_TRANSACTION):
        batch = group[start : start + DIGESTS_PER_TRANSACTION]
        # Each group's rows are stamped (and leased) from when the group is recorded.
        recorded_at = runtime.clock.now()
        for digest in send_digests(runtime, project_id, batch, token, recorded_at, report):
            report.digests.append(digest)
            report.nudged += len(digest.followup_ids)


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
