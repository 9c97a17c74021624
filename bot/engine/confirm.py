"""Read back, then write: the question a risky or interpreted write waits behind.

A command that had to interpret the operator's words (free text, a second pledge, an
implausible amount, a donor chosen long ago) does not write. It calls :func:`ask`, which
stores a :class:`~bot.turn.state.PendingConfirmation` in the session state and returns
the read-back. The operator's next message is answered by :func:`answer_pending` before
anything else:

========================= =====================================================
answer                    effect
========================= =====================================================
``yes`` ``haan`` ``ok`` … the confirmer named by ``kind`` writes (and says what)
``1`` … ``n``             with options: the confirmer writes choice *n*
``no`` ``nahi`` ``cancel`` nothing is written; the question is dropped
anything else             the question is dropped (nothing written) and the new
                          message is handled as usual, its reply saying so
(after ``expires_at``)    as "anything else": an old question is never applied
========================= =====================================================

Confirmers are plain functions ``(ctx, payload, choice) -> Reply`` listed in
:data:`bot.engine.commands.CONFIRMERS`; they validate the payload again, because
the rows it names may have changed since the question was asked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.engine.vocabulary import SIMPLE
from bot.turn.context import Reply, TurnContext
from bot.turn.state import PendingConfirmation, SessionState

#: How long a read-back waits for its answer.
CONFIRM_TTL = timedelta(minutes=15)

YES_WORDS = frozenset(
    [
        "yes",
        "y",
        "yes please",
        "yeah",
        "yep",
        "ok",
        "okay",
        "confirm",
        "confirmed",
        "sure",
        "correct",
        "right",
        "haan",
        "han",
        "haa",
        "ha",
        "haan ji",
        "ji",
        "ji haan",
        "theek hai",
        "thik hai",
        "sahi",
        "sahi hai",
        "save",
        "record it",
        "go ahead",
        "✅",
        "k",
        "kk",
        "hanji",
        "haanji",
        "ha ji",
        "han ji",
        "ok save",
        "save it",
        "yes save",
    ]
)
NO_WORDS = frozenset(
    [
        "no",
        "nope",
        "cancel",
        "nahi",
        "nahin",
        "nai",
        "mat karo",
        "galat",
        "wrong",
        "leave it",
        "don't",
        "dont",
        "❌",
        "👎",
        # Hinglish "no" (not "no answer" while a question waits)
        "na",
        "naa",
        "nah",
        "na ji",
        "nahi ji",
        "ruko",
        "rehne do",
        "chhodo",
        "skip",
        # an undo word while a question waits takes back the question, not an earlier entry
        *SIMPLE["undo"],
    ]
)
_TRAILING = re.compile(r"[\s.!,🙏👍]+$")
#: Politeness around an answer: "yes pls", "haan ji please".
_POLITE = re.compile(r"\s+(?:please|pls|plz|ji|sir|madam|bhai)$")

_REPEATED = re.compile(r"^(\w+)(?:\s+\1)+$")
#: "yess", "yesss", "noo": one letter held down.
_STRETCHED = re.compile(r"(\w)\1+$")

Confirmer = Callable[[TurnContext, dict[str, Any], int | None], Reply]


def read_answer(text: str, options: int = 0) -> str | int | None:
    """``"yes"``, ``"no"``, a 1-based option number, or ``None`` for anything else."""
    word = _TRAILING.sub("", text.strip().lower())
    if not word and "👍" in text:
        return "yes"
    while (shorter := _POLITE.sub("", word)) != word:
        word = shorter
    word = _REPEATED.sub(r"\1", word)  # "yes yes", "haan haan", "na na"
    word = _STRETCHED.sub(r"\1", word) if word not in YES_WORDS | NO_WORDS else word
    if word in YES_WORDS:
        return "yes"
    if word in NO_WORDS:
        return "no"
    if options and word.isdigit() and 1 <= int(word) <= options:
        return int(word)
    return None


def ask(
    ctx: TurnContext,
    kind: str,
    question: str,
    payload: dict[str, Any],
    *,
    options: list[str] | None = None,
) -> Reply:
    """Hold a write until the operator confirms it; returns the read-back to send."""
    text = hold(
        ctx.state, kind, question, payload, now=ctx.now, asked_in=ctx.message.id, options=options
    )
    return Reply(text, None, {"engine": "confirm", "asked": kind})


def hold(
    state: SessionState,
    kind: str,
    question: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    asked_in: uuid.UUID | None,
    options: list[str] | None = None,
) -> str:
    """Store the pending question in ``state`` and return its read-back.

    :func:`ask` for callers that hold the session state but not a turn context (the
    model's tools, which propose and never write).
    """
    choices = list(options or [])
    state.pending = PendingConfirmation(
        kind=kind,
        question=question,
        payload=payload,
        options=choices,
        expires_at=now + CONFIRM_TTL,
        asked_in=asked_in,
    )
    return read_back(state.pending)


def read_back(pending: PendingConfirmation) -> str:
    """The question, its numbered options and how to answer."""
    choices = pending.options
    lines = [pending.question, *(f"{n}. {text}" for n, text in enumerate(choices, start=1))]
    how = (
        f"Reply 1–{len(choices)}, or no to cancel."
        if choices
        else "Reply yes to save, no to cancel."
    )
    lines.append(how)
    return "\n".join(lines)


def with_read_back(ctx: TurnContext, reply: Reply) -> Reply:
    """Make a question asked during this turn (by a model's tool) the reply, verbatim.

    The operator must see exactly what ``yes`` would save, so a model's paraphrase is
    replaced by the read-back; a failed turn drops its question (nothing was shown).
    """
    pending = ctx.state.pending
    if pending is None or pending.asked_in != ctx.message.id:
        return reply
    if reply.meta.get("failed"):
        ctx.state.pending = None
        return reply
    text = read_back(pending)
    if text not in reply.text:
        reply.meta["model_text"] = reply.text
        reply.text = text
    return reply


def answer_pending(ctx: TurnContext, confirmers: dict[str, Confirmer]) -> tuple[Reply | None, str]:
    """Settle the pending question with this message.

    Returns ``(reply, note)``: a reply when the message was the answer; otherwise
    ``None`` and a note for the reply to the message (empty when nothing was pending).
    """
    pending = ctx.state.pending
    if pending is None:
        return None, ""
    ctx.state.pending = None
    if ctx.now > pending.expires_at:
        return None, "(The earlier question expired; nothing was saved from it.)"
    answer = read_answer(ctx.text, len(pending.options))
    if answer == "no":
        return Reply("Cancelled – nothing was saved.", None, {"engine": "confirm"}), ""
    if answer is None or (answer == "yes" and pending.options):
        return None, "(Not saved: the earlier read-back was not confirmed.)"
    confirmer = confirmers.get(pending.kind)
    if confirmer is None:
        return None, "(Not saved: that question can no longer be answered.)"
    choice = answer if isinstance(answer, int) else None
    reply = confirmer(ctx, pending.payload, choice)
    reply.meta.setdefault("engine", f"confirm:{pending.kind}")
    return reply, ""
