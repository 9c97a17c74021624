"""The model's tool calls, each in a short database transaction of its own.

A model turn holds no transaction while it waits for the model, so its tool calls cannot
share the turn's: each ``tool_use`` block runs in a fresh unit of work with a fresh
:class:`~tools.base.ToolContext` (actor ``agent:<session>``, ``turn_id`` = the inbound
message, so ``undo`` still reverts the whole turn) and commits at once — or rolls back,
when the call failed, so a half-done call leaves nothing behind. Each transaction first
re-reads the inbound message through the turn's loader: the worker's checks that it
still holds the claim (and renews its lease), so a turn taken over by another worker
stops writing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.engine.risk import Limits
from bot.models import ChatSession, Project, User
from bot.runtime import Runtime
from bot.turn.context import ClaimLost, MessageLoader, TurnContext
from bot.turn.state import SessionState
from tools import REGISTRY, ToolCall, ToolContext
from tools.base import AuditKeyedScope
from tools.memory_port import memory_for


@dataclass
class ToolRunner:
    """What a turn's tool calls need, read once in the turn's first transaction."""

    runtime: Runtime
    project_id: uuid.UUID
    user_id: uuid.UUID
    chat_id: uuid.UUID
    message_id: uuid.UUID
    state: SessionState
    now: datetime
    loader: MessageLoader
    read_only: bool
    operator_words: list[str] = field(default_factory=list)

    @classmethod
    def for_turn(cls, ctx: TurnContext, operator_words: list[str]) -> ToolRunner:
        return cls(
            runtime=ctx.runtime,
            project_id=ctx.project.id,
            user_id=ctx.user.id,
            chat_id=ctx.chat.id,
            message_id=ctx.message.id,
            state=ctx.state,
            now=ctx.now,
            loader=ctx.load_message,
            read_only=ctx.user.role == "GUEST",
            operator_words=operator_words,
        )

    def run(self, name: str, tool_input: Any, tool_use_id: str) -> ToolCall:
        """Run one ``tool_use`` block in its own transaction; failures come back as results."""
        with self.runtime.db.session() as session:
            if self.loader(session, self.message_id) is None:
                raise ClaimLost(f"message {self.message_id} was taken over")
            call = REGISTRY.execute(self.context(session), name, tool_input, tool_use_id)
            if call.is_error:
                session.rollback()
        return call

    def context(self, session: Session) -> ToolContext:
        """The tools' view of this turn in ``session``: the operator's project, as the agent."""
        scope = AuditKeyedScope(
            session, self.project_id, actor=f"agent:{self.chat_id}", turn_id=self.message_id
        )
        return ToolContext(
            scope=scope,
            project=_require(session, Project, self.project_id),
            operator=_require(session, User, self.user_id),
            session=_require(session, ChatSession, self.chat_id),
            state=self.state,
            now=self.now,
            db=self.runtime.db,
            memory=memory_for(self.runtime, scope, self.user_id, self.chat_id),
            operator_words=self.operator_words,
            clock=self.runtime.clock,
            limits=Limits.from_settings(self.runtime.settings),
        )


def _require(session: Session, model: Any, row_id: uuid.UUID) -> Any:
    row = session.get(model, row_id)
    if row is None:
        raise LookupError(f"{model.__tablename__} {row_id} disappeared during the turn")
    return row
