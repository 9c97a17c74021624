"""The services one Calltime process shares: settings, database, clock and lazy clients.

Flask keeps one in ``app.extensions["calltime"]`` (:func:`get_runtime` finds it); the
worker, scheduler and CLI build their own through :func:`bot.app.create_app` or
:meth:`Runtime.from_settings`. Clients
(Twilio, Anthropic, the embedder) are created on first use, never at import time, and
tests replace them by assigning to :attr:`Runtime.clients`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database

if TYPE_CHECKING:
    from flask import Flask


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    clients: dict[str, Any] = field(default_factory=dict)
    factories: dict[str, Callable[[Runtime], Any]] = field(default_factory=dict)
    _building: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(
            settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()
        )

    def client(self, name: str) -> Any:
        """The client called ``name``, built by its registered factory on first use.

        Worker threads share the runtime: the first ones to need a client wait for one
        build instead of each building its own.
        """
        if name not in self.clients:
            with self._building:
                if name not in self.clients:
                    factory = self.factories.get(name)
                    if factory is None:
                        raise KeyError(f"no client or factory registered for {name!r}")
                    self.clients[name] = factory(self)
        return self.clients[name]

    def register(self, name: str, factory: Callable[[Runtime], Any]) -> None:
        """Register how to build a client; an already-built (or injected) one is kept."""
        self.factories.setdefault(name, factory)


def get_runtime(app: Flask | None = None) -> Runtime:
    """The :class:`Runtime` of ``app`` (default: the current Flask app)."""
    if app is None:
        # Imported here: tools/ and memory/ import this module and never load Flask.
        from flask import current_app

        app = current_app
    runtime: Runtime = app.extensions["calltime"]
    return runtime
