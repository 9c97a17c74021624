"""Recording a group of digests in one transaction, with a few statements for the group.

The operators, the follow-ups claimed for them (with their contacts), when each last
wrote, their sessions and their threads' latest messages are each read with one
statement; the outbound rows, new sessions, follow-up marks, session states and events
are each written with one (the ORM batches the rows of a table into one statement).
Recorded one by one, a digest cost about 20 statements (see ``bench/bench_nudges.py``).

WhatsApp lets a business send free text only within 24 hours of the user's last
message. Inside that window the digest goes out as text. Outside it, the approved
template ``TWILIO_NUDGE_CONTENT_SID`` goes out with content variables (name, count,
first contacts) and the full digest waits as a ``deferred`` message, delivered when
the operator answers; without a template the digest alone waits as ``deferred``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import any_, bindparam, select, update

from bot.db import among, id_array, takes_arrays
from bot.engine.session_commands import DUE_PAGE
from bot.engine.timezones import operator_tz
from bot.models import ChatSession, Contact, Followup, Message, Project, User
from bot.models.base import table_of
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.scheduler.claims import (
    CHUNK,
    SentDigest,
    by_ids,
    chunked,
    is_due,
    needs_nudge,
)
from bot.scheduler.digest import DigestItem, digest_sort_key, digest_text, template_variables
from bot.store import NotFound, ProjectScope
from bot.turn.sessions import get_or_open_sessions, last_inbound_by_user
from bot.turn.state import SessionState
from bot.whatsapp.outbound import Outgoing, record_outbound_many
from bot.whatsapp.sender import in_window

Group = Sequence[tuple[uuid.UUID, Sequence[uuid.UUID]]]


@dataclass
class PreparedDigest:
    """A digest recorded (the caller commits), with the rows still to hand to Twilio."""

    digest: SentDigest
    to_send: list[Message]
    waiting: list[Message]


@dataclass
class Draft:
    """One operator's digest before its rows exist: what to send now and what waits."""

    user: User
    items: list[DigestItem]
    chat: ChatSession
    body: str
    mode: str = "text"  # text | template | deferred
    send: list[Outgoing] = field(default_factory=list)
    wait: list[Outgoing] = field(default_factory=list)


def record_digests(
    runtime: Runtime, scope: ProjectScope, group: Group, token: str, now: datetime
) -> list[PreparedDigest]:
    """Record the digests of ``group`` (operator, claimed ids) in the caller's transaction.

    Each digest gets its rows, ``nudged_at`` on its follow-ups and their ids in the
    operator's session (so ``done 2`` works). Follow-ups no longer due, or whose contact
    is now do-not-contact, are left out; an operator with none left gets no digest.

    Raises:
        NotFound: an operator of ``group`` is not in this project.
    """
    items = claimed_items(scope, [fid for _, ids in group for fid in ids], token)
    users = {user.id: user for user in scope.all(User, User.id.in_([u for u, _ in group]))}
    todo = []
    for user_id, claimed in group:
        if user_id not in users:
            raise NotFound(f"users {user_id} not found")
        listed = sorted((items[i] for i in claimed if i in items), key=digest_sort_key)
        if listed:
            todo.append((users[user_id], listed))
    if not todo:
        return []
    drafts = draft_digests(runtime, scope, todo, now)
    messages = [message for draft in drafts for message in draft.wait + draft.send]
    prepared = _prepared(drafts, iter(record_outbound_many(scope, messages, now=now)))
    mark_nudged(scope, token, now, prepared)
    for draft, digest in zip(drafts, prepared, strict=True):
        _list_in_session(scope, draft, digest.digest.followup_ids, now)
    return prepared


def claimed_items(
    scope: ProjectScope, claimed: Sequence[uuid.UUID], token: str
) -> dict[uuid.UUID, DigestItem]:
    """The follow-ups this run claimed, still due and un-nudged, with contacts, by id.

    Follow-ups and contacts are read with two primary-key lookups, not a join: after a
    few runs psycopg prepares the statement and PostgreSQL may switch to a generic
    plan, which for the join scanned every contact (87 ms a chunk, 2026-12-04).
    """
    found: dict[uuid.UUID, DigestItem] = {}
    for chunk in chunked(claimed, CHUNK):
        stmt = select(
            Followup.id,
            Followup.contact_id,
            Followup.due_at,
            Followup.reason,
            Followup.suggested_message,
        ).where(
            *by_ids(scope.session, scope.project_id, chunk),
            Followup.nudge_claimed_by == token,
            needs_nudge(),
            is_due(),
        )
        rows = scope.session.execute(stmt).all()
        names = reachable_names(scope, {row.contact_id for row in rows})
        for row in rows:
            if row.contact_id in names:
                name = names[row.contact_id]
                found[row.id] = DigestItem(
                    row.id, row.due_at, row.reason, row.suggested_message, name
                )
    return found


