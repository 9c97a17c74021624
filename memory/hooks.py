"""Writes that follow a logged interaction: its embedded summary and the rolling summary.

The engine calls :func:`on_interaction_logged` after every interaction it writes. The
rolling ``contact_history_summary`` is built deterministically from the contact's last
interactions (no model call), so it costs nothing and always agrees with the records.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.engine.amounts import format_money
from bot.models import Contact, Interaction, Memory, Project
from bot.store import ProjectScope
from memory.embedder import Embedder
from memory.loading import FROM_RUNTIME, resolve_embedder
from memory.service import MemoryService
from memory.vectors import VectorIndex

log = logging.getLogger(__name__)

SUMMARY_INTERACTIONS = 5
PROFILE_MEMORIES = 5
CHANNEL_SOURCES = {"call": "call", "whatsapp": "wa"}


def on_interaction_logged(
    scope: ProjectScope, interaction: Interaction, *, embedder: Any = FROM_RUNTIME
) -> bool:
    """Embed the interaction's summary and refresh the contact's rolling summary.

    Memory is an aid: when this fails (say the namespace holds another model's
    vectors) the error is logged, its partial writes are rolled back to a savepoint,
    and the interaction itself stands. Returns whether memory was updated.
    """
    try:
        with scope.session.begin_nested():
            _remember_interaction(scope, interaction, resolve_embedder(scope, embedder))
    except Exception:
        log.exception("memory not updated for interaction %s", interaction.id)
        return False
    return True


def _remember_interaction(
    scope: ProjectScope, interaction: Interaction, model: Embedder | None
) -> None:
    currency = _currency(scope)
    index = VectorIndex(scope, model)
    index.upsert(
        "interactions",
        f"interaction:{interaction.id}:summary",
        interaction_line(interaction, currency),
        {
            "type": "interaction_summary",
            "contact_id": str(interaction.contact_id),
            "campaign_id": str(interaction.campaign_id) if interaction.campaign_id else None,
            "outcome": interaction.outcome,
            "created_at": interaction.occurred_at.isoformat(),
            "source": CHANNEL_SOURCES.get(interaction.channel, "manual"),
        },
        contact_id=interaction.contact_id,
        campaign_id=interaction.campaign_id,
    )
    contact = scope.get(Contact, interaction.contact_id)
    if contact is not None:
        refresh_contact_summary(scope, contact, currency=currency, embedder=model)


def refresh_contact_summary(
    scope: ProjectScope, contact: Contact, *, currency: str = "INR", embedder: Any = FROM_RUNTIME
) -> str:
    """Rewrite ``contact_history_summary`` and the ``contacts`` profile vector; return it."""
    model = resolve_embedder(scope, embedder)
    recent = scope.all(
        Interaction,
        Interaction.contact_id == contact.id,
        order_by=Interaction.occurred_at.desc(),
        limit=SUMMARY_INTERACTIONS,
    )
    if not recent:
        return ""
    lines = [interaction_line(i, currency) for i in recent]
    summary = f"{contact.display_name}, last {len(lines)} touches: " + " | ".join(lines)
    summary = summary[:1900]
    memories = MemoryService(scope, model)
    memories.store(
        summary,
        {"memory_type": "contact_history_summary", "contact_id": contact.id},
        ["history"],
    )
    # Only the contact index in SQL; the type is checked here (see MemoryService._subject_rows).
    recent_memories = scope.all(
        Memory, Memory.contact_id == contact.id, order_by=Memory.updated_at.desc(), limit=200
    )
    profile = [
        m.content
        for m in recent_memories
        if m.memory_type == "contact_profile" and m.deleted_at is None
    ][:PROFILE_MEMORIES]
    profile_text = " ".join([summary, *profile])[:1990]
    VectorIndex(scope, model).upsert(
        "contacts",
        f"contact:{contact.id}:profile:v1",
        profile_text,
        {"type": "contact_profile", "contact_id": str(contact.id), "source": "manual"},
        contact_id=contact.id,
    )
    return summary


def interaction_line(interaction: Interaction, currency: str = "INR") -> str:
    """One short, factual line about an interaction (what is embedded and summarised)."""
    parts = [f"{interaction.occurred_at:%Y-%m-%d} {interaction.channel} {interaction.outcome}"]
    if interaction.amount_pledged:
        parts.append(f"pledged {format_money(interaction.amount_pledged, currency)}")
    if interaction.amount_received:
        parts.append(f"received {format_money(interaction.amount_received, currency)}")
    text = ", ".join(parts)
    if interaction.summary:
        text += f": {' '.join(interaction.summary.split())[:300]}"
    return text


def _currency(scope: ProjectScope) -> str:
    project = scope.session.get(Project, scope.project_id)
    return getattr(project, "currency", None) or "INR"
