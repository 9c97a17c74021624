"""The text of the engine's longer replies: the ``next`` card and the ``due`` list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.engine.amounts import format_money
from bot.engine.drafts import DraftError, draft_for
from bot.engine.outcomes import OUTCOME_LABELS
from bot.engine.ranking import RankedContact
from bot.engine.records import open_pledge, paid_towards
from bot.models import Contact, ContactIdentity, Followup, Interaction
from bot.store import ProjectScope

MAX_NEXT = 600
REPLY_HINT = "Reply: na · spoke · pledged 25k · paid 10k upi · call back tmrw 5pm · skip"


def primary_phone(scope: ProjectScope, contact: Contact) -> str:
    """The contact's primary phone (any phone if none is marked primary)."""
    identity = scope.first(
        ContactIdentity,
        ContactIdentity.contact_id == contact.id,
        ContactIdentity.type == "phone",
        order_by=[ContactIdentity.is_primary.desc(), ContactIdentity.created_at],
    )
    return identity.value if identity else "no phone on file"


def short_day(moment: datetime, tz: Any) -> str:
    return f"{moment.astimezone(tz):%d %b}".lstrip("0")


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
) -> tuple[str, str | None]:
    """The ``next`` reply (≤ 600 characters) and the draft it contains."""
    contact = ranked.contact
    lines = [
        f"Next: {contact.display_name} · {primary_phone(scope, contact)}",
        "Why: " + "; ".join(ranked.reasons),
    ]
    last = last_interaction_line(scope, contact, tz)
    if last:
        lines.append(f"Last: {last}")
    pledge = ranked.pledge or open_pledge(scope, contact)
    if pledge is not None:
        paid = paid_towards(scope, pledge)
        by = f" by {pledge.expected_by:%d %b}" if pledge.expected_by else ""
        extra = f", {format_money(paid)} paid" if paid else ""
        lines.append(f"Open pledge: {format_money(pledge.amount)}{by}{extra}")
    try:
        draft: str | None = draft_for(scope, contact, now, pledge=pledge, operator=operator)
    except DraftError:
        draft = None
    return _within_limit(lines, draft), draft


def _within_limit(lines: list[str], draft: str | None) -> str:
    """Join the card; over 600 characters, drop the last-interaction line, then shorten."""
    tail = ([f"Draft: {draft}"] if draft else []) + [REPLY_HINT]
    text = "\n".join(lines + tail)
    if len(text) > MAX_NEXT:
        lines = [line for line in lines if not line.startswith("Last: ")]
        text = "\n".join(lines + tail)
    if len(text) > MAX_NEXT:
        room = MAX_NEXT - len("\n".join(tail)) - 2
        text = "\n".join(lines)[:room] + "…\n" + "\n".join(tail)
    return text[:MAX_NEXT]


def due_line(index: int, followup: Followup, contact: Contact, now: datetime, tz: Any) -> str:
    """``2. Anita Sharma – payment reminder, overdue since 24 Nov``."""
    what = {
        "no_response": "no answer last time",
        "reschedule": "call back",
        "send_payment_link": "payment reminder",
    }.get(followup.reason or "", followup.reason or "follow-up")
    local = followup.due_at.astimezone(tz)
    if followup.due_at < now:
        when = f"overdue since {short_day(followup.due_at, tz)} {local:%I:%M %p}".replace(" 0", " ")
    else:
        when = f"due {local:%I:%M %p}".replace(" 0", " ")
    return f"{index}. {contact.display_name} – {what}, {when}"
