"""Database engine and sessions, shared by the web app, the worker, the scheduler and the CLI.

Nothing here imports Flask: ``tools/`` and ``memory/`` receive a :class:`Database`
from their caller. The Flask app keeps its instance in ``app.extensions["calltime.db"]``.

Every engine made here reports its open transactions to :mod:`bot.transactions`, which
keeps the rule that no transaction is open during a network call.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

try:
    import fcntl
except ImportError:  # not on this platform: writers of other processes meet at SQLite's lock
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Uuid,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.pool import NullPool

from bot.config import normalise_database_url
from bot.transactions import watch_transactions

log = logging.getLogger(__name__)

#: Seconds an SQLite statement waits for another transaction's write lock before failing
#: with "database is locked". Well under Twilio's 15-second webhook limit, so a webhook
#: that cannot write answers 503 + Retry-After (and Twilio retries) instead of timing out.
SQLITE_BUSY_TIMEOUT_S = 5.0
#: Execution options marking a unit of work that only reads, or whose writer someone is
#: waiting for (see :meth:`Database.session`).
READ_ONLY = "calltime_read_only"
URGENT = "calltime_urgent"


class _OtherProcesses:
    """Writers of other processes on the same SQLite file, met at a lock file first.

    Without it, a writer blocked by another process waits in SQLite's busy handler, which
    sleeps 1, 2, 5 … up to 100 ms between tries: a webhook behind a 3 ms write of the
    other gunicorn process could wait 100 ms. ``<database>-writer.lock`` is taken with a
    non-blocking ``flock`` retried every 0.2–1 ms (2–4 ms for writers nobody waits for),
    so the next writer starts within about a millisecond of the last one, and a stuck
    holder still makes it fail after the busy timeout instead of hanging. Processes that
    do not take the lock (the ``sqlite3`` shell) still meet at SQLite's own lock.
    """

    def __init__(self, database: str) -> None:
        self.path = database + "-writer.lock"
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        # A forked child (a gunicorn worker) must not share its parent's open lock file:
        # flock belongs to the open file, so the two would hold it together.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, deadline: float, urgent: bool) -> None:
        fd = self._descriptor()
        pause, longest = 0.0002, 0.001 if urgent else 0.004
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _locked() from None
                time.sleep(pause)
                pause = min(pause * 2, longest)

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (the engine was disposed); the next write opens it again."""
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))


class _WritersInLine:
    """One SQLite write transaction at a time per engine, the others waiting in line.

    SQLite's own busy handler polls with growing sleeps, so under contention a writer can
    lose the lock to newcomers again and again until its busy timeout runs out (the
    webhook then answers 503). Threads of one process instead wait here and are woken the
    moment the lock is free; an *urgent* writer (the webhook storing a message Twilio
    waits for) goes before the queue's workers. The wait is bounded by the same busy
    timeout. Writers of other processes are met next, at :class:`_OtherProcesses`' lock
    file (when the database is a file and the platform has ``flock``).
    """

    def __init__(self, timeout: float, others: _OtherProcesses | None = None) -> None:
        self.timeout = timeout
        self.others = others
        self._free = threading.Condition()
        self._holder: weakref.ref[Connection] | None = None
        self._urgent = 0  # urgent writers waiting

    def enter(self, conn: Connection, urgent: bool) -> None:
        deadline = time.monotonic() + self.timeout
        with self._free:
            self._urgent += urgent
            try:
                while self._holder is not None or (self._urgent and not urgent):
                    if not self._free.wait(deadline - time.monotonic()):
                        raise _locked()
                # A connection dropped without commit or rollback must not block the line.
                self._holder = weakref.ref(conn, self._dropped)
            finally:
                self._urgent -= urgent
                if urgent and self._holder is None:
                    self._free.notify_all()  # an urgent writer gave up: the others may go
        if self.others is not None:
            try:
                self.others.acquire(deadline, urgent)
            except BaseException:
                self.leave(conn)
                raise

    def leave(self, conn: Connection) -> None:
        with self._free:
            if self._holder is not None and self._holder() is conn:
                self._vacate()

    def _dropped(self, ref: weakref.ref[Connection]) -> None:
        with self._free:
            if self._holder is ref:
                self._vacate()

    def _vacate(self) -> None:
        """Free the line for the next writer (called holding ``_free``)."""
        self._holder = None
        if self.others is not None:
            self.others.release()
        self._free.notify_all()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the webhook write while a worker thread reads; the busy timeout makes
    # concurrent writers wait a little for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cursor.close()


#: WAL pages after which a commit copies the log back into the database (a checkpoint,
#: run by the committing thread). Ordinary writers (queue workers, the scheduler, the
#: CLI) checkpoint at SQLite's default; an urgent writer (the webhook, with Twilio
#: waiting) only when the log has grown ten times as large, e.g. in a web process with
#: no worker, so the log stays bounded while acknowledgements never pay for it.
CHECKPOINT_PAGES = 1000
URGENT_CHECKPOINT_PAGES = 10 * CHECKPOINT_PAGES
#: Bytes the WAL file is cut back to after a checkpoint empties it (an import's burst).
WAL_SIZE_LIMIT = 64 * 1024 * 1024


