"""Admin sign-in: passwords, one-time links, rate limits, CSRF, cookies, roles."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.directory.accounts import issue_login_link
from bot.models import Contact, LoginToken, User
from bot.store import ProjectScope
from tests.admin_support import PASSWORD, csrf_from, csrf_token, login, seed_project


@pytest.fixture
def world(db, clock):
    return seed_project(db, clock.now(), "Asha")


def test_password_login_opens_the_overview(client, world) -> None:
    assert client.get("/admin/").status_code == 302  # anonymous → login page
    response = login(client, world.admin_email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "tool calls" in page.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client, world) -> None:
    response = login(client, world.admin_email, "not the password")
    assert response.status_code == 401
    assert "wrong email/phone or password" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_operator_with_right_password_gets_the_wrong_password_answer(client, world) -> None:
    """No password oracle: a non-admin's right password looks like a wrong one."""
    right = login(client, world.operator_email)
    wrong = login(client, world.operator_email, "not the password")
    assert right.status_code == wrong.status_code == 401
    nonce = re.compile(r'nonce="[^"]+"')
    assert nonce.sub("", right.get_data(as_text=True)) == nonce.sub("", wrong.text)
    assert client.get("/admin/").status_code == 302  # no session was started


def test_demoted_admin_loses_access_at_once(client, world, db) -> None:
    login(client, world.admin_email)
    with db.session() as session:
        session.get(User, world.admin_id).role = "USER"
    assert client.get("/admin/contacts").status_code == 302  # the session ended
    with db.session() as session:
        session.get(User, world.admin_id).role = "ADMIN"
    assert client.get("/admin/contacts").status_code == 302  # and stays ended


def test_failed_logins_are_rate_limited(client, world, db, clock) -> None:
    for _ in range(5):
        assert login(client, world.admin_email, "guess").status_code == 401
    # Even the right password is refused while the account is locked…
    assert login(client, world.admin_email).status_code == 429
    # …and accepted again once the window has passed.
    clock.advance(minutes=16)
    assert login(client, world.admin_email).status_code == 302


def test_password_change_ends_existing_sessions(client, world, db) -> None:
    login(client, world.admin_email)
    assert client.get("/admin/").status_code == 200
    with db.session() as session:
        session.get(User, world.admin_id).password_hash = "scrypt:changed"
    assert client.get("/admin/").status_code == 302


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, world, db) -> None:
    assert (
        client.post(
            "/admin/login", data={"identifier": world.admin_email, "password": PASSWORD}
        ).status_code
        == 400
    )
    login(client, world.admin_email)
    url = f"/admin/contacts/{world.contact_id}"
    for token in (None, "forged"):
        data = {"status": "do_not_contact"} | ({"csrf_token": token} if token else {})
        assert client.post(url, data=data).status_code == 400
    with db.session() as session:
        assert session.get(Contact, world.contact_id).status == "active"


def test_csrf_applies_to_the_admin_blueprint_only(app, client) -> None:
    app.add_url_rule("/probe", "probe", lambda: "ok", methods=["POST"])
    assert client.post("/probe", data={"Body": "hi"}).status_code == 200


def test_session_cookie_flags(client, world) -> None:
    response = login(client, world.admin_email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = client.get("/admin/login", base_url="https://localhost")
    assert "Secure" in https.headers["Set-Cookie"]


def test_login_link_is_single_use(client, world, runtime, db) -> None:
    with db.session() as session:
        scope = ProjectScope(session, world.project_id)
        link = issue_login_link(runtime, scope, session.get(User, world.admin_id))
        stored = session.scalar(select(LoginToken.token_hash))
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert stored not in link  # only a hash is kept
    # A GET (as a chat app's link preview makes) does not spend the link.
    page = client.get("/" + path)
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/" + path, data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout", data={"csrf_token": csrf_token(client)})
    token = csrf_from(client.get("/" + path).get_data(as_text=True))
    assert client.post("/" + path, data={"csrf_token": token}).status_code == 400


def test_expired_or_tampered_links_are_refused(client, world, runtime, db, clock) -> None:
    def fresh_link() -> str:
        with db.session() as session:
            link = issue_login_link(
                runtime, ProjectScope(session, world.project_id), session.get(User, world.admin_id)
            )
        return "/" + link.split("://", 1)[1].split("/", 1)[1]

    tampered = fresh_link()
    tampered = tampered[:-3] + ("aaa" if not tampered.endswith("aaa") else "bbb")
    expired = fresh_link()
    clock.advance(minutes=11)
    for path in (tampered, expired):
        token = csrf_from(client.get(path).get_data(as_text=True))
        assert client.post(path, data={"csrf_token": token}).status_code == 400
        assert client.get("/admin/").status_code == 302


def test_no_login_link_for_operators(world, runtime, db) -> None:
    with db.session() as session:
        with pytest.raises(PermissionError):
            issue_login_link(
                runtime,
                ProjectScope(session, world.project_id),
                session.get(User, world.operator_id),
            )
        assert session.scalar(select(func.count()).select_from(LoginToken)) == 0


def test_cli_sets_a_password_that_signs_in(client, world, db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli-instance"))
    runner = CliRunner()
    args = [
        "users",
        "set-password",
        "--project",
        str(world.project_id),
        "--email",
        world.admin_email,
        "--password",
    ]
    short = runner.invoke(cli, [*args, "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    result = runner.invoke(cli, [*args, "a brand new passphrase"])
    assert result.exit_code == 0, result.output
    assert login(client, world.admin_email, PASSWORD).status_code == 401
    assert login(client, world.admin_email, "a brand new passphrase").status_code == 302
