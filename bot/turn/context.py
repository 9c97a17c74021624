"""The seam between the message pipeline and the planners.

:func:`bot.turn.run.run_turn` builds a :class:`TurnContext` for each inbound message
(inside a short database transaction) and calls :func:`bot.turn.router.route`, which
returns a :class:`Reply` — or, when the model must be asked, a :class:`NetworkStep`
that ``run_turn`` runs with no transaction open. The rules planner and the LLM loop both
sit behind that call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.models import ChatSession, Message, Project, User
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.state import SessionState

#: Re-reads the turn's inbound message in a transaction. The worker's version also checks
#: that it still holds the message's claim (and renews the lease); ``None`` means the
#: message is no longer this turn's to answer.
MessageLoader = Callable[[Session, uuid.UUID], Message | None]


def load_message(session: Session, message_id: uuid.UUID) -> Message | None:
    """The plain :data:`MessageLoader`, for turns run outside the queue (tests, eval)."""
    return session.get(Message, message_id)


class ClaimLost(RuntimeError):
    """The worker's lease ran out during the turn and another worker took the message."""


@dataclass
class TurnContext:
    """Everything a planner may use to answer one operator message.

    ``scope`` is bound to the operator's project with actor ``user:<id>`` and
    ``turn_id`` = the inbound message id, so every write is audited and undoable.
    ``load_message`` re-reads the message in later transactions of the same turn.
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
    load_message: MessageLoader = load_message


@dataclass
class Reply:
    """What the bot answers; ``prompt_type`` tags it for feedback (next|due|start|stats|free).

    ``then`` holds messages sent after ``text``, each on its own (a draft for a donor
    that did not fit beside the reply, see :mod:`bot.engine.draft_messages`).
    """

    text: str
    prompt_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    then: list[str] = field(default_factory=list)


class NetworkStep(Protocol):
    """The part of a turn that waits on the network (the model), returned by a planner.

    ``run_turn`` commits what the turn did so far, calls :meth:`prepare` in a read-only
    transaction, :meth:`run` with no transaction open (it opens short ones of its own for
    its writes), then :meth:`finish` inside the turn's last transaction, which also
    stores the reply.
    """

    #: A line the router puts in front of the step's reply (a dropped read-back, say).
    note: str

    def prepare(self, ctx: TurnContext) -> None:
        """Read what :meth:`run` needs (``ctx`` is in a read-only transaction)."""
        ...

    def run(self) -> None:
        """Talk to the network; raise :class:`ClaimLost` if the message is no longer ours."""
        ...

    def finish(self, ctx: TurnContext) -> Reply:
        """Settle the step's bookkeeping in ``ctx``'s transaction and return the reply."""
        ...


#: What a planner returns: the reply, or the network step that will produce it.
Answer = Reply | NetworkStep
