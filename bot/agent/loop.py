"""The LLM tool loop: free text from an operator becomes records through the tools.

One turn = up to :data:`MAX_ROUNDS` Messages API calls. Each answer's ``tool_use``
blocks run in order through :data:`tools.REGISTRY`; failures go back to the model as
``is_error`` results.

No database transaction is open while the model is asked (``docs/architecture.md``).
:func:`start_agent_turn` (the router's answer to free text) returns an
:class:`AgentTurn`; :func:`bot.turn.run.run_turn` commits the turn's first transaction,
lets :meth:`AgentTurn.prepare` read the prompt in a read-only one, calls
:meth:`AgentTurn.run` with no transaction open — each tool call commits in a short
transaction of its own (:mod:`bot.agent.tool_calls`) — and then :meth:`AgentTurn.finish`
in the turn's last transaction. If the model becomes unreachable midway (after the SDK's
own retries), ``finish`` reverts what the turn's tool calls wrote with the ``undo``
machinery, the operator gets a fallback reply that says nothing was saved and asks them
to send it again, and :class:`Reply` ``meta`` says ``failed`` so the worker settles the
message as ``failed``. Nothing is retried behind the operator's back: a record written
minutes later, after they were told nothing was saved, could land on whichever contact
they have moved on to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import anthropic
from anthropic.types import (
    ContentBlock,
    ContentBlockParam,
    Message,
    MessageParam,
    TextBlock,
    ToolUseBlock,
)

from bot.agent.accounting import PROVIDER, TurnLedger
from bot.agent.client import anthropic_client
from bot.agent.prompt import conversation, operator_words, system_blocks, tool_definitions
from bot.agent.tool_calls import ToolRunner
from bot.engine.confirm import with_read_back
from bot.engine.draft_messages import with_draft
from bot.engine.drafts import Draft
from bot.engine.undo import revert_turn
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext

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


def warm_up(runtime: Runtime) -> None:
    """Build the client and the tool definitions before the first turn needs them."""
    anthropic_client(runtime)
    tool_definitions(read_only=False)
    tool_definitions(read_only=True)


def start_agent_turn(ctx: TurnContext) -> AgentTurn:
    """The model turn for ``ctx``'s message (the router's answer to free text)."""
    return AgentTurn(ctx.runtime)


@dataclass
class AgentTurn:
    """One free-text turn for the model (a :class:`~bot.turn.context.NetworkStep`).

    :meth:`prepare` reads the prompt and the tools' context in a read-only transaction,
    :meth:`run` talks to the model with no transaction open, :meth:`finish` writes the
    bookkeeping in the turn's last transaction.
    """

    runtime: Runtime
    request: dict[str, Any] = field(default_factory=dict)
    messages: list[MessageParam] = field(default_factory=list)
    tools: ToolRunner | None = None
    ledger: TurnLedger | None = None
    result: TurnResult | None = None
    failure: ProviderFailure | None = None
    note: str = ""
    #: Drafts for donors the tools wrote (``"draft"`` in a result), sent after the reply.
    drafts: list[Draft] = field(default_factory=list)

    def prepare(self, ctx: TurnContext) -> None:
        """Read the conversation, the system prompt and what the tools need."""
        model = ctx.runtime.settings.llm_model
        self.tools = ToolRunner.for_turn(ctx, operator_words(ctx))
        self.request = {"model": model, "max_tokens": MAX_TOKENS, "system": system_blocks(ctx)}
        self.messages = conversation(ctx)
        self.ledger = TurnLedger.for_turn(ctx, model)

    def run(self) -> None:
        """Call the model and run its tool calls; no transaction is open meanwhile."""
        assert self.tools is not None, "prepare() first"
        self.request["tools"] = tool_definitions(self.tools.read_only)
        try:
            self.result = self._rounds()
        except ProviderFailure as failure:
            self.failure = failure

    def finish(self, ctx: TurnContext) -> Reply:
        """The reply, after the bookkeeping; a question a tool asked is the reply, verbatim,
        and the drafts the tools wrote for donors follow it.

        The operator must see exactly what ``yes`` would save, so a model's paraphrase of
        a read-back is replaced by it (see :func:`bot.engine.confirm.with_read_back`).
        """
        reply = with_read_back(ctx, self._settle(ctx))
        if self.failure is None:
            # After the read-back: a question replacing the model's words keeps the drafts.
            for draft in dict.fromkeys(self.drafts):  # each once, in the order written
                reply = with_draft(ctx, reply, draft)
        if self.note:
            reply.text = f"{self.note}\n{reply.text}"
        return reply

    def _settle(self, ctx: TurnContext) -> Reply:
        """Write the usage rows (after reverting a failed turn's writes); the reply."""
        assert self.ledger is not None, "prepare() first"
        model = self.request["model"]
        if self.failure is not None:
            # The model is gone midway: what the tool calls committed is reverted as undo
            # would, so "nothing from it was saved" is true and a resend writes once.
            actor = f"agent:{ctx.chat.id}"
            agent = ProjectScope(
                ctx.scope.session, ctx.project.id, actor=actor, turn_id=ctx.message.id
            )
            revert_turn(agent, ctx.message.id, ctx.now, changed_by=actor)
            self.ledger.mark_rolled_back(self.failure.what)
            self.ledger.flush(ctx.scope)
            return _fallback(self.failure, self.ledger, model)
        assert self.result is not None, "run() first"
        self.ledger.flush(ctx.scope)
        meta = {"provider": PROVIDER, "model": model, "rounds": self.result.rounds}
        meta.update(self.ledger.totals)
        if self.result.capped:
            meta["round_cap"] = True
        return Reply(text=clip(self.result.text), prompt_type="free", meta=meta)

    def _rounds(self) -> TurnResult:
        assert self.tools is not None and self.ledger is not None
        said = ""
        deadline = time.monotonic() + TURN_BUDGET_SECONDS
        for round_no in range(1, MAX_ROUNDS + 1):
            if round_no > 1 and time.monotonic() > deadline:
                return TurnResult(_capped_text(said, self.ledger, round_no - 1), round_no - 1, True)
            response = _call_model(self.runtime, self.request, self.messages, self.ledger, round_no)
            content = [_echo(b) for b in response.content]
            self.messages.append({"role": "assistant", "content": content})
            text = "\n".join(b.text for b in response.content if isinstance(b, TextBlock)).strip()
            said = text or said
            uses = [b for b in response.content if isinstance(b, ToolUseBlock)]
            if not uses:
                return TurnResult(text or "Done.", round_no)
            results: list[ContentBlockParam] = []
            for use in uses:
                call = self.tools.run(use.name, use.input, use.id)
                self.ledger.tool_call(call)
                results.append(call.block())
                if isinstance(call.result, dict) and isinstance(call.result.get("draft"), dict):
                    self.drafts.append(Draft.from_result(call.result["draft"]))
            self.messages.append({"role": "user", "content": results})
        return TurnResult(_capped_text(said, self.ledger, MAX_ROUNDS), MAX_ROUNDS, capped=True)


def _fallback(failure: ProviderFailure, ledger: TurnLedger, model: str) -> Reply:
    """The reply when the model failed: what happened, that nothing was kept, what to do.

    It promises nothing the worker does not do: the message is settled ``failed`` and
    not retried, so the operator is asked to send it again (or, when resending cannot
    help, to tell their admin).
    """
    then = "Please send it again in a minute." if failure.retriable else "Please tell your admin."
    text = (
        f"Sorry, {failure.what}, so I could not handle that message and nothing from it "
        f"was saved. {then} {COMMANDS_HINT}"
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


def _capped_text(said: str, ledger: TurnLedger, rounds: int) -> str:
    done = [row.action for row in ledger.calls if row.status == "ok"]
    summary = ", ".join(done[-6:]) if done else "nothing"
    return (
        f"I stopped after {rounds} steps without finishing. Done so far: {summary}. "
        "Send 'undo' to revert, or say it more simply." + (f"\n{said}" if said else "")
    )


def _echo(block: ContentBlock) -> ContentBlockParam | ContentBlock:
    """An answer's content block as it must be sent back in the next request."""
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ToolUseBlock):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return block  # any other kind goes back as the SDK's model, which the SDK serialises


def _call_model(
    runtime: Runtime,
    request: dict[str, Any],
    messages: list[MessageParam],
    ledger: TurnLedger,
    round_no: int,
) -> Message:
    started = time.monotonic()
    try:
        # Without ``stream`` in the request, ``create`` answers with one Message.
        response: Message = anthropic_client(runtime).messages.create(**request, messages=messages)
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
