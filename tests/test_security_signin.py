"""Issue 17, points 2 and 3: sign-in limits and answers, and sessions that really end.

Every test runs on SQLite and PostgreSQL (the ``client``/``db`` fixtures).
"""

from __future__ import annotations

import statistics
import time

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from bot.cli import cli
from bot.models import User
from tests.admin_support import (
    PASSWORD,
    PASSWORD_HASH,
    csrf_from,
    csrf_token,
    login,
    seed_project,
)
from tests.factories import make_project, make_user


@pytest.fixture
def world(db, clock):
    return seed_project(db, clock.now(), "Asha")


def _admin_with_phone(db, phone: str, password_hash: str) -> User:
    project = make_project(db)
    user = make_user(db, project, "Meera", role="ADMIN", phone=phone)
    with db.session() as session:
        session.get(User, user.id).password_hash = password_hash
    return user


def _login_from(client, identifier: str, password: str, address: str):
    page = client.get("/admin/login", environ_base={"REMOTE_ADDR": address})
    form = {"identifier": identifier, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post("/admin/login", data=form, environ_base={"REMOTE_ADDR": address})


# -- point 2: the lockout follows the account, not its spelling ------------------------
def test_lockout_holds_across_spellings_of_one_phone(client, db) -> None:
    _admin_with_phone(db, "+919800000101", generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"))
    spellings = ["+919800000101", "919800000101", "09800000101", "9800000101", "+91 98000 00101"]
    for index, spelling in enumerate(spellings):
        answer = _login_from(client, spelling, "a guess", f"10.0.0.{index + 1}")
        assert answer.status_code == 401, spelling
    # Five failures in all: the account is locked, whichever way it is written.
    for index, spelling in enumerate(spellings):
        assert _login_from(client, spelling, PASSWORD, f"10.0.1.{index}").status_code == 429


def test_lockout_holds_across_email_and_phone_of_one_admin(client, world, db) -> None:
    with db.session() as session:
        phone = session.get(User, world.admin_id).phone
    for index in range(5):
        identifier = world.admin_email.upper() if index % 2 else phone
        assert _login_from(client, identifier, "a guess", f"10.1.0.{index}").status_code == 401
    assert _login_from(client, world.admin_email, PASSWORD, "10.1.1.1").status_code == 429


def _median_login_seconds(client, identifier: str) -> float:
    timings = []
    for index in range(3):
        started = time.perf_counter()
        assert _login_from(client, identifier, "a guess", f"10.2.{index}.1").status_code == 401
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_unknown_accounts_cost_as_much_as_known_ones(client, db) -> None:
    """A real (scrypt) hash is checked for unknown accounts too: no timing enumeration."""
    _admin_with_phone(db, "+919800000202", generate_password_hash(PASSWORD))
    known = _median_login_seconds(client, "+919800000202")
    unknown = _median_login_seconds(client, "+919800000303")
    # Without the dummy hash an unknown account answered ~20x faster; allow wide noise.
    assert unknown > known * 0.4, (known, unknown)


def test_set_password_is_for_admins_only(world, db, db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli-instance"))
    args = ["users", "set-password", "--project", str(world.project_id), "--password"]
    refused = CliRunner().invoke(cli, [*args, "a long passphrase", "--email", world.operator_email])
    assert refused.exit_code != 0 and "only active admins" in refused.output
    with db.session() as session:
        assert session.get(User, world.operator_id).password_hash == PASSWORD_HASH


# -- point 3: sign-out, a new password and demotion end sessions at once ---------------
def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, world) -> None:
    login(client, world.admin_email)
    stolen = _session_cookie(client)
    other_browser = app.test_client()
    other_browser.set_cookie("session", stolen)
    assert other_browser.get("/admin/").status_code == 200
    assert client.post("/admin/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/admin/").status_code == 302
    assert other_browser.get("/admin/").status_code == 302  # signed out everywhere


def test_demotion_and_new_password_end_sessions_for_good(app, client, world, db) -> None:
    login(client, world.admin_email)
    stolen = _session_cookie(client)
    with db.session() as session:
        session.get(User, world.admin_id).role = "USER"
    with db.session() as session:
        session.get(User, world.admin_id).role = "ADMIN"  # promoted again
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/admin/").status_code == 302
    login(client, world.admin_email)
    stolen = _session_cookie(client)
    with db.session() as session:
        user = session.get(User, world.admin_id)
        user.password_hash = generate_password_hash("another passphrase", "pbkdf2:sha256:1")
    replay.set_cookie("session", stolen)
    assert replay.get("/admin/").status_code == 302
