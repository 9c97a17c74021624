"""Drafts as WhatsApp messages: one tap to send the draft, one to call, no link cut in two.

Every draft the bot sends to an operator travels as a block of three lines::

    Draft: Hi Anita, thank you so much for your pledge of ₹25,000 to Asha Foundation! …
    Send it: https://wa.me/919812345678?text=Hi%20Anita%2C%20thank%20you…
    Call: tel:+919812345678

``Send it`` opens the operator's own WhatsApp on a chat with the donor, the draft typed
in; ``Call`` dials. Without a valid number on file the link opens WhatsApp's chat picker
and there is no ``Call`` line.

The rule for where the block goes (:func:`attach`): at the end of the reply it belongs
to — the ``next`` card, an outcome's read-back — when the whole reply stays within
:data:`~bot.engine.wording.MAX_MESSAGE` (1,600 characters, WhatsApp's limit through
Twilio). Otherwise the reply ends with "Draft: in the next message." and the block is
sent alone, right after it. A draft is at most 320 characters and its link at most
1,200 (:mod:`bot.engine.drafts`), so the block alone always fits one message: the
sender never has to split it, and a link is never cut.

Where drafts are written after an outcome (:func:`with_outcome_draft`): the rules
planner's outcomes, the free-text reports and the read-backs confirmed with ``yes``;
the assistant's outcome tools return theirs in the tool result and the model turn sends
it the same way (:mod:`bot.agent.loop`).
"""

from __future__ import annotations

from bot.engine.drafts import Draft, outcome_draft
from bot.engine.wording import MAX_MESSAGE
from bot.models import Contact, Payment, Pledge
from bot.turn.context import Reply, TurnContext

#: What the reply says when its draft follows as a message of its own.
DRAFT_FOLLOWS = "Draft: in the next message."


def draft_block(draft: Draft) -> str:
    """The draft with its ``wa.me`` link and ``tel:`` number, one per line."""
    lines = [f"Draft: {draft.text}", f"Send it: {draft.whatsapp_link}"]
    if draft.call_link:
        lines.append(f"Call: {draft.call_link}")
    return "\n".join(lines)


def attach(text: str, draft: Draft | None, tail: str = "") -> tuple[str, list[str]]:
    """``text`` with the draft's block (then ``tail``), and the messages to send after it.

    The block goes inside the reply when all of it fits one message, else on its own.
    """
    if draft is None:
        return "\n".join(part for part in (text, tail) if part), []
    block = draft_block(draft)
    together = "\n".join(part for part in (text, block, tail) if part)
    if len(together) <= MAX_MESSAGE:
        return together, []
    return "\n".join(part for part in (text, DRAFT_FOLLOWS, tail) if part), [block]


def with_draft(ctx: TurnContext, reply: Reply, draft: Draft | None) -> Reply:
    """``reply`` carrying ``draft`` (see :func:`attach`); the draft becomes the one rated
    by the operator's next 👍/👎."""
    if draft is None:
        return reply
    reply.text, then = attach(reply.text, draft)
    reply.then.extend(then)
    ctx.state.last_draft = draft.text
    return reply


def with_outcome_draft(
    ctx: TurnContext,
    reply: Reply,
    contact: Contact,
    outcome: str,
    *,
    pledge: Pledge | None = None,
    payment: Payment | None = None,
) -> Reply:
    """``reply`` to a recorded outcome, with the draft for the donor it calls for (if any)."""
    draft = outcome_draft(
        ctx.scope,
        contact,
        outcome,
        pledge=pledge,
        payment=payment,
        operator=ctx.user.full_name,
    )
    return with_draft(ctx, reply, draft)
