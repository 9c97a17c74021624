"""Routes an operator's message: commands to the rules planner, free text to the model."""

from __future__ import annotations

from bot.engine.commands import did_you_mean, execute, parse_command, settle_pending
from bot.engine.free_text import answer_report
from bot.engine.timezones import operator_tz
from bot.turn.context import Reply, TurnContext
from bot.turn.feedback import parse_feedback, record_feedback


def route(ctx: TurnContext) -> Reply:
    """Answer one operator message.

    A read-back waiting for ``yes`` is settled first: the message either answers it, or
    drops it (nothing written) and is then handled as usual, its reply saying so.
    Commands (including malformed ones, which get a specific "did you mean") are
    answered by the engine at once and for free, and so is feedback on the last draft
    (👍, 👎, "too long", "wrong tone"). A report in a sentence ("spoke to Anita, pledged
    25k") is read by rules and read back before anything is written. Anything else is
    free text: the model takes it when ``ANTHROPIC_API_KEY`` is set, else the engine's
    "did you mean" answers. ``Reply.meta["engine"]`` says which path answered.
    """
    answer, note = settle_pending(ctx)
    if answer is not None:
        return answer
    reply = _answer(ctx)
    if note:
        reply.text = f"{note}\n{reply.text}"
    return reply


def _answer(ctx: TurnContext) -> Reply:
    feedback = parse_feedback(ctx.text)
    if feedback is not None:
        return record_feedback(ctx, *feedback)
    command = parse_command(ctx.text, ctx.now, operator_tz(ctx.user, ctx.project))
    if command is not None and command.name != "invalid":
        return execute(ctx, command)
    # A report in a sentence is read by rules first (zero tokens); the model takes only
    # what they cannot read.
    report = answer_report(ctx)
    if report is not None:
        return report
    if ctx.runtime.settings.anthropic_api_key:
        # Imported here so the rules path never loads the SDK.
        from bot.agent.loop import run_agent_turn

        return run_agent_turn(ctx)
    if command is not None:
        return execute(ctx, command)
    return did_you_mean(ctx.text)
