"""The data model's retrieval rule for a NEXT action (§10), assembled for drafts.

1. memory search for this contact (5); 2. similar interactions of other contacts (5);
3. the contact's last 5 interactions; 4. all due follow-ups for the contact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_

from bot.models import Contact, Followup, Interaction
from bot.store import ProjectScope
from memory.entries import Entry, MemoryError
from memory.hooks import interaction_line
from memory.loading import FROM_RUNTIME, resolve_embedder
from memory.service import MemoryService
from memory.vectors import VectorHit, VectorIndex

LIMIT = 5


@dataclass
class NextActionContext:
    """Everything the draft for one contact may draw on; contact data, never instructions."""

    contact: Contact
    memories: list[Entry] = field(default_factory=list)
    similar_interactions: list[VectorHit] = field(default_factory=list)
    recent_interactions: list[Interaction] = field(default_factory=list)
    due_followups: list[Followup] = field(default_factory=list)

    def as_text(self) -> str:
        """A compact block for a prompt or a draft template."""
        lines = [f"Contact: {self.contact.display_name}"]
        if self.memories:
            lines.append("Remember:")
            lines += [f"- [{m.memory_type}] {m.content}" for m in self.memories]
        if self.recent_interactions:
            lines.append("Last interactions:")
            lines += [f"- {interaction_line(i)}" for i in self.recent_interactions]
        if self.due_followups:
            lines.append("Due follow-ups:")
            lines += [
                f"- due {f.due_at:%Y-%m-%d %H:%M} UTC: {f.reason or 'follow up'}"
                for f in self.due_followups
            ]
        if self.similar_interactions:
            lines.append("Similar conversations with other donors:")
            lines += [f"- {hit.content}" for hit in self.similar_interactions]
        return "\n".join(lines)


def next_action_context(
    scope: ProjectScope, contact_id: uuid.UUID | str, now: datetime, *, embedder: Any = FROM_RUNTIME
) -> NextActionContext:
    """The §10 context for contact ``contact_id`` of this project.

    Raises:
        MemoryError: no such contact here, or the contact is ``do_not_contact``.
    """
    contact = scope.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise MemoryError("no such contact in this project")
    if contact.status == "do_not_contact":
        raise MemoryError(f"{contact.display_name} is marked do-not-contact")
    model = resolve_embedder(scope, embedder)
    recent = scope.all(
        Interaction,
        Interaction.contact_id == contact.id,
        order_by=Interaction.occurred_at.desc(),
        limit=LIMIT,
    )
    query = _situation(contact, recent)
    return NextActionContext(
        contact=contact,
        memories=_contact_memories(MemoryService(scope, model), contact, query),
        similar_interactions=_similar_interactions(scope, model, contact, query),
        recent_interactions=recent,
        due_followups=scope.all(
            Followup,
            Followup.contact_id == contact.id,
            or_(
                Followup.status == "due",
                (Followup.status == "scheduled") & (Followup.due_at <= now),
            ),
            order_by=Followup.due_at,
        ),
    )


def _situation(contact: Contact, recent: list[Interaction]) -> str:
    """What this contact's next call is about, as a search query."""
    if recent:
        latest = recent[0]
        return f"{latest.outcome.replace('_', ' ')} {latest.summary or ''}".strip()
    return contact.notes or "first call introduction pitch"


def _similar_interactions(
    scope: ProjectScope, model: Any, contact: Contact, query: str
) -> list[VectorHit]:
    """Other contacts' interactions like this one (never a do-not-contact donor's)."""
    hits = VectorIndex(scope, model).search(
        "interactions", query, LIMIT * 2, exclude_contact_id=contact.id
    )
    ids = {hit.contact_id for hit in hits if hit.contact_id is not None}
    blocked = (
        {c.id for c in scope.all(Contact, Contact.id.in_(ids), Contact.status == "do_not_contact")}
        if ids
        else set()
    )
    return [hit for hit in hits if hit.contact_id not in blocked][:LIMIT]


def _contact_memories(service: MemoryService, contact: Contact, query: str) -> list[Entry]:
    """The 5 memories most relevant to the situation, topped up with the most recent."""
    found = service.search(query, {"contact_id": contact.id}, LIMIT)
    if len(found) < LIMIT:
        seen = {entry.id for entry in found}
        for entry in service.list({"contact_id": contact.id}, LIMIT * 2):
            if entry.id not in seen and len(found) < LIMIT:
                found.append(entry)
    return found
