"""The seam between the message pipeline and the planners.

The worker builds a :class:`TurnContext` for each inbound message (inside one database
transaction) and calls :func:`bot.turn.router.route`, which returns a :class:`Reply`.
The rules planner and the LLM loop both sit behind that call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.models import ChatSession, Message, Project, User
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.state import SessionState


@dataclass
class TurnContext:
    """Everything a planner may use to answer one operator message.

    ``scope`` is bound to the operator's project with actor ``user:<id>`` and
    ``turn_id`` = the inbound message id, so every write is audited and undoable.
    """

    runtime: Runtime
    scope: ProjectScope
    project: Project
    user: User
    chat: ChatSession
    state: SessionState
    message: Message
    text: str
    now: datetime


@dataclass
class Reply:
    """What the bot answers; ``prompt_type`` tags it for feedback (next|due|start|stats|free)."""

    text: str
    prompt_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
