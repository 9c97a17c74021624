"""Writing a reviewed statement: confirmed lines become payments in one undoable batch.

Every write of a batch — payments, pledges fulfilled, follow-ups closed, identities
learned — is audited under the admin (``changed_by = user:<id>``) with
``idempotency_key = statement:<batch id>``. Undoing the batch reverts exactly those
rows, newest first, and tags its own writes ``undo:statement:<batch id>``. Batch rows
carry no ``turn_id``, so an operator's WhatsApp ``undo`` never reaches them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.engine.amounts import format_money
from bot.engine.undo import UndoError, revert_rows
from bot.engine.wording import plural
from bot.models import AuditLog, User
from bot.reconcile.apply import ReconcileError, record_credit
from bot.reconcile.review import Review, ReviewRow
from bot.store import ProjectScope


def batch_key(batch_id: uuid.UUID | str) -> str:
    return f"statement:{batch_id}"


def batch_scope(scope: ProjectScope, key: str) -> ProjectScope:
    """The caller's scope (same session, project and actor) stamping ``key`` on its audits."""
    return ProjectScope(scope.session, scope.project_id, actor=scope.actor, audit_key=key)


@dataclass
class BatchResult:
    """What a confirmation wrote (line → sentence) and what it refused (line → reason)."""

    recorded: dict[int, str] = field(default_factory=dict)
    refused: dict[int, str] = field(default_factory=dict)

    def text(self) -> str:
        parts = [f"{plural(len(self.recorded), 'payment')} recorded"]
        if self.refused:
            why = "; ".join(f"line {n}: {reason}" for n, reason in sorted(self.refused.items()))
            parts.append(f"{len(self.refused)} not recorded ({why})")
        return ", ".join(parts) + "."


def confirm_rows(
    scope: ProjectScope,
    user: User,
    picks: list[tuple[ReviewRow, str]],
    *,
    batch_id: uuid.UUID | str,
    now: datetime,
    tz: ZoneInfo,
) -> BatchResult:
    """Record each ``(row, pledge id)``; a line that fails is refused, the others stand."""
    batch = batch_scope(scope, batch_key(batch_id))
    result = BatchResult()
    for row, pledge_id in picks:
        try:
            with scope.session.begin_nested():
                done = record_credit(
                    batch, user, row.line.credit, pledge_id=pledge_id, now=now, tz=tz
                )
        except ReconcileError as exc:
            result.refused[row.line.line] = str(exc)
            continue
        result.recorded[row.line.line] = (
            f"{format_money(row.line.credit.amount)} → {done.contact.display_name}"
        )
    return result


def matched_picks(review: Review, lines: set[int] | None = None) -> list[tuple[ReviewRow, str]]:
    """The matched rows (those in ``lines`` when given) with their certain pledge."""
    return [
        (row, str(row.best.entry.pledge.id))
        for row in review.pile("matched")
        if row.best is not None and (lines is None or row.line.line in lines)
    ]


def probable_pick(review: Review, line: int, pledge_id: str) -> tuple[ReviewRow, str]:
    """A probable row and the pledge the admin chose among its candidates.

    Raises:
        ReconcileError: the line is not probable any more, or the pledge is not offered.
    """
    row = review.row(line)
    if row is None or row.pile != "probable":
        raise ReconcileError(f"line {line} is not waiting for a choice any more")
    offered = {str(c.entry.pledge.id) for c in row.match.candidates}
    if pledge_id not in offered:
        raise ReconcileError(f"that pledge was not offered for line {line}")
    return row, pledge_id


def batch_writes(scope: ProjectScope, batch_id: uuid.UUID | str) -> list[AuditLog]:
    """The batch's writes not yet undone, newest first."""
    stmt = (
        select(AuditLog)
        .where(
            AuditLog.project_id == scope.project_id,
            AuditLog.idempotency_key == batch_key(batch_id),
            AuditLog.reverted_at.is_(None),
        )
        .order_by(AuditLog.timestamp.desc(), AuditLog.id.desc())
    )
    return list(scope.session.scalars(stmt))


def undo_batch(scope: ProjectScope, batch_id: uuid.UUID | str, now: datetime) -> str:
    """Revert every write of the batch; says what was undone.

    Raises:
        UndoError: the batch wrote nothing (or was undone already).
    """
    rows = batch_writes(scope, batch_id)
    if not rows:
        raise UndoError("this batch has nothing to undo")
    counts = revert_rows(batch_scope(scope, f"undo:{batch_key(batch_id)}"), rows, now)
    payments = counts.get("payment", 0)
    return f"Undone: {plural(payments, 'payment')} of batch {batch_id}."
