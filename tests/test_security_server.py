"""Issue 17, points 3, 8, 9 and 10: headers, files on disk, access logs, start-up checks."""

from __future__ import annotations

import logging
import os
import shlex
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask

from bot.app import create_app
from bot.cli import cli
from bot.config import ConfigError
from bot.directory.accounts import issue_login_link
from bot.models import ChatSession, Message, User
from bot.store import ProjectScope
from bot.whatsapp.worker_threads import make_http_server
from tests.admin_support import login, seed_project


@pytest.fixture
def world(db, clock):
    return seed_project(db, clock.now(), "Asha")


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """``app`` behind the embedded server that ``calltime serve`` runs."""
    server = make_http_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- point 3: headers -----------------------------------------------------------------
def test_no_version_banner_and_a_content_security_policy(served: str) -> None:
    answer = httpx.get(served + "/admin/login")
    assert answer.headers["server"] == "Calltime"
    assert "Werkzeug" not in str(answer.headers) and "Python" not in str(answer.headers)
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in answer.text
    assert "strict-transport-security" not in answer.headers  # plain http


def test_behind_a_trusted_tls_proxy_cookies_are_secure_and_hsts_is_sent(
    db_url: str, tmp_path: Path, clock, db
) -> None:
    world = seed_project(db, clock.now(), "Asha")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "calltime.asha.org"}
    for trust, secure in ((False, False), (True, True)):
        app = create_app(
            {
                "database_url": db_url,
                "instance_path": tmp_path / f"instance-{trust}",
                "secret_key": "test",
                "trust_proxy": trust,
                "TESTING": True,
            },
            clock=clock,
        )
        client = app.test_client()
        for name, value in forwarded.items():
            client.environ_base["HTTP_" + name.upper().replace("-", "_")] = value
        answer = login(client, world.admin_email)
        assert ("Secure" in answer.headers["Set-Cookie"]) is secure
        assert ("Strict-Transport-Security" in answer.headers) is secure
        app.extensions["calltime"].db.dispose()


# -- point 8: files on disk -----------------------------------------------------------
def test_instance_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    previous = os.umask(0o022)
    try:
        app = create_app({"instance_path": instance})
        app.extensions["calltime"].db.ping()
    finally:
        os.umask(previous)
    assert _mode(instance) == 0o700
    assert _mode(instance / "calltime.db") == 0o600
    assert _mode(instance / "secret_key") == 0o600
    app.extensions["calltime"].db.dispose()


def test_an_instance_left_open_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "calltime.db").touch(mode=0o644)
    os.chmod(instance, 0o755)
    os.chmod(instance / "calltime.db", 0o644)
    app = create_app({"instance_path": instance})
    assert (_mode(instance), _mode(instance / "calltime.db")) == (0o700, 0o600)
    app.extensions["calltime"].db.dispose()


# -- point 9: one-time links never reach a log or another admin -----------------------
def _link_path(runtime, db, world) -> str:
    with db.session() as session:
        link = issue_login_link(
            runtime, ProjectScope(session, world.project_id), session.get(User, world.admin_id)
        )
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_login_tokens_are_masked_in_the_embedded_servers_access_log(
    served: str, runtime, db, world, caplog: pytest.LogCaptureFixture
) -> None:
    path = _link_path(runtime, db, world)
    token = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert httpx.get(served + path).status_code == 200
    assert "/admin/login/•••" in caplog.text
    assert token not in caplog.text


def test_login_tokens_are_masked_in_the_apps_own_log(app, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        app.logger.error("Exception on %s [POST]", "/admin/login/abc.secret-token")
    assert "/admin/login/•••" in caplog.text and "secret-token" not in caplog.text


def test_login_tokens_are_masked_in_gunicorns_access_log(tmp_path: Path) -> None:
    """gunicorn as the Procfile runs it, with an access log: the token never lands there."""
    port = _free_port()
    log_file = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))}
    env.update(CALLTIME_INSTANCE_PATH=str(tmp_path / "instance"), SECRET_KEY="test")
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        *_procfile_web_options(),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(log_file),
        "bot.app:create_app()",
    ]
    token = "eyJhbGciOi.secret-token_value"
    proc = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/admin/login")
        referer = {"Referer": f"http://127.0.0.1:{port}/admin/login/{token}"}
        url = f"http://127.0.0.1:{port}/admin/login/{token}?from=chat"
        assert httpx.get(url, headers=referer).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    written = log_file.read_text()
    assert "GET /admin/login/•••?from=chat" in written and token not in written


def _procfile_web_options() -> list[str]:
    """The ``-c`` (configuration module) and ``--logger-class`` options of the Procfile's
    ``web`` line."""
    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    web = shlex.split(next(line for line in procfile.splitlines() if line.startswith("web:")))
    return [part for flag in ("-c", "--logger-class") for part in web[web.index(flag) :][:2]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start within 60 s")


def test_other_admins_see_a_login_link_masked_in_transcripts(client, world, db, runtime) -> None:
    path = _link_path(runtime, db, world)
    token = path.rsplit("/", 1)[1]
    with db.session() as session:
        chat = session.get(ChatSession, world.session_id)
        ProjectScope(session, world.project_id).insert(
            Message(
                user_id=chat.user_id,
                session_id=chat.id,
                direction="outbound",
                from_number="+14155238886",
                to_number="+919800000001",
                body=f"Your dashboard link (works once, for 10 minutes):\nhttp://x{path}",
                status="sent",
                created_at=runtime.clock.now(),
            )
        )
    login(client, world.admin_email)
    page = client.get(f"/admin/conversations/{world.session_id}").text
    assert "/admin/login/•••" in page and token not in page


# -- point 10: PUBLIC_BASE_URL with Twilio credentials --------------------------------
def test_twilio_credentials_without_public_base_url_refuse_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {"instance_path": tmp_path / "instance", "twilio_auth_token": "x" * 32}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is required"):
        create_app(config)
    create_app(config, demo=True).extensions["calltime"].db.dispose()
    create_app({**config, "public_base_url": "https://calltime.asha.org"}).extensions[
        "calltime"
    ].db.dispose()
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli"))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    result = CliRunner().invoke(cli, ["db", "current"])
    assert result.exit_code != 0
    assert result.output.startswith("Error: PUBLIC_BASE_URL is required")
    assert result.output.count("\n") == 1  # one line, no traceback
