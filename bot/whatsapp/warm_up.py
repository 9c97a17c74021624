"""Warm a process before it takes traffic, so its first operators do not pay for start-up.

Left to themselves, the first turns of a fresh ``calltime serve`` or ``calltime worker``
build the Anthropic and Twilio clients (and load the embedding model, when one is
installed), and the twilio library imports its REST API
(about 0.2 s of CPU holding the interpreter) on the first send. Under load that cost
lands on everyone at once: in ``bench/bench_contention.py`` on SQLite, every reply due in
the first 1.5 s of a fresh server waited until then, and acknowledgements in that window
took up to 170 ms, several times those of the rest of the run. :func:`warm_up` does the
same work once, before the server answers and before the worker looks at the queue. It
makes no network call and opens no database transaction.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import time

from sqlalchemy.orm import configure_mappers

from bot.runtime import Runtime
from bot.whatsapp.twilio_rest import twilio_client

log = logging.getLogger(__name__)

#: Modules the Anthropic SDK imports on its first request, when they are installed.
_SDK_LAZY_IMPORTS = ("opentelemetry.propagate",)


def warm_up(runtime: Runtime) -> float:
    """Build the clients a turn uses and import what they import lazily; seconds taken."""
    started = time.perf_counter()
    configure_mappers()
    # The embedding model, when one is installed: loaded before the start-up heap is
    # frozen (:func:`freeze_heap`), so full collections never walk its objects.
    from memory import embedder_for

    embedder_for(runtime)
    client = twilio_client(runtime)
    if client is not None:
        _ = client.messages  # the library's REST API modules load here (no request is made)
    if runtime.settings.anthropic_api_key:
        # Imported here: a process without a model key never loads the SDK (about 3 s).
        from bot.agent.client import anthropic_client

        anthropic_client(runtime)
        for name in _SDK_LAZY_IMPORTS:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
    seconds = time.perf_counter() - started
    log.info("warmed up in %.2f s", seconds)
    return seconds


def freeze_heap() -> int:
    """Put what start-up made out of the garbage collector's reach; objects frozen.

    A started process tracks about 270,000 objects (modules, the ORM's mappings, the SDK
    clients), all alive until it exits, and every full collection walked all of them:
    157–174 ms with every thread of the process stopped, landing on whichever webhook
    or turn was running. :func:`gc.freeze` moves them to a generation the collector
    never visits, so a full collection walks only what was made since. Called once, after
    :func:`warm_up`, by ``calltime serve``, ``calltime worker`` and each gunicorn worker
    (``bot/gunicorn_hooks.py``); never by tests or the CLI's one-shot commands.
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects", frozen)
    return frozen
