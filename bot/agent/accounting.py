"""Accounting for the agent loop: one ``provider_usage`` row per model call and one
``agent_logs`` row per tool call, plus the ``ai.usage.recorded`` / ``ai.tool.error``
events.

Rows are collected during the turn (while no transaction is open) and written in the
turn's last transaction, after a failed turn's writes were reverted, so a failed turn
still leaves its usage behind. They are added to the session directly, not through
:meth:`ProjectScope.insert`: they are bookkeeping, not operator data, and ``undo`` must
not revert them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.models import AgentLog, ProviderUsage
from bot.store import ProjectScope
from bot.turn.context import TurnContext
from tools import ToolCall

AGENT_ID = "calltime_operator"
PROVIDER = "anthropic"


def _usage_counts(usage: Any) -> dict[str, int]:
    prompt = int(getattr(usage, "input_tokens", 0) or 0)
    completion = int(getattr(usage, "output_tokens", 0) or 0)
    cache_read = int(getattr(usage, "cache_read_input_tokens", 0) or 0)
    cache_write = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        # Everything billed: uncached input, cache reads and writes, and output.
        "total_tokens": prompt + completion + cache_read + cache_write,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
    }


@dataclass
class TurnLedger:
    """Usage and tool calls of one agent turn, written by :meth:`flush`."""

    project_id: uuid.UUID
    user_id: uuid.UUID
    session_id: uuid.UUID
    message_id: uuid.UUID
    model: str
    usage: list[ProviderUsage] = field(default_factory=list)
    calls: list[AgentLog] = field(default_factory=list)

    @classmethod
    def for_turn(cls, ctx: TurnContext, model: str) -> TurnLedger:
        return cls(ctx.project.id, ctx.user.id, ctx.chat.id, ctx.message.id, model)

    def model_call(
        self,
        round_no: int,
        *,
        response: Any = None,
        request_id: str | None = None,
        latency_ms: int,
        error: str | None = None,
    ) -> None:
        """Note one Messages API call (answered, or failed after the SDK's retries)."""
        counts = _usage_counts(getattr(response, "usage", None))
        self.usage.append(
            ProviderUsage(
                project_id=self.project_id,
                user_id=self.user_id,
                session_id=self.session_id,
                message_id=self.message_id,
                provider=PROVIDER,
                model=getattr(response, "model", None) or self.model,
                iterations=round_no,
                request_id=request_id,
                latency_ms=latency_ms,
                stop_reason=getattr(response, "stop_reason", None),
                error=error,
                **counts,
            )
        )

    def tool_call(self, call: ToolCall) -> None:
        """Note one tool call with its status and a summary of its result."""
        self.calls.append(
            AgentLog(
                project_id=self.project_id,
                session_id=self.session_id,
                user_id=self.user_id,
                message_id=self.message_id,
                agent_id=AGENT_ID,
                action=call.name,
                tool_use_id=call.tool_use_id,
                input_json=call.input,
                result=call.content[:1000],
                status=call.status,
                execution_time_ms=call.elapsed_ms,
                error=call.error,
            )
        )

    def mark_rolled_back(self, reason: str) -> None:
        """Record on each successful write that the failed turn undid it."""
        for row in self.calls:
            if row.status == "ok":
                row.error = f"rolled back: {reason}"

    @property
    def totals(self) -> dict[str, int]:
        return {
            "model_calls": len(self.usage),
            "tool_calls": len(self.calls),
            "total_tokens": sum(u.total_tokens for u in self.usage),
        }

    def flush(self, scope: ProjectScope) -> None:
        """Write the rows and their events into ``scope``'s unit of work."""
        session = scope.session
        session.add_all([*self.usage, *self.calls])
        session.flush()
        for row in self.usage:
            scope.emit(
                "ai.usage.recorded",
                user_id=self.user_id,
                usage_id=row.id,
                session_id=row.session_id,
                message_id=row.message_id,
                model=row.model,
                total_tokens=row.total_tokens,
                cache_read_tokens=row.cache_read_tokens,
                error=row.error,
            )
        for call in self.calls:
            if call.status != "ok":
                scope.emit(
                    "ai.tool.error",
                    user_id=self.user_id,
                    agent_log_id=call.id,
                    tool=call.action,
                    status=call.status,
                    error=call.error,
                    message_id=call.message_id,
                )
