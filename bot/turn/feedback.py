"""Operator feedback on the last draft or suggestion: 👍, 👎, "too long", "wrong tone".

A rules-path command: it never calls the model. The rating lands in
``rlhf_interactions`` with the prompt type of the reply being rated
(``SessionState.last_prompt_type``) and which provider/model wrote it.
"""

from __future__ import annotations

import re

from bot.agent.accounting import PROVIDER
from bot.models import RlhfInteraction
from bot.models.enums import PROMPT_TYPES
from bot.turn.context import Reply, TurnContext

_PHRASES = {
    "too long": (2, "too long"),
    "wrong tone": (2, "wrong tone"),
    "good draft": (5, None),
    "bad draft": (1, None),
}
_EMOJI = {"👍": 5, "👎": 1}
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")


def parse_feedback(text: str) -> tuple[int, str | None] | None:
    """``(rating 1–5, comment)`` when ``text`` is feedback, else ``None``.

    ``👍``/``👎`` may carry a comment after them (``👎 too formal``).
    """
    cleaned = _SKIN_TONES.sub("", text).strip()
    lowered = cleaned.lower().rstrip(".!")
    if lowered in _PHRASES:
        return _PHRASES[lowered]
    for emoji, rating in _EMOJI.items():
        if cleaned.startswith(emoji):
            rest = cleaned[len(emoji) :].strip(" -:,")
            phrase = _PHRASES.get(rest.lower())
            return (min(rating, phrase[0]) if phrase else rating), (rest or None)
    return None


def record_feedback(ctx: TurnContext, rating: int, comment: str | None) -> Reply:
    """Store the rating for the reply the operator just got; nothing to rate → say so."""
    prompt_type = ctx.state.last_prompt_type
    if prompt_type not in PROMPT_TYPES:
        return Reply(text="Thanks! There is no recent draft or suggestion to rate.")
    by_model = prompt_type == "free"
    ctx.scope.insert(
        RlhfInteraction(
            user_id=ctx.user.id,
            session_id=ctx.chat.id,
            message_id=ctx.message.id,
            prompt_type=prompt_type,
            provider=PROVIDER if by_model else None,
            model=ctx.runtime.settings.llm_model if by_model else "rules",
            rating=rating,
            comment=comment,
            draft=ctx.state.last_draft,
        )
    )
    # One rating per reply: a second 👍 is not counted twice.
    ctx.state.last_prompt_type = None
    thanks = "Thanks, noted." if rating >= 4 else "Thanks, noted — I'll keep it in mind."
    return Reply(text=thanks)
