"""Sending one operator's digest, within WhatsApp's 24-hour rule.

WhatsApp lets a business send free text only within 24 hours of the user's last
message. Inside that window the digest goes out as text. Outside it, the approved
template ``TWILIO_NUDGE_CONTENT_SID`` goes out with content variables (name, count,
first contacts) and the full digest waits as a ``deferred`` message, delivered when
the operator answers; without a template the digest alone waits as ``deferred``.

The digest's rows, ``nudged_at`` and the session state are committed together before
anything is sent (see :mod:`bot.scheduler.outbox`); if Twilio then refuses, the
follow-ups are un-marked and released, and the next run tries again.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.engine.session_commands import DUE_PAGE
from bot.engine.timezones import operator_tz
from bot.models import ChatSession, Contact, Followup, Message, Project, User
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.scheduler.claims import (
    ACTOR,
    NudgeReport,
    SentDigest,
    by_ids,
    is_due,
    needs_nudge,
    release_claims,
)
from bot.scheduler.digest import DigestItem, digest_sort_key, digest_text, template_variables
from bot.scheduler.outbox import transmit_rows
from bot.store import ProjectScope
from bot.turn.sessions import get_or_open_session, last_inbound_at
from bot.turn.state import SessionState
from bot.whatsapp.outbound import record_outbound
from bot.whatsapp.sender import in_window

log = logging.getLogger(__name__)


@dataclass
class PreparedDigest:
    """A digest recorded and committed, with the rows still to hand to Twilio."""

    digest: SentDigest
    to_send: list[Message]
    waiting: list[Message]


def send_digests(
    runtime: Runtime,
    project_id: uuid.UUID,
    group: list[tuple[uuid.UUID, list[uuid.UUID]]],
    token: str,
    now: datetime,
    report: NudgeReport,
) -> list[SentDigest]:
    """Record and commit the digests of ``group`` (operator, claimed ids), then send each.

    The group's digests are recorded in one transaction, each in a savepoint: one
    operator's failure rolls back only that digest and gives its claims back. Sending
    follows the commit, outside any transaction; a digest Twilio refuses is un-marked.
    """
    prepared: list[PreparedDigest] = []
    failed: list[tuple[uuid.UUID, list[uuid.UUID], str]] = []
    try:
        with runtime.db.session() as session:
            scope = ProjectScope(session, project_id, actor=ACTOR)
            for user_id, claimed in group:
                try:
                    with session.begin_nested():
                        digest = prepare_digest(runtime, scope, user_id, claimed, token, now)
                except Exception as exc:  # nothing was recorded for this operator
                    failed.append((user_id, claimed, f"{type(exc).__name__}: {exc}"))
                    continue
                if digest is not None:
                    prepared.append(digest)
    except Exception as exc:  # the commit failed: nothing of the group was recorded
        prepared = []
        failed = [(user_id, claimed, f"{type(exc).__name__}: {exc}") for user_id, claimed in group]
    if failed:
        with runtime.db.session() as session:
            for user_id, claimed, error in failed:
                log.warning("nudge to operator %s failed: %s", user_id, error)
                release_claims(session, project_id, claimed, token)
                report.failed += 1
                report.errors.append(f"operator {user_id}: {error}")
    return [d for d in (_transmit(runtime, project_id, p, report) for p in prepared) if d]


def _transmit(
    runtime: Runtime, project_id: uuid.UUID, prepared: PreparedDigest, report: NudgeReport
) -> SentDigest | None:
    """Hand a committed digest to Twilio; a refusal un-marks its follow-ups."""
    error = (
        transmit_rows(runtime, project_id, prepared.to_send, ACTOR) if prepared.to_send else None
    )
    if error is not None:
        with runtime.db.session() as session:
            unmark(session, project_id, prepared, error)
        report.failed += 1
        report.errors.append(f"operator {prepared.digest.user_id}: {error}")
        return None
    return prepared.digest


def prepare_digest(
    runtime: Runtime,
    scope: ProjectScope,
    user_id: uuid.UUID,
    claimed: list[uuid.UUID],
    token: str,
    now: datetime,
) -> PreparedDigest | None:
    """Record the digest's rows, mark the follow-ups nudged and list them in the session."""
    user = scope.require(User, user_id)
    items = claimed_items(scope, claimed, token)
    if not items:
        return None
    body = digest_text(user, items, operator_tz(user, scope.session.get(Project, scope.project_id)))
    chat = operator_session(runtime, scope, user, now)
    mode, to_send, waiting = record_digest(runtime, scope, user, body, items, chat.id, now)
    ids = [item.followup.id for item in items]
    scope.session.execute(
        update(Followup)
        .where(*by_ids(scope.session, scope.project_id, ids), Followup.nudge_claimed_by == token)
        .values(nudged_at=now, nudge_message_id=(to_send or waiting)[0].id)
        .execution_options(synchronize_session=False)
    )
    state = SessionState.load(chat.state_json)
    # The digest shows the first page; ``more`` pages through the rest, as after ``due``.
    state.nudge_followup_ids, state.more_followup_ids = ids[:DUE_PAGE], ids[DUE_PAGE:]
    chat.state_json = state.dump()
    event = scope.emit(
        "followup.nudged", user_id=user.id, followup_ids=[str(i) for i in ids], mode=mode
    )
    event.timestamp = now
    return PreparedDigest(SentDigest(user.id, user.full_name, ids, mode, body), to_send, waiting)


def claimed_items(scope: ProjectScope, claimed: list[uuid.UUID], token: str) -> list[DigestItem]:
    """The follow-ups this run claimed, still due and un-nudged, with contacts, in due order."""
    stmt = (
        select(Followup, Contact)
        .join(Contact, Contact.id == Followup.contact_id)
        .where(
            *by_ids(scope.session, scope.project_id, claimed),
            Followup.nudge_claimed_by == token,
            needs_nudge(),
            is_due(scope.session),
            Contact.status != "do_not_contact",
            Contact.deleted_at.is_(None),
        )
    )
    items = [DigestItem(followup, contact) for followup, contact in scope.session.execute(stmt)]
    return sorted(items, key=digest_sort_key)


def operator_session(
    runtime: Runtime, scope: ProjectScope, user: User, now: datetime
) -> ChatSession:
    """The operator's open session on their WhatsApp thread (opened if none).

    The thread id is the one the pipeline uses for the operator's messages, so the
    nudge's follow-up ids are in the state their reply is handled with.
    """
    return get_or_open_session(
        scope,
        user,
        whatsapp_address(user.phone or ""),
        now,
        idle_hours=runtime.settings.session_idle_hours,
    )


def record_digest(
    runtime: Runtime,
    scope: ProjectScope,
    user: User,
    body: str,
    items: list[DigestItem],
    session_id: uuid.UUID,
    now: datetime,
) -> tuple[str, list[Message], list[Message]]:
    """Store the rows the 24-hour rule calls for: (mode, rows to send now, rows that wait)."""
    store = functools.partial(
        record_outbound, scope, user.phone or "", now=now, user_id=user.id, session_id=session_id
    )
    last = last_inbound_at(scope, user)
    if in_window(last, now):
        return "text", store(body), []
    waiting = store(body, status="deferred")
    content_sid = runtime.settings.twilio_nudge_content_sid
    if not content_sid:
        return "deferred", [], waiting
    variables = template_variables(user, items)
    # What the approved template reads, stored so the admin pages show what was sent.
    notice = (
        f"{variables['1']}, follow-ups due: {variables['2']} ({variables['3']}). Reply to see them."
    )
    template = store(notice, content_sid=content_sid, content_variables=variables)
    return "template", template, waiting


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
