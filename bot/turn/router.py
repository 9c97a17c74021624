"""Routes an operator's message: commands to the rules planner, free text to the model."""

from __future__ import annotations

from bot.engine.commands import did_you_mean, execute, parse_command
from bot.engine.timezones import operator_tz
from bot.turn.context import Answer, TurnContext
from bot.turn.feedback import parse_feedback, record_feedback


def route(ctx: TurnContext) -> Answer:
    """Answer one operator message (or hand back the model turn that will answer it).

    Commands (including malformed ones, which get a specific "did you mean") are
    answered by the engine at once and for free, and so is feedback on the last draft
    (👍, 👎, "too long", "wrong tone"). Anything else is free text: the model takes it
    when ``ANTHROPIC_API_KEY`` is set — returned as an :class:`~bot.agent.loop.AgentTurn`
    that :func:`bot.turn.run.run_turn` runs with no database transaction open — else the
    engine's "did you mean" answers.
    """
    feedback = parse_feedback(ctx.text)
    if feedback is not None:
        return record_feedback(ctx, *feedback)
    command = parse_command(ctx.text, ctx.now, operator_tz(ctx.user, ctx.project))
    if command is not None and command.name != "invalid":
        return execute(ctx, command)
    if ctx.runtime.settings.anthropic_api_key:
        # Imported here so the rules path never loads the SDK.
        from bot.agent.loop import start_agent_turn

        return start_agent_turn(ctx)
    if command is not None:
        return execute(ctx, command)
    return did_you_mean(ctx.text)