def _checkpoint_policy(conn: Connection, urgent: bool) -> None:
    pages = URGENT_CHECKPOINT_PAGES if urgent else CHECKPOINT_PAGES
    if conn.info.get("wal_autocheckpoint") != pages:  # one PRAGMA per change, not per BEGIN
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={pages}")
        conn.info["wal_autocheckpoint"] = pages


def _other_processes(engine: Engine) -> _OtherProcesses | None:
    """The lock file shared with other processes, for a database that is a file."""
    database = engine.url.database or ""
    if fcntl is None or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return _OtherProcesses(os.path.abspath(database))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings Calltime relies on for each backend."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling defers BEGIN until the first write, which
        # lets two writers read the same row and then fight; BEGIN IMMEDIATE takes the
        # write lock up front so a read-modify-write is atomic. A read-only unit of work
        # needs no write lock: in WAL mode it reads a snapshot and blocks nobody.
        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        others = _other_processes(engine)
        writers = _WritersInLine(SQLITE_BUSY_TIMEOUT_S, others)
        if others is not None:  # no open file left behind by each disposed engine
            event.listen(engine, "engine_disposed", lambda _engine: others.close())

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            if conn.get_execution_options().get(READ_ONLY, False):
                conn.exec_driver_sql("BEGIN")
                return
            urgent = conn.get_execution_options().get(URGENT, False)
            writers.enter(conn, urgent=urgent)
            try:
                _checkpoint_policy(conn, urgent)
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writers.leave(conn)
                raise

        event.listen(engine, "commit", writers.leave)
        event.listen(engine, "rollback", writers.leave)

    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
    # After BEGIN IMMEDIATE's listener, so a BEGIN that failed is not counted as open.
    watch_transactions(engine)
    return engine


class Database:
    """An engine plus a session factory; ``session()`` is one unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_database_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._urgent = sessionmaker(
            self.engine.execution_options(**{URGENT: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, read_only: bool = False, urgent: bool = False) -> Iterator[Session]:
        """Yield a session; commit on success, roll back on any exception.

        ``read_only`` marks a unit of work that never writes: on SQLite it then starts
        with a plain ``BEGIN`` instead of taking the write lock, so a long report or a
        polling loop never makes a writer wait. ``urgent`` marks a short write someone is
        waiting for (the webhook's): on SQLite it gets the write lock before the queue
        workers' transactions waiting in this process.
        """
        factory = self._readers if read_only else self._urgent if urgent else self._sessions
        session = factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def probe(self, timeout: float = 1.0) -> str:
        """``ok``, or ``locked`` when a write could not start within ``timeout`` seconds.

        Uses a connection of its own (never the pool, which may be busy) and gives up
        after ``timeout``, so a health check answers quickly even while the database is
        locked. Raises when the database cannot be reached at all.
        """
        if self.dialect == "sqlite":
            return _probe_sqlite(self.engine.url.database or ":memory:", timeout)
        probe = create_engine(
            self.url,
            poolclass=NullPool,
            connect_args={
                "connect_timeout": max(1, int(timeout)),
                "options": f"-c statement_timeout={int(timeout * 1000)}",
            },
        )
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            probe.dispose()
        return "ok"

    def dispose(self) -> None:
        """Close every pooled connection (tests, forks, shutdown)."""
        self.engine.dispose()


def _probe_sqlite(path: str, timeout: float) -> str:
    """Try to take SQLite's write lock for an instant (``BEGIN IMMEDIATE`` then rollback)."""
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return "locked"
        raise
    finally:
        connection.close()
    return "ok"


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE without ``RETURNING`` changed.

    ``Session.execute`` is typed to return a plain :class:`Result` (a session cannot promise
    more for every statement); for these statements it is a :class:`CursorResult`, which is
    what carries ``rowcount``.

    Raises:
        TypeError: ``result`` is not a cursor result (a statement that returns rows).
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"expected an UPDATE or DELETE result, got {type(result).__name__}")
    return int(result.rowcount or 0)


def among(
    session: Session,
    column: ColumnElement[Any] | InstrumentedAttribute[Any],
    ids: Collection[uuid.UUID],
) -> ColumnElement[bool]:
    """``column IN ids`` for a long list of ids, as one array parameter on PostgreSQL.

    A batch job looks up hundreds of rows by id at a time. Written ``IN (…)``, each id is
    a parameter SQLAlchemy renders, and psycopg re-parses the long statement on every
    execution (it caches short statements only); ``= ANY(:ids)`` is one parameter and
    one short statement. SQLite has no arrays: there it stays ``IN``.
    """
    if not takes_arrays(session):
        return column.in_(ids)
    return column == any_(id_array(None, ids))


def takes_arrays(session: Session) -> bool:
    """Whether ``session``'s database takes a list of ids as one parameter (PostgreSQL)."""
    return session.get_bind().dialect.name == "postgresql"


def id_array(key: str | None, ids: Collection[uuid.UUID] | None = None) -> BindParameter[Any]:
    """A parameter holding a list of ids as a PostgreSQL ``uuid[]`` (see :func:`among`)."""
    return bindparam(key, list(ids) if ids is not None else None, type_=ARRAY(Uuid()))
