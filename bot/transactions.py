"""The rule that **no database transaction is open during a network call**.

(See ``docs/architecture.md``.) Every engine made by :func:`bot.db.make_engine` reports
which thread begins and ends each transaction (:func:`watch_transactions`); every network
client — the model, Twilio, media downloads, ZeroDB — calls :func:`before_network_call`
just before each request. A breach is logged as an error with its stack, and the test
suite fails the test that made it.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


class _OpenTransactions:
    """Which thread began each open transaction, fed by the engines' events."""

    def __init__(self) -> None:
        # Weak keys: a connection dropped without commit or rollback leaves no entry behind.
        self._owners: weakref.WeakKeyDictionary[Connection, int] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def begun(self, conn: Connection) -> None:
        with self._lock:
            self._owners[conn] = threading.get_ident()

    def ended(self, conn: Connection) -> None:
        with self._lock:
            self._owners.pop(conn, None)

    def in_this_thread(self) -> bool:
        me = threading.get_ident()
        with self._lock:
            return me in self._owners.values()


_OPEN = _OpenTransactions()


def watch_transactions(engine: Engine) -> None:
    """Record which thread holds each of ``engine``'s open transactions."""
    event.listen(engine, "begin", _OPEN.begun)
    event.listen(engine, "commit", _OPEN.ended)
    event.listen(engine, "rollback", _OPEN.ended)


_NETWORK_LISTENERS: list[Callable[[str], None]] = []


def transaction_open_in_this_thread() -> bool:
    """Whether the calling thread holds an open transaction on any Calltime engine."""
    return _OPEN.in_this_thread()


def before_network_call(what: str) -> None:
    """Called by every network client just before a request (model, Twilio, media, ZeroDB).

    A transaction open during a network call would hold SQLite's write lock, or a
    PostgreSQL connection and its row locks, for as long as the remote side takes, so
    every other operator and the webhook would wait. A breach is logged as an error with
    the stack and reported to the listeners (the test suite fails the test).
    """
    if not _OPEN.in_this_thread():
        return
    log.error("%s called while a database transaction is open", what, stack_info=True)
    for listener in list(_NETWORK_LISTENERS):
        listener(what)


def on_network_call_in_transaction(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(what)`` on every breach of the rule; returns a function removing it."""
    _NETWORK_LISTENERS.append(listener)
    return lambda: _NETWORK_LISTENERS.remove(listener)


def end_transaction(session: Session) -> None:
    """Commit ``session``'s open transaction before a network call.

    The session begins a new transaction at its next statement. For units of work whose
    work so far may stand on its own: reads, or a local write whose remote copy follows.
    """
    if session.in_nested_transaction():
        raise RuntimeError("a network call cannot end a transaction from inside a savepoint")
    if session.in_transaction():
        session.commit()
