"""The tool registry: definitions for the model, validation and safe execution.

The caller runs each call in a short transaction of its own and rolls it back when the
call failed (:attr:`ToolCall.is_error`), so a tool that fails halfway leaves nothing
behind while the turn goes on. Write tools stamp their audit rows with the idempotency
key ``<turn id>:<tool_use id>``; a call whose key is already in ``audit_log`` (and was not
reverted since) is not run again — its recorded result is returned instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.engine.records import OutcomeError
from bot.models import AgentLog, AuditLog
from bot.store import NotFound
from tools.base import Tool, ToolContext, ToolRefused

if TYPE_CHECKING:  # the SDK's types take seconds to import; only the type checker needs them
    from anthropic.types import ToolResultBlockParam

log = logging.getLogger(__name__)

MAX_RESULT_CHARS = 4000


def compact_json(value: Any) -> str:
    """Compact JSON for tool results (dates, UUIDs and decimals as strings)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass
class ToolCall:
    """The outcome of one ``tool_use`` block, ready for ``agent_logs`` and the model."""

    tool_use_id: str
    name: str
    input: dict[str, Any]
    status: str  # ok | error | refused
    content: str
    error: str | None = None
    elapsed_ms: int = 0
    replayed: bool = False
    #: What the tool returned (before it became ``content``); ``None`` for a failed call.
    result: Any = None

    @property
    def is_error(self) -> bool:
        return self.status != "ok"

    def block(self) -> ToolResultBlockParam:
        """The ``tool_result`` content block for the next request."""
        result: ToolResultBlockParam = {
            "type": "tool_result",
            "tool_use_id": self.tool_use_id,
            "content": self.content,
        }
        if self.is_error:
            result["is_error"] = True
        return result


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "input"
        parts.append(f"{where}: {err['msg']}")
    return "invalid input: " + "; ".join(parts)


class ToolRegistry:
    """The tools the model may call, by name, in a stable order."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {t.name: t for t in tools}

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def definitions(self, *, read_only: bool = False) -> list[dict[str, Any]]:
        """Tool definitions for the Messages API; GUEST operators get read tools only."""
        return [t.definition() for t in self._tools.values() if not (read_only and t.writes)]

    def execute(self, ctx: ToolContext, name: str, raw_input: Any, tool_use_id: str) -> ToolCall:
        """Validate and run one tool call; every failure becomes an error result."""
        started = time.monotonic()
        call = ToolCall(
            tool_use_id, name, raw_input if isinstance(raw_input, dict) else {}, "ok", ""
        )
        try:
            call.result = self._run(ctx, name, raw_input, tool_use_id, call)
            call.content = compact_json(call.result)
        except (ToolRefused, OutcomeError, NotFound, PermissionError) as exc:
            call.status, call.error = "refused", str(exc)
        except ValidationError as exc:
            call.status, call.error = "error", _validation_message(exc)
        except Exception as exc:  # a tool bug must not end the turn; the model is told
            log.exception("tool %s failed", name)
            call.status, call.error = "error", f"{type(exc).__name__}: {exc}"
        finally:
            ctx.scope.idempotency_key = None
        if call.is_error:
            call.content, call.result = f"{call.status}: {call.error}", None
        call.content = call.content[:MAX_RESULT_CHARS]
        call.elapsed_ms = int((time.monotonic() - started) * 1000)
        return call

    def _run(
        self, ctx: ToolContext, name: str, raw_input: Any, tool_use_id: str, call: ToolCall
    ) -> Any:
        tool = self._tools.get(name)
        if tool is None:
            raise ToolRefused(f"unknown tool {name!r}; available: {', '.join(self.names)}")
        if tool.writes and ctx.read_only:
            raise ToolRefused(f"{name} changes records; this operator has read-only access")
        args = tool.input_model.model_validate(raw_input)
        if tool.writes:
            key = f"{ctx.scope.turn_id}:{tool_use_id}"
            previous = self._previous_result(ctx, key, tool_use_id)
            if previous is not None:
                call.replayed = True
                return previous
            ctx.scope.idempotency_key = key
        return tool.run(ctx, args)

    @staticmethod
    def _previous_result(ctx: ToolContext, key: str, tool_use_id: str) -> Any:
        """The recorded result of a write already made under ``key`` and still standing."""
        made = ctx.scope.first(
            AuditLog, AuditLog.idempotency_key == key, AuditLog.reverted_at.is_(None)
        )
        if made is None:
            return None
        logged = ctx.scope.first(
            AgentLog,
            AgentLog.message_id == ctx.scope.turn_id,
            AgentLog.tool_use_id == tool_use_id,
            AgentLog.status == "ok",
        )
        return {"already_done": True, "result": logged.result if logged else None}
