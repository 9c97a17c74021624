"""Sending a group of digests: recorded and committed together, then sent, then answered.

A group's digests are recorded in one transaction (see :mod:`bot.scheduler.recording`);
only after it commits are they handed to Twilio, outside any transaction, and Twilio's
answers for the whole group are recorded in one more short transaction (see
:mod:`bot.scheduler.outbox`). If Twilio refuses a digest, its follow-ups are un-marked
and released, and the next run tries again; a digest Twilio could not take now waits
for a retry (:mod:`bot.whatsapp.redelivery`) and stays nudged.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.models import Followup, Message
from bot.runtime import Runtime
from bot.scheduler.claims import ACTOR, NudgeReport, SentDigest, by_ids, release_claims
from bot.scheduler.outbox import transmit_groups
from bot.scheduler.recording import Group, PreparedDigest, record_digests
from bot.store import ProjectScope

log = logging.getLogger(__name__)

#: An operator whose digest could not be recorded, with the claims to give back and why.
Failure = tuple[uuid.UUID, list[uuid.UUID], str]


def send_digests(
    runtime: Runtime,
    project_id: uuid.UUID,
    group: Group,
    token: str,
    now: datetime,
    report: NudgeReport,
) -> list[SentDigest]:
    """Record and commit the digests of ``group`` (operator, claimed ids), then send them.

    A digest that cannot be recorded gives its claims back; one Twilio refuses is
    un-marked. Returns the digests Twilio took (or that wait, by WhatsApp's rules).
    """
    prepared, failed = record_group(runtime, project_id, group, token, now)
    if failed:
        with runtime.db.session() as session:
            for user_id, claimed, error in failed:
                log.warning("nudge to operator %s failed: %s", user_id, error)
                release_claims(session, project_id, claimed, token)
                _failed(report, user_id, error)
    errors = transmit_groups(runtime, [p.to_send for p in prepared], ACTOR)
    refused = [(p, error) for p, error in zip(prepared, errors, strict=True) if error]
    if refused:
        with runtime.db.session() as session:
            for digest, error in refused:
                unmark(session, project_id, digest, error)
                _failed(report, digest.digest.user_id, error)
    return [p.digest for p, error in zip(prepared, errors, strict=True) if error is None]


def record_group(
    runtime: Runtime, project_id: uuid.UUID, group: Group, token: str, now: datetime
) -> tuple[list[PreparedDigest], list[Failure]]:
    """Record the group's digests in one transaction: (recorded, failed).

    The whole group is recorded in one go; if that fails, each operator is recorded
    again in a savepoint of their own, so one operator's failure rolls back only their
    digest. A failed commit records nothing: every operator of the group failed.
    """
    try:
        with runtime.db.session() as session:
            scope = ProjectScope(session, project_id, actor=ACTOR)
            try:
                with session.begin_nested():
                    return record_digests(runtime, scope, group, token, now), []
            except Exception as exc:  # nothing of the group was recorded; try one by one
                log.warning("recording %d digests at once failed (%s)", len(group), exc)
            return _one_by_one(runtime, scope, group, token, now)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        return [], [(user_id, list(claimed), error) for user_id, claimed in group]


def _one_by_one(
    runtime: Runtime, scope: ProjectScope, group: Group, token: str, now: datetime
) -> tuple[list[PreparedDigest], list[Failure]]:
    prepared: list[PreparedDigest] = []
    failed: list[Failure] = []
    for user_id, claimed in group:
        try:
            with scope.session.begin_nested():
                prepared += record_digests(runtime, scope, [(user_id, claimed)], token, now)
        except Exception as exc:  # nothing was recorded for this operator
            failed.append((user_id, list(claimed), f"{type(exc).__name__}: {exc}"))
    return prepared, failed


def _failed(report: NudgeReport, user_id: uuid.UUID, error: str) -> None:
    report.failed += 1
    report.errors.append(f"operator {user_id}: {error}")


def unmark(session: Session, project_id: uuid.UUID, prepared: PreparedDigest, error: str) -> None:
    """Twilio refused the digest: the follow-ups wait for the next run, the waiting copy goes."""
    ids = prepared.digest.followup_ids
    session.execute(
        update(Followup)
        .where(*by_ids(session, project_id, ids))
        .values(nudged_at=None, nudge_message_id=None, nudge_claimed_at=None, nudge_claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    for row in prepared.waiting:
        fresh = session.get(Message, row.id)
        if fresh is not None and fresh.status == "deferred":
            fresh.status = "failed"
            fresh.error_message = f"not delivered: the nudge before it was refused ({error})"[:500]
