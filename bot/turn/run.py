"""Running one operator turn: session, state, planner, and the reply recorded for sending."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.models import ChatSession, Message, Project, User
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext
from bot.turn.files import has_images
from bot.turn.sessions import get_or_open_session
from bot.turn.state import SessionState
from bot.whatsapp.media import Fetched, save_inbound_media
from bot.whatsapp.sender import record_outbound

#: Sent when a planner returns nothing, so every message still gets exactly one reply.
EMPTY_REPLY = "Noted."


def run_turn(
    runtime: Runtime,
    scope: ProjectScope,
    project: Project,
    user: User,
    message: Message,
    handler: Callable[[TurnContext], Reply],
    fetched: list[Fetched] | None = None,
) -> Reply:
    """Build the :class:`TurnContext`, call ``handler`` and record the reply as pending rows.

    Runs inside the caller's transaction: the session state, whatever the planner wrote
    and the reply rows are committed together or not at all.
    """
    now = runtime.clock.now()
    chat = _session_for(runtime, scope, user, message, now)
    state = SessionState.load(chat.state_json)
    text = message.body
    notes = _save_media(runtime, scope, message, state, fetched)
    ctx = TurnContext(
        runtime=runtime,
        scope=scope,
        project=project,
        user=user,
        chat=chat,
        state=state,
        message=message,
        text=text,
        now=now,
    )
    # A photo without a caption still goes to the planner: it may be a payment proof.
    answered = text.strip() or not notes or has_images(message)
    reply = handler(ctx) if answered else Reply(text="")
    state.last_turn_id = message.id
    if reply.prompt_type:
        state.last_prompt_type = reply.prompt_type
    chat.state_json = state.dump()
    chat.last_activity_at = now
    body = "\n\n".join(part for part in (*notes, reply.text) if part.strip()) or EMPTY_REPLY
    record_outbound(
        scope,
        user.phone or message.from_number,
        body,
        now=now,
        user_id=user.id,
        session_id=chat.id,
        reply_to_id=message.id,
    )
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
    return chat


def _save_media(
    runtime: Runtime,
    scope: ProjectScope,
    message: Message,
    state: SessionState,
    fetched: list[Fetched] | None,
) -> list[str]:
    """Store the message's files; one note per file for the reply."""
    if not message.media_json:
        return []
    return save_inbound_media(runtime, scope, message, state, fetched)
