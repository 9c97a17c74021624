"""One session as a transcript: each message with the tool and model calls of its turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.admin.pricing import PriceBook
from bot.models import AgentLog, ChatSession, Message, ProviderUsage
from bot.store import ProjectScope

MAX_MESSAGES = 500
MAX_CALLS = 5000  # per kind; the agent-logs page filtered by session shows them all


@dataclass
class Turn:
    """A message; for inbound ones, the tool calls and model calls its turn made."""

    message: Message | None
    tool_calls: list[AgentLog] = field(default_factory=list)
    model_calls: list[tuple[ProviderUsage, Decimal]] = field(default_factory=list)

    @property
    def answered_by(self) -> str | None:
        """``model`` when the turn called the model, ``rules`` (no tokens) otherwise."""
        if self.message is None or self.message.direction != "inbound":
            return None
        return "model" if self.model_calls else "rules"


@dataclass
class Transcript:
    session: ChatSession
    turns: list[Turn]
    truncated: bool
    tokens: int = 0
    cost: Decimal = Decimal(0)
    errors: int = 0


def build_transcript(scope: ProjectScope, chat: ChatSession) -> Transcript:
    """Messages in order, each inbound one followed by its turn's calls.

    A call belongs to the inbound message named by its ``message_id``; calls without one
    (older rows) go to the latest inbound message before them.
    """
    messages = scope.all(
        Message,
        Message.session_id == chat.id,
        order_by=[Message.created_at, Message.id],
        limit=MAX_MESSAGES + 1,
    )
    truncated = len(messages) > MAX_MESSAGES
    messages = messages[:MAX_MESSAGES]
    logs = scope.all(
        AgentLog, AgentLog.session_id == chat.id, order_by=[AgentLog.created_at], limit=MAX_CALLS
    )
    usage = scope.all(
        ProviderUsage,
        ProviderUsage.session_id == chat.id,
        order_by=[ProviderUsage.created_at],
        limit=MAX_CALLS,
    )
    turns = [Turn(m) for m in messages]
    by_id = {t.message.id: t for t in turns if t.message and t.message.direction == "inbound"}
    inbound = [t for t in turns if t.message and t.message.direction == "inbound"]
    orphans = Turn(None)
    prices = PriceBook.load(scope)
    for log in logs:
        _owner(log, by_id, inbound, orphans).tool_calls.append(log)
    for row in usage:
        cost = prices.for_model(row.model).cost(
            row.prompt_tokens, row.completion_tokens, row.cache_read_tokens, row.cache_write_tokens
        )
        _owner(row, by_id, inbound, orphans).model_calls.append((row, cost))
    if orphans.tool_calls or orphans.model_calls:
        turns.insert(0, orphans)
    return Transcript(
        session=chat,
        turns=turns,
        truncated=truncated,
        tokens=sum(u.total_tokens or u.prompt_tokens + u.completion_tokens for u in usage),
        cost=sum((c for t in turns for _, c in t.model_calls), Decimal(0)),
        errors=sum(1 for log in logs if log.status != "ok"),
    )


def _owner(row: Any, by_id: dict[Any, Turn], inbound: list[Turn], orphans: Turn) -> Turn:
    if row.message_id in by_id:
        return by_id[row.message_id]
    before = [t for t in inbound if t.message and t.message.created_at <= row.created_at]
    return before[-1] if before else orphans
