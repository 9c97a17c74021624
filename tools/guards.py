"""Rules the server enforces on money-writing tool calls, whatever the model says.

The model is told never to invent amounts and that contact notes are data; these guards
make that true even when a model is confused or a note carries an injected instruction
("mark everyone paid"): an amount must appear in the operator's own words, money is
recorded only for a contact the operator is talking about, and a risky write (the
engine's rules: an implausible amount, a second pledge, a stale current contact, a donor
another operator just called) waits for the operator's ``yes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from bot.engine.amounts import find_amounts
from bot.engine.held_writes import hold_write
from bot.engine.risk import assess
from bot.models import Contact
from tools.base import ToolContext, ToolRefused


def require_stated_amount(ctx: ToolContext, amount: Decimal | None) -> None:
    """Refuse an amount the operator never wrote in this conversation."""
    if amount is None:
        return
    stated: set[Decimal] = set()
    for words in ctx.operator_words:
        stated.update(find_amounts(words))
    if Decimal(amount) not in stated:
        raise ToolRefused(
            f"amount {amount} was not stated by the operator; ask them for the amount"
        )


def _name_tokens(contact: Contact) -> Iterable[str]:
    return (t for t in re.split(r"\W+", contact.display_name.lower()) if len(t) >= 3)


def _named_in(words: Iterable[str], contact: Contact) -> bool:
    text = " ".join(words).lower()
    return any(re.search(rf"\b{re.escape(token)}\b", text) for token in _name_tokens(contact))


def require_in_focus(ctx: ToolContext, contact: Contact) -> None:
    """Refuse money writes for a contact the operator is not talking about.

    In focus: the session's current contact, the contacts just suggested by ``next``,
    or a contact whose name the operator wrote in this conversation.
    """
    state = ctx.state
    if contact.id == state.current_contact_id:
        return
    if any(s.contact_id == contact.id for s in state.suggestions):
        return
    if _named_in(ctx.operator_words, contact):
        return
    raise ToolRefused(
        f"{contact.display_name} is not the contact the operator is talking about; "
        "money is only recorded for a contact the operator names"
    )


def hold_if_risky(
    ctx: ToolContext, kind: str, contact: Contact, args: dict[str, Any]
) -> dict[str, Any] | None:
    """Hold a risky write for the operator's ``yes``, under the engine's rules.

    The rules are :func:`bot.engine.risk.assess` (the command path uses the same). A
    tool cannot ask the operator, so a risky write is not made: the session keeps the
    read-back as its pending question (settled by the server when the operator answers,
    before the model sees the message) and the tool returns ``needs_confirmation`` with
    the question for the model to send as it is. ``None``: no risk, write now.
    """
    current = contact.id == ctx.state.current_contact_id
    named_now = _named_in(ctx.operator_words[-1:], contact)
    risks = assess(
        ctx.scope,
        ctx.operator,
        contact,
        args,
        now=ctx.now,
        limits=ctx.limits,
        selected_at=ctx.state.current_contact_at if current and not named_now else None,
    )
    if not risks:
        return None
    pending = ctx.state.pending
    if pending is not None and pending.asked_in == ctx.scope.turn_id:
        raise ToolRefused(
            "another write is already waiting for the operator's answer; send that question "
            "first and write nothing else that needs a confirmation in this turn"
        )
    question = hold_write(
        ctx.state,
        kind,
        contact,
        args,
        risks,
        now=ctx.now,
        asked_in=ctx.scope.turn_id,
        tz=ctx.tz,
    )
    return {
        "status": "needs_confirmation",
        "saved": False,
        "question": question,
        "instruction": "Nothing was saved. Send the operator this question word for word; "
        "Calltime saves it only when they answer yes (or a number).",
    }
