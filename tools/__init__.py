"""The LLM's tools: one module per family, gathered in :data:`REGISTRY`.

Each tool is a pydantic input model plus a function ``(ctx, args) -> result``; the
registry derives the JSON schema from the model and validates input with it. The
context (:class:`tools.base.ToolContext`) comes from the server, never from the model.
"""

from __future__ import annotations

from tools.base import MemoryPort, Tool, ToolContext, ToolRefused
from tools.contacts import get_contact, next_contacts, search_contacts, update_contact
from tools.followups import complete_followup, list_followups, schedule_followup
from tools.memory_tools import search_kb, search_memory, store_memory
from tools.outcomes import log_interaction, record_payment, record_pledge
from tools.payment_proof import read_payment_proof
from tools.registry import ToolCall, ToolRegistry
from tools.stats import campaign_stats

REGISTRY = ToolRegistry(
    [
        search_contacts,
        get_contact,
        next_contacts,
        update_contact,
        log_interaction,
        record_pledge,
        record_payment,
        list_followups,
        schedule_followup,
        complete_followup,
        search_memory,
        store_memory,
        search_kb,
        campaign_stats,
        read_payment_proof,
    ]
)

__all__ = [
    "REGISTRY",
    "MemoryPort",
    "Tool",
    "ToolCall",
    "ToolContext",
    "ToolRefused",
    "ToolRegistry",
]
