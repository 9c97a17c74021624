"""Test fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

``CALLTIME_TEST_ENGINES`` (default ``sqlite,postgres``) chooses the engines the
database fixtures run on. PostgreSQL is a real server: ``TEST_DATABASE_URL`` if set,
else PostgreSQL 16 with pgvector started from the ``pgserver`` package. Each test gets
its own database cloned from a migrated template, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import traceback
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.clock import FrozenClock
from bot.config import normalise_database_url
from bot.db import Database
from bot.migrate import upgrade
from bot.runtime import Runtime
from bot.transactions import on_network_call_in_transaction
from tests.tenancy_guard import watch_tenancy

ENGINES = [
    e.strip()
    for e in os.environ.get("CALLTIME_TEST_ENGINES", "sqlite,postgres").split(",")
    if e.strip()
]

#: Thursday 26 Nov 2026, 10:00 in Asia/Kolkata: inside working hours, mid call time.
DEFAULT_NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)

# Secrets and endpoints from a developer's shell must never reach a test.
_BLANKED_ENV = (
    "DATABASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_WHATSAPP_NUMBER",
    "TWILIO_API_BASE_URL",
    "TWILIO_NUDGE_CONTENT_SID",
    "PUBLIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "CALLTIME_LLM_MODEL",
    "MEMORY_BACKEND",
    "ZERODB_API_URL",
    "ZERODB_API_KEY",
    "ZERODB_PROJECT_ID",
    "SECRET_KEY",
    "CALLTIME_INSECURE_SKIP_SIGNATURE",
    "CALLTIME_TRUST_PROXY",
    "CALLTIME_STALE_CONTACT_MINUTES",
    "CALLTIME_AMOUNT_CEILING",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _BLANKED_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _tenancy() -> Iterator[None]:
    """Every test also checks that the application never queried across projects."""
    with watch_tenancy() as watch:
        yield
    assert watch.found == [], "tenant rows read without a project filter:\n" + "\n".join(
        dict.fromkeys(watch.found)
    )


@pytest.fixture(autouse=True)
def network_breaches() -> Iterator[list[str]]:
    """Fail any test during which a network call (the model, Twilio, a media download,
    ZeroDB) started while its thread held an open database transaction.

    Every network client calls :func:`bot.transactions.before_network_call` before each request,
    and every engine tracks its open transactions per thread; this fixture collects the
    breaches (with where they happened) and fails the test at teardown. A test that
    makes breaches on purpose empties the list it gets from this fixture.
    """
    breaches: list[str] = []

    def record(what: str) -> None:
        where = "".join(traceback.format_stack(limit=14)[:-2])
        breaches.append(f"{what} in thread {threading.current_thread().name}:\n{where}")

    remove = on_network_call_in_transaction(record)
    yield breaches
    remove()
    if breaches:
        pytest.fail(
            "a network call was made while a database transaction was open:\n"
            + "\n".join(breaches),
            pytrace=False,
        )


# -- servers and templates ------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL server this session may create databases on."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield normalise_database_url(given)
        return
    import pgserver

    # Not under pytest's basetemp: as root, pgserver runs PostgreSQL as its own system
    # user, and a concurrent pytest run resets basetemp's parent to mode 0700, which would
    # lock that user out of the data directory and its socket mid-session.
    data_dir = Path(tempfile.mkdtemp(prefix="calltime-pg-"))
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    url = normalise_database_url(server.get_uri())
    _non_durable(url)
    try:
        yield url
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


def _non_durable(admin_url: str) -> None:
    """PostgreSQL's documented non-durable settings, for the throwaway test server only.

    No fsync and no synchronous commit: a crash of the test server may lose data, which a
    test database never needs to survive; ``CREATE``/``DROP DATABASE`` per test and every
    commit stop waiting for the disk. Never applied to ``TEST_DATABASE_URL``'s server.
    """
    _admin_execute(
        admin_url,
        "ALTER SYSTEM SET fsync = off",
        "ALTER SYSTEM SET synchronous_commit = off",
        "ALTER SYSTEM SET full_page_writes = off",
        "SELECT pg_reload_conf()",
    )


def _admin_execute(admin_url: str, *statements: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> Iterator[str]:
    """Name of a migrated template database (created once per test session)."""
    name = f"calltime_tpl_{uuid.uuid4().hex[:8]}"
    _admin_execute(postgres_admin_url, f'CREATE DATABASE "{name}"')
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield name
    _admin_execute(postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test, on each configured engine."""
    if request.param == "sqlite":
        path = tmp_path / "calltime.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template")
    name = f"calltime_t_{uuid.uuid4().hex[:12]}"
    _admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- application ----------------------------------------------------------------------
@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def app(db_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Flask]:
    application = create_app(
        {
            "database_url": db_url,
            "instance_path": tmp_path / "instance",
            "secret_key": "test",
            "TESTING": True,
        },
        clock=clock,
    )
    yield application
    application.extensions["calltime"].db.dispose()


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    return app.extensions["calltime"]


@pytest.fixture
def db(runtime: Runtime) -> Database:
    return runtime.db


@pytest.fixture
def client(app: Flask):
    return app.test_client()
