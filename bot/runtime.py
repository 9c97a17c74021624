"""The services one Calltime process shares: settings, database, clock and lazy clients.

Flask keeps one in ``app.extensions["calltime"]``; the worker, scheduler and CLI build
their own through :func:`bot.app.create_app` or :meth:`Runtime.from_settings`. Clients
(Twilio, Anthropic, the embedder) are created on first use, never at import time, and
tests replace them by assigning to :attr:`Runtime.clients`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    clients: dict[str, Any] = field(default_factory=dict)
    factories: dict[str, Callable[[Runtime], Any]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(
            settings=settings, db=Database(settings.database_url), clock=clock or SystemClock()
        )

    def client(self, name: str) -> Any:
        """The client called ``name``, built by its registered factory on first use."""
        if name not in self.clients:
            factory = self.factories.get(name)
            if factory is None:
                raise KeyError(f"no client or factory registered for {name!r}")
            self.clients[name] = factory(self)
        return self.clients[name]

    def register(self, name: str, factory: Callable[[Runtime], Any]) -> None:
        """Register how to build a client; an already-built (or injected) one is kept."""
        self.factories.setdefault(name, factory)
