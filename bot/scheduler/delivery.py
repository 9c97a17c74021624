"""Sending one operator's digest, within WhatsApp's 24-hour rule.

WhatsApp lets a business send free text only within 24 hours of the user's last
message. Inside that window the digest goes out as text. Outside it, the approved
template ``TWILIO_NUDGE_CONTENT_SID`` goes out with content variables (name, count,
first contacts) and the full digest waits as a ``deferred`` message, delivered when
the operator answers; without a template the digest alone waits as ``deferred``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

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
from bot.scheduler.digest import (
    DigestItem,
    digest_sort_key,
    digest_text,
    template_variables,
)
from bot.scheduler.hours import operator_zone
from bot.sender import send_text
from bot.sessions import get_or_open_session, last_inbound_at
from bot.state import SessionState
from bot.store import ProjectScope

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
FAILED_STATUSES = frozenset({"failed", "undelivered"})


def send_operator_digest(
    runtime: Runtime,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    claimed: list[uuid.UUID],
    token: str,
    now: datetime,
    report: NudgeReport,
) -> SentDigest | None:
    """Send one operator the follow-ups this run claimed for them; ``None`` if none."""
    try:
        with runtime.db.session() as session:
            scope = ProjectScope(session, project_id, actor=ACTOR)
            outcome = _send_claimed(runtime, scope, user_id, claimed, token, now)
    except Exception as exc:  # a crash mid-send: nothing was recorded, retry next run
        log.warning("nudge to operator %s failed: %s", user_id, exc)
        with runtime.db.session() as session:
            release_claims(session, project_id, claimed, token)
        outcome = f"{type(exc).__name__}: {exc}"
    if isinstance(outcome, str):
        report.failed += 1
        report.errors.append(f"operator {user_id}: {outcome}")
        return None
    return outcome


def _send_claimed(
    runtime: Runtime,
    scope: ProjectScope,
    user_id: uuid.UUID,
    claimed: list[uuid.UUID],
    token: str,
    now: datetime,
) -> SentDigest | str | None:
    """Send the digest; a Twilio refusal keeps the failed row and releases the claims."""
    user = scope.require(User, user_id)
    project = scope.session.get(Project, scope.project_id)
    items = claimed_items(scope, claimed, token)
    if not items:
        return None
    body = digest_text(user, items, operator_zone(user, project))
    chat = operator_session(runtime, scope, user, now)
    variables = template_variables(user, items)
    mode, messages = deliver(runtime, scope, user, body, variables, chat.id, now)
    failed = [m for m in messages if m.status in FAILED_STATUSES]
    if failed or not messages:
        release_claims(scope.session, scope.project_id, claimed, token)
        if not failed:
            return "nothing was sent"
        return failed[0].error_message or f"message {failed[0].status}"
    ids = [item.followup.id for item in items]
    scope.session.execute(
        update(Followup)
        .where(*by_ids(scope.session, scope.project_id, ids), Followup.nudge_claimed_by == token)
        .values(nudged_at=now, nudge_message_id=messages[0].id)
        .execution_options(synchronize_session=False)
    )
    state = SessionState.load(chat.state_json)
    state.nudge_followup_ids = ids
    chat.state_json = state.dump()
    event = scope.emit(
        "followup.nudged", user_id=user.id, followup_ids=[str(i) for i in ids], mode=mode
    )
    event.timestamp = now
    return SentDigest(user.id, user.full_name, ids, mode, body)


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


def deliver(
    runtime: Runtime,
    scope: ProjectScope,
    user: User,
    body: str,
    variables: dict[str, str],
    session_id: uuid.UUID,
    now: datetime,
) -> tuple[str, list[Message]]:
    """Send ``body`` under the 24-hour rule; returns the mode and the stored messages."""
    last = last_inbound_at(scope, user)
    if last is not None and now - last < WINDOW:
        messages = send_text(runtime, scope, user, body, session_id=session_id)
        return "text", messages
    content_sid = runtime.settings.twilio_nudge_content_sid
    if content_sid:
        notice = (
            f"{variables['1']}, {variables['2']} follow-ups are due ({variables['3']}). "
            "Reply to see them."
        )
        head = send_text(
            runtime,
            scope,
            user,
            notice,
            session_id=session_id,
            content_sid=content_sid,
            content_variables=variables,
        )
        if any(m.status in FAILED_STATUSES for m in head):
            return "template", head
        send_text(runtime, scope, user, body, session_id=session_id, status_if_deferred=True)
        return "template", head
    deferred = send_text(runtime, scope, user, body, session_id=session_id, status_if_deferred=True)
    return "deferred", deferred
