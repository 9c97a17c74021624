"""Running one operator turn: session, state, planner, and the reply recorded for sending.

:func:`run_turn` is the only place a :class:`~bot.turn.context.TurnContext` is built —
the worker, ``calltime eval``, the benchmarks and the tests all go through it, so they
measure the same thing production does.

No database transaction is open while the model is asked (``docs/architecture.md``):

1. a short transaction reads the message, operator, project, session and state, saves
   the message's files and calls the planner. A command (rules planner) is answered
   right there: its writes, the session state and the reply rows commit together.
2. For free text the planner returns a :class:`~bot.turn.context.NetworkStep`; the
   first transaction commits, the step reads its prompt in a read-only one (no write
   lock on SQLite) and calls the model with none open, running each tool call in a
   short transaction of its own (audited with the turn's id).
3. A last short transaction writes the usage rows, the session state and the reply.

A turn that does not get to step 3 (the model failed midway, the worker died) has its
writes reverted by the ``undo`` machinery (:func:`bot.engine.undo.revert_turn`), at once
or when the message is tried again, so a retried message never writes twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.engine.undo import revert_turn
from bot.models import ChatSession, Message, Project, User
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import (
    Answer,
    ClaimLost,
    MessageLoader,
    Reply,
    TurnContext,
    load_message,
)
from bot.turn.files import has_images
from bot.turn.router import route
from bot.turn.sessions import get_or_open_session
from bot.turn.state import SessionState
from bot.whatsapp.media import Fetched, save_inbound_media
from bot.whatsapp.outbound import pending_replies, record_outbound
from bot.whatsapp.queue import first_attempt

log = logging.getLogger(__name__)

#: Called with the turn's context and reply in the transaction that records the reply.
Recorded = Callable[[TurnContext, Reply], None]

#: Sent when a planner returns nothing, so every message still gets exactly one reply.
EMPTY_REPLY = "Noted."


def run_turn(
    runtime: Runtime,
    message_id: uuid.UUID,
    handler: Callable[[TurnContext], Answer] = route,
    fetched: list[Fetched] | None = None,
    *,
    loader: MessageLoader = load_message,
    on_recorded: Recorded | None = None,
) -> Reply | None:
    """Answer the inbound message ``message_id`` and record the reply as ``pending`` rows.

    Args:
        runtime: settings, database, clock and clients.
        message_id: an inbound message of an active operator.
        handler: the planner (default :func:`bot.turn.router.route`).
        fetched: the message's files, downloaded before any transaction opened.
        loader: re-reads the message in each transaction; the worker's checks that it
            still holds the claim.
        on_recorded: called in the transaction that records the reply, before it
            commits; the worker holds the rows to send there, so that takes no
            transaction of its own.

    Returns:
        The reply, or ``None`` when ``loader`` found the message taken over.
    """
    with runtime.db.session() as session:
        ctx = _context(runtime, session, message_id, loader)
        if ctx is None:
            return None
        if not first_attempt(ctx.message):  # else there is no earlier attempt to undo
            discard_unfinished(ctx.scope, ctx.message, ctx.now)
        notes = _save_media(runtime, ctx, fetched)
        # A photo without a caption still goes to the planner: it may be a payment proof.
        answered = ctx.text.strip() or not notes or has_images(ctx.message)
        answer = handler(ctx) if answered else Reply(text="")
        if isinstance(answer, Reply):
            return _record(ctx, answer, notes, on_recorded)
    # The planner needs the network: the transaction above is closed, none is open now.
    try:
        with runtime.db.session(read_only=True) as session:
            ready = _context(runtime, session, message_id, loader, resume=ctx, read_only=True)
            if ready is None:
                raise ClaimLost(f"message {message_id} was taken over")
            answer.prepare(ready)
        answer.run()
        with runtime.db.session() as session:
            final = _context(runtime, session, message_id, loader, resume=ctx)
            if final is None:
                raise ClaimLost(f"message {message_id} was taken over")
            return _record(final, answer.finish(final), notes, on_recorded)
    except ClaimLost:
        log.warning("message %s was taken over during its model turn", message_id)
        return None
    except BaseException:
        _discard_attempt(runtime, message_id, loader, ctx.now)
        raise


def discard_unfinished(scope: ProjectScope, message: Message, now: datetime) -> None:
    """Revert what an earlier, unfinished attempt at ``message`` wrote (no reply recorded).

    A model turn commits its tool calls as it goes; if its worker died before recording
    the reply, those writes are still there when the message is tried again. A message
    on its first attempt has nothing to undo (:func:`bot.whatsapp.queue.first_attempt`),
    and :func:`run_turn` skips the look then.
    """
    if pending_replies(scope, message.id):
        return
    reverted = revert_turn(_as_turn(scope, message.id), message.id, now)
    if reverted:
        log.warning("reverted an unfinished attempt at message %s: %s", message.id, reverted)


def _as_turn(scope: ProjectScope, turn_id: uuid.UUID) -> ProjectScope:
    return ProjectScope(scope.session, scope.project_id, actor=scope.actor, turn_id=turn_id)


def _discard_attempt(
    runtime: Runtime, message_id: uuid.UUID, loader: MessageLoader, now: datetime
) -> None:
    """Best effort: revert a failed attempt now (else the next attempt does it first)."""
    try:
        with runtime.db.session() as session:
            message = loader(session, message_id)
            if message is not None:
                scope = ProjectScope(session, message.project_id, actor="system:worker")
                discard_unfinished(scope, message, now)
    except Exception:
        log.exception("could not revert the failed attempt at message %s", message_id)


def _context(
    runtime: Runtime,
    session: Session,
    message_id: uuid.UUID,
    loader: MessageLoader,
    resume: TurnContext | None = None,
    read_only: bool = False,
) -> TurnContext | None:
    """The turn's context in ``session``; ``resume`` carries the state and time of step 1.

    ``read_only`` reads the message without ``loader`` (whose claim check writes); the
    context still carries ``loader`` for the turn's later transactions.
    """
    message = load_message(session, message_id) if read_only else loader(session, message_id)
    if message is None:
        return None
    project = session.get(Project, message.project_id)
    user = session.get(User, message.user_id)
    if project is None or user is None:
        raise LookupError(f"message {message_id} has no project or operator")
    scope = ProjectScope(session, project.id, actor=f"user:{user.id}", turn_id=message.id)
    if resume is None:
        now = runtime.clock.now()
        chat = _session_for(runtime, scope, user, message, now)
        state = SessionState.load(chat.state_json)
    else:
        now, state = resume.now, resume.state
        chat = scope.require(ChatSession, resume.chat.id)
    return TurnContext(
        runtime=runtime,
        scope=scope,
        project=project,
        user=user,
        chat=chat,
        state=state,
        message=message,
        text=message.body,
        now=now,
        load_message=loader,
    )


def _record(
    ctx: TurnContext, reply: Reply, notes: list[str], on_recorded: Recorded | None
) -> Reply:
    """Save the session state and store the reply (and its ``then`` messages) as
    ``pending`` outbound rows, in order; then ``on_recorded``, in the same transaction.

    A reply that says the turn failed (the model could not be reached) also leaves its
    error on the inbound message, for the admin pages.
    """
    if reply.meta.get("failed"):
        ctx.message.error_message = str(reply.meta.get("error") or "failed")[:1000]
    state = ctx.state
    state.last_turn_id = ctx.message.id
    if reply.prompt_type:
        state.last_prompt_type = reply.prompt_type
    ctx.chat.state_json = state.dump()
    ctx.chat.last_activity_at = ctx.now
    body = "\n\n".join(part for part in (*notes, reply.text) if part.strip()) or EMPTY_REPLY
    for text in (body, *(part for part in reply.then if part.strip())):
        record_outbound(
            ctx.scope,
            ctx.user.phone or ctx.message.from_number,
            text,
            now=ctx.now,
            user_id=ctx.user.id,
            session_id=ctx.chat.id,
            reply_to_id=ctx.message.id,
        )
    if on_recorded is not None:
        on_recorded(ctx, reply)
    return reply


def _session_for(
    runtime: Runtime, scope: ProjectScope, user: User, message: Message, now: datetime
) -> ChatSession:
    chat = get_or_open_session(
        scope,
        user,
        whatsapp_address(message.from_number),
        now,
        idle_hours=runtime.settings.session_idle_hours,
    )
    message.session_id = chat.id
    # Marked active now, not only when the reply is stored, so the idle sweep cannot
    # close the session while its model turn is running.
    chat.last_activity_at = max(chat.last_activity_at, now)
    return chat


def _save_media(runtime: Runtime, ctx: TurnContext, fetched: list[Fetched] | None) -> list[str]:
    """Store the message's files; one note per file for the reply."""
    if not ctx.message.media_json:
        return []
    if fetched is None:  # downloading here would hold the transaction open meanwhile
        raise ValueError(f"message {ctx.message.id}: download its files before the turn")
    return save_inbound_media(runtime, ctx.scope, ctx.message, ctx.state, fetched)
