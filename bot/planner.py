"""Routes an operator's message: commands to the rules planner, free text to the model."""

from __future__ import annotations

from bot.engine.commands import did_you_mean, execute, parse_command
from bot.engine.session_commands import HELP
from bot.engine.timezones import operator_tz
from bot.turns import Reply, TurnContext

#: Kept for callers that show the command list.
HELP_TEXT = HELP


def handle_turn(ctx: TurnContext) -> Reply:
    """Answer one operator message.

    Commands (including malformed ones, which get a specific "did you mean") are
    answered by the engine at once and for free. Anything else is free text.
    """
    command = parse_command(ctx.text, ctx.now, operator_tz(ctx.user, ctx.project))
    if command is not None and command.name != "invalid":
        return execute(ctx, command)
    # -- LLM branch point: the agent area routes free text (and malformed commands)
    # to bot.agent.loop.run_agent_turn(ctx) here when settings.anthropic_api_key is set.
    if command is not None:
        return execute(ctx, command)
    return did_you_mean(ctx.text)
