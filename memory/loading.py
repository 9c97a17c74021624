"""Which embedding model a runtime has loaded, found from a runtime or from a scope.

The worker and ``calltime serve`` load the model once per process (:func:`embedder_for`);
code that only holds a :class:`~bot.store.ProjectScope` (the engine's outcome hook, the
knowledge base) finds the same model through the scope's database engine.
"""

from __future__ import annotations

import weakref
from typing import Any

from bot.runtime import Runtime
from bot.store import ProjectScope
from memory.embedder import Embedder, load_embedder, model_dir

#: Pass as ``embedder=`` to use the model of the runtime that owns the scope's database.
FROM_RUNTIME: Any = object()

# Runtimes by database engine, so hooks that only receive a ProjectScope find the model.
_RUNTIMES: weakref.WeakValueDictionary[int, Runtime] = weakref.WeakValueDictionary()


def embedder_for(runtime: Runtime) -> Embedder | None:
    """The runtime's embedding model (loaded once, from disk only), or ``None``."""
    runtime.register("embedder", lambda rt: load_embedder(model_dir(rt.settings.instance_path)))
    _RUNTIMES[id(runtime.db.engine)] = runtime
    model: Embedder | None = runtime.client("embedder")
    return model


def embedder_for_scope(scope: ProjectScope) -> Embedder | None:
    """The embedder of the runtime that owns ``scope``'s database, if one was set up."""
    runtime = _RUNTIMES.get(id(scope.session.get_bind()))
    return embedder_for(runtime) if runtime is not None else None


def resolve_embedder(scope: ProjectScope, embedder: Any) -> Embedder | None:
    """``embedder`` if given, else the model of the runtime owning the scope's database."""
    if embedder is not FROM_RUNTIME:
        model: Embedder | None = embedder
        return model
    return embedder_for_scope(scope)
