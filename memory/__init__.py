"""Calltime's memory API: what the bot remembers about donors, operators and campaigns.

Obtain a service from a runtime with :func:`service_for`; see ``docs/memory.md``.
Nothing in this package imports Flask or the webhook.
"""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from bot.store import ProjectScope
from memory.entries import EmbeddingModelMismatch, Entry, MemoryError
from memory.loading import embedder_for, embedder_for_scope
from memory.service import MemoryService

__all__ = [
    "EmbeddingModelMismatch",
    "Entry",
    "MemoryError",
    "MemoryService",
    "embedder_for",
    "embedder_for_scope",
    "search_mode",
    "service_for",
]


def search_mode(runtime: Runtime) -> str:
    """``hybrid`` when a model is loaded, else ``keyword`` (shown by ``/healthz``)."""
    mode = "hybrid" if embedder_for(runtime) is not None else "keyword"
    if runtime.settings.memory_backend == "zerodb":
        return f"zerodb+{mode}-fallback"
    return mode


def service_for(runtime: Runtime, scope: ProjectScope) -> Any:
    """The memory service for ``scope`` on the configured backend (``local`` or ``zerodb``)."""
    local = MemoryService(scope, embedder_for(runtime))
    if runtime.settings.memory_backend != "zerodb":
        return local
    from memory.remote import ZeroDBMemoryService, zerodb_client_for

    return ZeroDBMemoryService(local, zerodb_client_for(runtime))
