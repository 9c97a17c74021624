"""Warm a process before it takes traffic, so its first operators do not pay for start-up.

Left to themselves, the first turns of a fresh ``calltime serve`` or ``calltime worker``
build the Anthropic and Twilio clients, and the twilio library imports its REST API
(about 0.2 s of CPU holding the interpreter) on the first send. Under load that cost
lands on everyone at once: in ``bench/bench_contention.py`` on SQLite, every reply due in
the first 1.5 s of a fresh server waited until then, and acknowledgements in that window
took up to 170 ms instead of about 40. :func:`warm_up` does the same work once, before
the server answers and before the worker looks at the queue. It makes no network call
and opens no database transaction.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import time

from sqlalchemy.orm import configure_mappers

from bot.agent.client import anthropic_client
from bot.runtime import Runtime
from bot.whatsapp.twilio_rest import twilio_client

log = logging.getLogger(__name__)

#: Modules the Anthropic SDK imports on its first request, when they are installed.
_SDK_LAZY_IMPORTS = ("opentelemetry.propagate",)


def warm_up(runtime: Runtime) -> float:
    """Build the clients a turn uses and import what they import lazily; seconds taken."""
    started = time.perf_counter()
    configure_mappers()
    client = twilio_client(runtime)
    if client is not None:
        _ = client.messages  # the library's REST API modules load here (no request is made)
    if runtime.settings.anthropic_api_key:
        anthropic_client(runtime)
        for name in _SDK_LAZY_IMPORTS:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
    seconds = time.perf_counter() - started
    log.info("warmed up in %.2f s", seconds)
    return seconds
