"""The text of the engine's longer replies: the ``next`` card and the ``due`` list.

The ``next`` card, with its draft (see :mod:`bot.engine.draft_messages` for where the
draft goes)::

    Next: Anita Sharma · +919812345678
    Why: payment reminder – overdue since Tue 24 Nov; strong relationship (4/5)
    Last: Tue 24 Nov – pledged ₹25,000: Pledged for the winter term.
    Open pledge: ₹25,000 by Fri 27 Nov
    Draft: Hi Anita, thank you for pledging ₹25,000 to Asha Foundation. Whenever …
    Send it: https://wa.me/919812345678?text=Hi%20Anita%2C%20thank%20you…
    Call: tel:+919812345678
    Reply: na · spoke · pledged 25k · paid 10k upi · call back tmrw 5pm · skip
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.engine.amounts import format_money
from bot.engine.draft_messages import attach
from bot.engine.drafts import Draft, DraftError, Known, next_draft
from bot.engine.outcome_text import OUTCOME_LABELS
from bot.engine.ranking import RankedContact
from bot.engine.records import open_pledge, paid_towards, phone_of
from bot.engine.wording import day_text, moment_text, time_text
from bot.models import Contact, Followup, Interaction
from bot.store import ProjectScope

MAX_NEXT = 600
NO_PHONE = "no phone on file"
REPLY_HINT = "Reply: na · spoke · pledged 25k · paid 10k upi · call back tmrw 5pm · skip"


def primary_phone(scope: ProjectScope, contact: Contact) -> str:
    """The contact's primary phone (any phone if none is marked primary), for a reply."""
    return phone_of(scope, contact) or NO_PHONE


def short_day(moment: datetime, tz: Any) -> str:
    return day_text(moment, tz)


def last_interaction_line(scope: ProjectScope, contact: Contact, tz: Any) -> str | None:
    last = scope.first(
        Interaction, Interaction.contact_id == contact.id, order_by=Interaction.occurred_at.desc()
    )
    if last is None:
        return None
    line = f"{short_day(last.occurred_at, tz)} – {OUTCOME_LABELS.get(last.outcome, last.outcome)}"
    if last.amount_pledged:
        line += f" {format_money(last.amount_pledged)}"
    if last.summary:
        line += f": {last.summary}"
    return line[:110]


def next_card(
    scope: ProjectScope, ranked: RankedContact, now: datetime, tz: Any, operator: str
) -> tuple[str, list[str], Draft | None]:
    """The ``next`` reply, the messages to send after it, and the draft it carries.

    The card without its draft block is at most :data:`MAX_NEXT` characters.
    """
    contact = ranked.contact
    phone = phone_of(scope, contact)
    lines = [
        f"Next: {contact.display_name} · {phone or NO_PHONE}",
        "Why: " + "; ".join(ranked.reasons),
    ]
    last = last_interaction_line(scope, contact, tz)
    if last:
        lines.append(f"Last: {last}")
    pledge = ranked.pledge or open_pledge(scope, contact)
    if pledge is not None:
        paid = paid_towards(scope, pledge)
        by = f" by {day_text(pledge.expected_by)}" if pledge.expected_by else ""
        extra = f", {format_money(paid)} paid" if paid else ""
        lines.append(f"Open pledge: {format_money(pledge.amount)}{by}{extra}")
    try:
        known = Known(phone=phone, pledge=pledge)  # the draft reads neither again
        draft: Draft | None = next_draft(scope, contact, now, operator=operator, known=known)
    except DraftError:
        draft = None
    text, then = attach(_within_limit(lines), draft, REPLY_HINT)
    return text, then, draft


def _within_limit(lines: list[str]) -> str:
    """Join the card; over 600 characters, drop the last-interaction line, then shorten."""
    room = MAX_NEXT - len(REPLY_HINT) - 1
    text = "\n".join(lines)
    if len(text) > room:
        text = "\n".join(line for line in lines if not line.startswith("Last: "))
    if len(text) > room:
        text = text[: room - 1] + "…"
    return text


def due_line(index: int, followup: Followup, contact: Contact, now: datetime, tz: Any) -> str:
    """``2. Anita Sharma – payment reminder, overdue since 24 Nov``."""
    what = {
        "no_response": "no answer last time",
        "reschedule": "call back",
        "send_payment_link": "payment reminder",
    }.get(followup.reason or "", followup.reason or "follow-up")
    if followup.due_at < now:
        when = f"overdue since {moment_text(followup.due_at, tz)}"
    else:
        when = f"due {time_text(followup.due_at, tz)}"
    return f"{index}. {contact.display_name} – {what}, {when}"
