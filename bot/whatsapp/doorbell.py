"""The queue's doorbell: storing a message wakes an idle worker at once.

Idle workers look at the queue every ``poll_seconds`` (half a second), so without a
bell a command sent to an idle queue waits a quarter of a second on average before its
turn starts. The intake rings the bell after each commit:

- in one process (``calltime serve``: web and worker threads) the bell is a
  :class:`threading.Event` kept per :class:`~bot.db.Database`;
- across processes on PostgreSQL (the Procfile's ``web`` and ``worker``) the intake's
  transaction also sends ``NOTIFY calltime_queue``, which PostgreSQL delivers at commit,
  and each worker process keeps one connection listening that rings its own bell.

A missed ring costs latency, never a message: workers still look every ``poll_seconds``.
"""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.db import Database

log = logging.getLogger(__name__)

CHANNEL = "calltime_queue"
#: Seconds the listener waits for a notification before checking whether to stop.
LISTEN_SLICE_S = 1.0


class Bell:
    """Rung by the intake, waited on by a worker process's dispatcher."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._listening = False
        self._lock = threading.Lock()

    def ring(self) -> None:
        self._event.set()

    def clear(self) -> None:
        """Forget earlier rings; call before looking at the queue, then :meth:`wait`."""
        self._event.clear()

    def wait(self, timeout: float) -> bool:
        """Whether the bell rang (since :meth:`clear`) within ``timeout`` seconds."""
        return self._event.wait(timeout)

    def take_listening(self) -> bool:
        """Whether the caller should start the listener (nobody has yet)."""
        with self._lock:
            taken, self._listening = self._listening, True
            return not taken

    def stopped_listening(self) -> None:
        with self._lock:
            self._listening = False


_bells: weakref.WeakKeyDictionary[Database, Bell] = weakref.WeakKeyDictionary()
_bells_lock = threading.Lock()


def bell_of(db: Database) -> Bell:
    """This process's bell for ``db``."""
    with _bells_lock:
        bell = _bells.get(db)
        if bell is None:
            bell = _bells[db] = Bell()
        return bell


def announce(session: Session) -> None:
    """Tell other processes, at this transaction's commit, that a message is queued."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


def listen(db: Database, stop: threading.Event) -> Bell:
    """``db``'s bell, rung also by other processes' ``NOTIFY`` (PostgreSQL) until ``stop``.

    Starts one listening thread per process and database; SQLite has no notifications
    (its workers share the web process in ``calltime serve``).
    """
    bell = bell_of(db)
    if db.dialect != "postgresql":
        return bell
    if not bell.take_listening():
        return bell
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    thread = threading.Thread(
        target=_listen, args=(url, bell, stop), name="calltime-doorbell", daemon=True
    )
    thread.start()
    return bell


def _listen(url: str, bell: Bell, stop: threading.Event) -> None:
    import psycopg  # PostgreSQL only: an SQLite installation may run without the driver

    # An autocommit connection of its own: it never holds a transaction, and the pool's
    # connections stay free for turns. A lost connection is retried; until then the
    # workers poll as they would without a bell.
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                bell.ring()  # anything queued while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=LISTEN_SLICE_S):
                        bell.ring()
        except psycopg.Error as exc:
            log.warning("queue doorbell: listening failed (%s); retrying in 5 s", exc)
            stop.wait(5.0)
    bell.stopped_listening()