def reachable_names(scope: ProjectScope, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the contacts ``ids`` that may still be nudged about (not deleted or DNC)."""
    if not ids:
        return {}
    stmt = select(Contact.id, Contact.display_name).where(
        among(scope.session, Contact.id, ids),
        Contact.project_id == scope.project_id,
        Contact.status != "do_not_contact",
        Contact.deleted_at.is_(None),
    )
    return {row.id: row.display_name for row in scope.session.execute(stmt)}


def draft_digests(
    runtime: Runtime,
    scope: ProjectScope,
    todo: Sequence[tuple[User, list[DigestItem]]],
    now: datetime,
) -> list[Draft]:
    """Each operator's digest text, session and the rows the 24-hour rule calls for."""
    project = scope.session.get(Project, scope.project_id)
    last = last_inbound_by_user(scope, [user.id for user, _ in todo])
    threads = [(user, whatsapp_address(user.phone or "")) for user, _ in todo]
    idle_hours = runtime.settings.session_idle_hours
    chats = get_or_open_sessions(scope, threads, now, idle_hours=idle_hours)
    drafts = []
    for user, items in todo:
        body = digest_text(user, items, operator_tz(user, project))
        draft = Draft(user, items, chats[user.id], body)
        plan_rows(draft, in_window(last[user.id], now), runtime.settings.twilio_nudge_content_sid)
        drafts.append(draft)
    return drafts


def plan_rows(draft: Draft, window_open: bool, content_sid: str | None) -> None:
    """Set the draft's mode and the messages it sends now and keeps waiting."""
    message = functools.partial(
        Outgoing, draft.user.phone or "", user_id=draft.user.id, session_id=draft.chat.id
    )
    if window_open:
        draft.mode, draft.send = "text", [message(draft.body)]
        return
    draft.wait = [message(draft.body, status="deferred")]
    if not content_sid:
        draft.mode = "deferred"
        return
    variables = template_variables(draft.user, draft.items)
    # What the approved template reads, stored so the admin pages show what was sent.
    notice = (
        f"{variables['1']}, follow-ups due: {variables['2']} ({variables['3']}). Reply to see them."
    )
    draft.mode = "template"
    draft.send = [message(notice, content_sid=content_sid, content_variables=variables)]


def _prepared(drafts: Sequence[Draft], recorded: Iterator[list[Message]]) -> list[PreparedDigest]:
    """Pair each draft with its recorded rows (``recorded`` follows ``wait + send`` order)."""
    prepared = []
    for draft in drafts:
        waiting = [row for _ in draft.wait for row in next(recorded)]
        to_send = [row for _ in draft.send for row in next(recorded)]
        ids = [item.followup_id for item in draft.items]
        digest = SentDigest(draft.user.id, draft.user.full_name, ids, draft.mode, draft.body)
        prepared.append(PreparedDigest(digest, to_send, waiting))
    return prepared


def mark_nudged(
    scope: ProjectScope, token: str, now: datetime, prepared: Sequence[PreparedDigest]
) -> None:
    """Stamp ``nudged_at`` and the digest's first row on every follow-up it lists.

    One ``UPDATE`` run for the whole group (``executemany``), by primary key and only
    while this run's claim holds: on PostgreSQL once per digest, its ids as one array;
    SQLite has no arrays, so there once per follow-up. (An ``UPDATE … FROM (VALUES …)``
    was slower on both: compiled anew each time on SQLite, and planned as a scan of the
    follow-ups per value on PostgreSQL.)
    """
    table = table_of(Followup)
    arrays = takes_arrays(scope.session)
    listed = any_(id_array("ids")) if arrays else bindparam("ids")
    stmt = (
        update(table)
        .where(
            table.c.id == listed,
            table.c.project_id == scope.project_id,
            table.c.nudge_claimed_by == token,
        )
        .values(nudged_at=now, nudge_message_id=bindparam("message_id"))
    )
    params = [
        {"ids": ids, "message_id": (p.to_send or p.waiting)[0].id}
        for p in prepared
        for ids in ([p.digest.followup_ids] if arrays else p.digest.followup_ids)
    ]
    scope.session.execute(stmt, params)


def _list_in_session(
    scope: ProjectScope, draft: Draft, ids: list[uuid.UUID], now: datetime
) -> None:
    """The digest's ids go to the operator's session; ``followup.nudged`` is recorded."""
    state = SessionState.load(draft.chat.state_json)
    # The digest shows the first page; ``more`` pages through the rest, as after ``due``.
    state.nudge_followup_ids, state.more_followup_ids = ids[:DUE_PAGE], ids[DUE_PAGE:]
    draft.chat.state_json = state.dump()
    event = scope.emit(
        "followup.nudged",
        user_id=draft.user.id,
        followup_ids=[str(i) for i in ids],
        mode=draft.mode,
    )
    event.timestamp = now
