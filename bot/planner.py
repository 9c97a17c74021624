"""Routes an operator's message: commands to the rules planner, free text to the model."""

from __future__ import annotations

from bot.turns import Reply, TurnContext

HELP_TEXT = (
    "Calltime commands:\n"
    "start – begin call time\n"
    "next – who to call now, with a draft\n"
    "due – follow-ups due\n"
    "stats – today against the goal\n"
    "undo – revert your last change\n"
    "help – this list"
)


def handle_turn(ctx: TurnContext) -> Reply:
    """Answer one operator message."""
    return Reply(text=HELP_TEXT, prompt_type=None)
