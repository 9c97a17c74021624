"""Selecting and claiming due follow-ups for a nudge, exactly once across clock processes.

See :mod:`bot.scheduler.nudges` for the run these steps make up.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnClause, ColumnElement, func, literal_column, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db import affected_rows, among
from bot.models import Contact, Followup, User
from bot.runtime import Runtime
from bot.store import ProjectScope

#: A claim older than this belongs to a run that died; another run may take it over.
CLAIM_STALE_AFTER = timedelta(minutes=10)
#: Follow-up ids per claiming statement (keeps IN lists short).
CHUNK = 500
ACTOR = "system:nudges"
_T = TypeVar("_T")


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
    resent: int = 0
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
            "resent": self.resent,
            "errors": self.failed,
        }


def by_ids(
    session: Session, project_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[ColumnElement[bool]]:
    """Follow-ups ``ids`` of one project, found through the primary key on both engines.

    Without ``ANALYZE`` statistics SQLite prefers any equality index over a primary-key
    ``IN`` list, which would scan every due follow-up of the project once per operator;
    there the project term is written ``+column`` (SQLite's way to say "no index for
    this term"), leaving the primary key as the only access path. The status term goes
    with :func:`is_due`, which no index covers on either engine.
    """
    return [
        among(session, Followup.id, ids),
        _plain(session, Followup.project_id) == project_id,
    ]


def is_due() -> ColumnElement[bool]:
    """``status = 'due'``, written ``status || ''`` so that neither engine uses it as an index.

    Follow-ups picked by id must be found through the primary key (see :func:`by_ids`).
    A run that has just made thousands of follow-ups due leaves PostgreSQL's statistics
    behind (they still say "hardly any are due"), and it then read a claim's 20 ids
    through ``ix_followups_status_due_at``, every due follow-up of every project, 12 ms
    a digest (``EXPLAIN ANALYZE``, 2026-12-04); no index covers an expression.
    """
    return Followup.status.concat("") == "due"


def _plain(
    session: Session, column: InstrumentedAttribute[_T]
) -> InstrumentedAttribute[_T] | ColumnClause[_T]:
    if session.get_bind().dialect.name != "sqlite":
        return column
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def recipient_column() -> ColumnElement[Any]:
    """Who is nudged about a follow-up: the assigned operator, else its creator."""
    return func.coalesce(Followup.assigned_to_user_id, Followup.created_by_user_id)


def needs_nudge() -> ColumnElement[bool]:
    """Never nudged, or moved (snoozed) to a later time since the last nudge."""
    return or_(Followup.nudged_at.is_(None), Followup.nudged_at < Followup.due_at)


def claim_free(now: datetime) -> ColumnElement[bool]:
    """Nobody holds a live claim for the follow-up's current due time."""
    return or_(
        Followup.nudge_claimed_at.is_(None),
        Followup.nudge_claimed_at < Followup.due_at,
        Followup.nudge_claimed_at < now - CLAIM_STALE_AFTER,
    )


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
    return affected_rows(result)


def pending_by_operator(scope: ProjectScope, now: datetime) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Due follow-ups nobody has nudged or holds a live claim on, by operator."""
    recipient = recipient_column()
    stmt = (
        select(recipient, Followup.id)
        .join(Contact, Contact.id == Followup.contact_id)
        .where(
            Followup.project_id == scope.project_id,
            Followup.status == "due",
            needs_nudge(),
            claim_free(now),
            Contact.status != "do_not_contact",
            Contact.deleted_at.is_(None),
        )
    )
    pending: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for user_id, followup_id in scope.session.execute(stmt):
        pending[user_id].append(followup_id)
    return pending


def claimable(session: Session, user_id: uuid.UUID, now: datetime) -> list[Any]:
    """Conditions of a follow-up this run may claim for ``user_id``'s digest."""
    return [recipient_column() == user_id, is_due(), needs_nudge(), claim_free(now)]


def claim_for_operator(
    runtime: Runtime,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    candidates: Sequence[uuid.UUID],
    token: str,
    now: datetime,
) -> list[uuid.UUID]:
    """Claim the operator's ``candidates`` that are still free; returns the ids claimed.

    The operator's row is locked first, skipping operators another clock is claiming
    for right now, so concurrent clocks split the work by operator and each operator
    gets one digest. The ``UPDATE`` repeats every condition, so a follow-up claimed
    (or nudged) by a run that committed first is never claimed twice. Ids are looked
    up by primary key: the cost of a claim does not grow with the project.
    """
    with runtime.db.session() as session:
        locked = session.scalar(
            select(User.id)
            .where(User.project_id == project_id, User.id == user_id)
            .with_for_update(skip_locked=True)
        )
        if locked is None:
            return []
        conditions = claimable(session, user_id, now)
        claimed: list[uuid.UUID] = []
        for chunk in chunked(sorted(candidates), CHUNK):
            session.execute(
                update(Followup)
                .where(*by_ids(session, project_id, chunk), *conditions)
                .values(nudge_claimed_at=now, nudge_claimed_by=token)
                .execution_options(synchronize_session=False)
            )
            claimed += session.scalars(
                select(Followup.id).where(
                    *by_ids(session, project_id, chunk), Followup.nudge_claimed_by == token
                )
            )
        return claimed


def claim_for_operators(
    runtime: Runtime,
    project_id: uuid.UUID,
    pending: dict[uuid.UUID, list[uuid.UUID]],
    token: str,
    now: datetime,
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """:func:`claim_for_operator` for many operators in one transaction.

    The operators' rows are locked with one ``FOR UPDATE SKIP LOCKED`` (those another
    clock holds are skipped), then their candidates are claimed by a few ``UPDATE``
    statements that repeat every condition and return the rows they claimed. Returns
    the ids claimed, by operator.
    """
    with runtime.db.session() as session:
        locked = sorted(
            session.scalars(
                select(User.id)
                .where(User.project_id == project_id, User.id.in_(sorted(pending)))
                .with_for_update(skip_locked=True)
            )
        )
        if not locked:
            return {}
        recipient = recipient_column()
        conditions = [among(session, recipient, locked), is_due(), needs_nudge(), claim_free(now)]
        claimed: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        candidates = sorted(fid for user_id in locked for fid in pending[user_id])
        for chunk in chunked(candidates, CHUNK):
            rows = session.execute(
                update(Followup)
                .where(*by_ids(session, project_id, chunk), *conditions)
                .values(nudge_claimed_at=now, nudge_claimed_by=token)
                .returning(recipient, Followup.id)
                .execution_options(synchronize_session=False)
            )
            for user_id, followup_id in rows:
                claimed[user_id].append(followup_id)
        return dict(claimed)


def release_claims(
    session: Session, project_id: uuid.UUID, ids: Sequence[uuid.UUID], token: str
) -> None:
    """Give back this run's unsent claims on ``ids`` so the next run retries them."""
    for chunk in chunked(list(ids), CHUNK):
        session.execute(
            update(Followup)
            .where(
                *by_ids(session, project_id, chunk),
                Followup.nudge_claimed_by == token,
                needs_nudge(),
            )
            .values(nudge_claimed_at=None, nudge_claimed_by=None)
            .execution_options(synchronize_session=False)
        )


def chunked(items: Sequence[uuid.UUID], size: int) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
