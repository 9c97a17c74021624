"""Watches every SQL statement the application runs during a test: tenant rows are read
and written with a ``project_id`` filter, by primary key, or by a module that works
across projects by design.

The rule (bot/store.py): a statement on a table that carries ``project_id`` either
names ``project_id`` (ProjectScope adds it; hand-written queries spell it out), or
selects by primary key (``session.get``, the ORM's own flushes and refreshes), or is
issued from one of :data:`CROSS_PROJECT` — the modules that route a message to its
project or sweep every project. Anything else is a query that could mix projects.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.models import Base

ROOT = Path(__file__).resolve().parent.parent
TENANT_TABLES = frozenset(
    name for name, table in Base.metadata.tables.items() if "project_id" in table.c
)
#: Modules that find the project first or work across projects, and why.
CROSS_PROJECT = {
    "bot/whatsapp/intake.py": "finds the project from the To number; dedupes MessageSid",
    "bot/whatsapp/queue.py": "claims the next message of any project",
    "bot/whatsapp/webhook.py": "status callbacks find the message by its Twilio SID",
    "bot/whatsapp/worker.py": "runs whichever project's message it claimed",
    "bot/scheduler/": "jobs sweep every project, then work inside each",
    "bot/turn/sessions.py": "the idle sweep closes sessions of every project",
    "bot/directory/accounts.py": "sign-in finds the account by phone or email",
    "bot/directory/org.py": "a new project's number must be unused by every project",
    "bot/directory/demo.py": "finds the demo project by its number",
    "bot/cli/": "commands find the project named on the command line",
    "bot/migrate.py": "schema upgrades",
    "bot/migrations/": "a revision may rewrite every project's rows (0011: SQLite storage)",
}
_FROM = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+\"?(\w+)\"?", re.IGNORECASE)
_BY_ID = re.compile(r"WHERE\s+\"?\w+\"?\.\"?(?:id|rowid)\"?\s*(?:=|IN)", re.IGNORECASE)


@functools.cache
def _source(filename: str) -> str | None:
    """``filename`` relative to the repository when it is application code (bot/, tools/,
    memory/); ``""`` for the tests and benchmarks; ``None`` for anything else.

    Cached: every statement of every test asks, for the same few hundred files.
    """
    path = Path(filename)
    if not path.is_relative_to(ROOT):
        return None
    rel = path.relative_to(ROOT).as_posix()
    if rel.split("/")[0] in ("bot", "tools", "memory") and "sqlalchemy" not in rel:
        return rel
    return "" if rel.startswith(("tests/", "bench/")) else None


def _caller() -> str | None:
    """The first application frame (bot/, tools/, memory/) issuing the statement."""
    frame = sys._getframe(2)
    while frame is not None:
        source = _source(frame.f_code.co_filename)
        if source:
            return f"{source}:{frame.f_lineno}"
        if source == "":
            return None
        frame = frame.f_back
    return None


@functools.lru_cache(maxsize=16384)
def violation(statement: str) -> bool:
    """Whether ``statement`` touches a tenant table with neither project_id nor an id.

    Cached: SQLAlchemy sends the same few hundred statement strings again and again.
    """
    if statement.lstrip().upper().startswith(("INSERT", "PRAGMA", "CREATE", "ALTER", "DROP")):
        return False
    tables = {name.lower() for name in _FROM.findall(statement)}
    if not tables & TENANT_TABLES or "project_id" in statement:
        return False
    return _BY_ID.search(statement) is None


class TenancyWatch:
    """Collects statements that break the rule, with the line that issued them."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not violation(statement):
            return
        caller = _caller()
        if caller is None or any(caller.startswith(prefix) for prefix in CROSS_PROJECT):
            return
        with self._lock:
            self.found.append(f"{caller}: {' '.join(statement.split())[:200]}")


@contextmanager
def watch_tenancy() -> Iterator[TenancyWatch]:
    watch = TenancyWatch()
    event.listen(Engine, "before_cursor_execute", watch)
    try:
        yield watch
    finally:
        event.remove(Engine, "before_cursor_execute", watch)
