"""The LLM tool loop: free text from an operator becomes records through the tools.

One turn = up to :data:`MAX_ROUNDS` Messages API calls. Each answer's ``tool_use``
blocks run in order through :data:`tools.REGISTRY`; failures go back to the model as
``is_error`` results. The turn's writes sit in one SAVEPOINT: if the model becomes
unreachable (after the SDK's own retries) they are rolled back, the operator gets a
fallback reply, and :class:`Reply` ``meta`` says ``failed``/``retriable`` so the worker
marks the message for a retry — which therefore never writes twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import anthropic

from bot.agent.accounting import PROVIDER, TurnLedger
from bot.agent.client import anthropic_client
from bot.agent.prompt import conversation, operator_words, system_blocks, tool_definitions
from bot.engine.risk import Limits
from bot.turn.context import Reply, TurnContext
from tools import REGISTRY, ToolContext
from tools.base import AuditKeyedScope
from tools.memory_port import memory_for

MAX_ROUNDS = 6
#: No new round starts after this many seconds, so a turn ends well inside the worker's
#: 300-second lease even when the SDK had to retry slow calls.
TURN_BUDGET_SECONDS = 150.0
MAX_TOKENS = 1024
MAX_REPLY_CHARS = 600
COMMANDS_HINT = "Commands still work: next, due, stats, undo, help."


class ProviderFailure(Exception):
    """The model could not be reached or refused the request (after SDK retries)."""

    def __init__(self, what: str, retriable: bool) -> None:
        super().__init__(what)
        self.what = what
        self.retriable = retriable


@dataclass
class TurnResult:
    text: str
    rounds: int
    capped: bool = False


def clip(text: str, limit: int = MAX_REPLY_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def build_tool_context(ctx: TurnContext) -> ToolContext:
    """The tools' view of this turn: the operator's project, acting as ``agent:<session>``."""
    scope = AuditKeyedScope(
        ctx.scope.session, ctx.project.id, actor=f"agent:{ctx.chat.id}", turn_id=ctx.message.id
    )
    return ToolContext(
        scope=scope,
        project=ctx.project,
        operator=ctx.user,
        session=ctx.chat,
        state=ctx.state,
        now=ctx.now,
        db=ctx.runtime.db,
        memory=memory_for(ctx.runtime, scope, ctx.user.id, ctx.chat.id),
        operator_words=operator_words(ctx),
        clock=ctx.runtime.clock,
        limits=Limits.from_settings(ctx.runtime.settings),
    )


def run_agent_turn(ctx: TurnContext) -> Reply:
    """Answer one free-text operator message with the model and the tools."""
    model = ctx.runtime.settings.llm_model
    ledger = TurnLedger(ctx, model)
    tool_ctx = build_tool_context(ctx)
    request = {
        "model": model,
        "max_tokens": MAX_TOKENS,
        "system": system_blocks(ctx),
        "tools": tool_definitions(tool_ctx.read_only),
    }
    savepoint = ctx.scope.session.begin_nested()
    try:
        result = _rounds(ctx, request, conversation(ctx), tool_ctx, ledger)
    except ProviderFailure as failure:
        savepoint.rollback()
        ledger.mark_rolled_back(failure.what)
        ledger.flush()
        return _fallback(failure, ledger, model)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    ledger.flush()
    meta = {"provider": PROVIDER, "model": model, "rounds": result.rounds, **ledger.totals}
    if result.capped:
        meta["round_cap"] = True
    return Reply(text=clip(result.text), prompt_type="free", meta=meta)


def _fallback(failure: ProviderFailure, ledger: TurnLedger, model: str) -> Reply:
    text = (
        f"Sorry, {failure.what}, so I could not handle that message and nothing from it "
        f"was saved. {'I will retry it shortly. ' if failure.retriable else ''}{COMMANDS_HINT}"
    )
    meta = {
        "provider": PROVIDER,
        "model": model,
        "failed": True,
        "retriable": failure.retriable,
        "error": failure.what,
        **ledger.totals,
    }
    return Reply(text=clip(text), prompt_type=None, meta=meta)


def _rounds(
    ctx: TurnContext,
    request: dict[str, Any],
    messages: list[dict[str, Any]],
    tool_ctx: ToolContext,
    ledger: TurnLedger,
) -> TurnResult:
    said = ""
    deadline = time.monotonic() + TURN_BUDGET_SECONDS
    for round_no in range(1, MAX_ROUNDS + 1):
        if round_no > 1 and time.monotonic() > deadline:
            return TurnResult(_capped_text(said, ledger, round_no - 1), round_no - 1, True)
        response = _call_model(ctx, request, messages, ledger, round_no)
        messages.append({"role": "assistant", "content": [_echo(b) for b in response.content]})
        text = "\n".join(b.text for b in response.content if b.type == "text").strip()
        said = text or said
        uses = [b for b in response.content if b.type == "tool_use"]
        if not uses:
            return TurnResult(text or "Done.", round_no)
        results = []
        for use in uses:
            call = REGISTRY.execute(tool_ctx, use.name, use.input, use.id)
            ledger.tool_call(call)
            results.append(call.block())
        messages.append({"role": "user", "content": results})
    return TurnResult(_capped_text(said, ledger, MAX_ROUNDS), MAX_ROUNDS, capped=True)


def _capped_text(said: str, ledger: TurnLedger, rounds: int) -> str:
    done = [row.action for row in ledger.calls if row.status == "ok"]
    summary = ", ".join(done[-6:]) if done else "nothing"
    return (
        f"I stopped after {rounds} steps without finishing. Done so far: {summary}. "
        "Send 'undo' to revert, or say it more simply." + (f"\n{said}" if said else "")
    )


def _echo(block: Any) -> dict[str, Any]:
    """An answer's content block as it must be sent back in the next request."""
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return block.model_dump(exclude_none=True)  # type: ignore[no-any-return]


def _call_model(
    ctx: TurnContext,
    request: dict[str, Any],
    messages: list[dict[str, Any]],
    ledger: TurnLedger,
    round_no: int,
) -> Any:
    started = time.monotonic()
    try:
        response = anthropic_client(ctx.runtime).messages.create(**request, messages=messages)
    except anthropic.APIError as exc:
        failure = _describe(exc)
        ledger.model_call(
            round_no,
            request_id=getattr(exc, "request_id", None),
            latency_ms=_ms(started),
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        raise failure from exc
    ledger.model_call(
        round_no,
        response=response,
        request_id=getattr(response, "_request_id", None),
        latency_ms=_ms(started),
    )
    return response


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(exc: anthropic.APIError) -> ProviderFailure:
    """What to tell the operator, and whether a retry later can help."""
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderFailure("the AI service timed out", True)
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderFailure("I could not reach the AI service", True)
    status = getattr(exc, "status_code", 0)
    if status == 529:
        return ProviderFailure("the AI service is overloaded", True)
    if status == 429:
        return ProviderFailure("the AI service is rate-limiting us", True)
    if status >= 500:
        return ProviderFailure("the AI service had an error", True)
    if status in (401, 403):
        return ProviderFailure("the AI service rejected our API key", False)
    return ProviderFailure("the AI service refused the request", False)
