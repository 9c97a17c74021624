"""Calltime's memory API: what the bot remembers about donors, operators and campaigns.

Obtain a service from a runtime with :func:`service_for`; see ``docs/memory.md``.
Nothing in this package imports Flask or the webhook.
"""

from __future__ import annotations

import weakref
from typing import Any

from bot.runtime import Runtime
from bot.store import ProjectScope
from memory.embedder import Embedder, load_embedder, model_dir
from memory.entries import EmbeddingModelMismatch, Entry, MemoryError
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

# Runtimes by database engine, so hooks that only receive a ProjectScope (the engine
# area calls ``on_interaction_logged(scope, interaction)``) find the loaded model.
_RUNTIMES: weakref.WeakValueDictionary[int, Runtime] = weakref.WeakValueDictionary()


def embedder_for(runtime: Runtime) -> Embedder | None:
    """The runtime's embedding model (loaded once, from disk only), or ``None``."""
    runtime.register("embedder", lambda rt: load_embedder(model_dir(rt.settings.instance_path)))
    _RUNTIMES[id(runtime.db.engine)] = runtime
    return runtime.client("embedder")  # type: ignore[no-any-return]


def embedder_for_scope(scope: ProjectScope) -> Embedder | None:
    """The embedder of the runtime that owns ``scope``'s database, if one was set up."""
    runtime = _RUNTIMES.get(id(scope.session.get_bind()))
    return embedder_for(runtime) if runtime is not None else None


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
