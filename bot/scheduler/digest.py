"""The text of a nudge: one numbered digest per operator, and its template variables.

A digest lists the first :data:`~bot.engine.session_commands.DUE_PAGE` follow-ups (5);
the rest wait in the session's ``more_followup_ids`` and ``more`` shows them, numbered
on — the same paging as the ``due`` command.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.engine.session_commands import DUE_PAGE
from bot.engine.wording import describe_reason, moment_text, plural
from bot.models import User

SUGGESTION_CHARS = 160


@dataclass(frozen=True)
class DigestItem:
    """One follow-up listed in a digest: the columns its line needs, and the contact's name.

    Plain values rather than ORM objects: a nudge run reads thousands of them.
    """

    followup_id: uuid.UUID
    due_at: datetime
    reason: str | None
    suggested_message: str | None
    contact_name: str


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_name(user: User) -> str:
    return (user.full_name or "there").split()[0]


def digest_text(user: User, items: list[DigestItem], zone: ZoneInfo) -> str:
    """The digest: a greeting, one numbered line per follow-up of the first page, how to
    answer, and how many more ``more`` shows."""
    lines = [f"{first_name(user)}, {plural(len(items), 'follow-up')} due:"]
    for number, item in enumerate(items[:DUE_PAGE], start=1):
        due = moment_text(item.due_at, zone)
        line = f"{number}. {item.contact_name} – {describe_reason(item.reason)} (due {due})"
        if item.suggested_message:
            line += f'\n   Say: "{_clip(item.suggested_message, SUGGESTION_CHARS)}"'
        lines.append(line)
    lines.append(
        "Reply: done N · snooze N 2h · skip N · paid N AMOUNT [upi] · next to call them first"
    )
    if len(items) > DUE_PAGE:
        lines.append(f"{len(items) - DUE_PAGE} more – send more.")
    return "\n".join(lines)


def template_variables(user: User, items: list[DigestItem]) -> dict[str, str]:
    """Variables for the approved nudge template (outside WhatsApp's 24-hour window).

    ``1`` the operator's first name, ``2`` how many follow-ups are due, ``3`` the first
    few contacts' names.
    """
    names = [item.contact_name for item in items[:3]]
    more = len(items) - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    return {"1": first_name(user), "2": str(len(items)), "3": _clip(listed, 120)}


def digest_sort_key(item: DigestItem) -> tuple[datetime, str]:
    return (item.due_at, item.contact_name)
