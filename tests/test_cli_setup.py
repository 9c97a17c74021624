"""Issue 18, point 3: a new user's first mistakes end in one line, never a traceback.

Each case runs the real ``calltime`` console script in a subprocess, in an empty
working directory, and checks the exit code, the one ``Error:`` line and that nothing
ran that should not have (no banner, no scheduler, no schema).
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from bot.migrate import upgrade
from tests.cli_support import CALLTIME, assert_one_line_error, calltime, clean_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_url(tmp_path: Path, name: str = "calltime.db") -> str:
    return f"sqlite:///{tmp_path / name}"


@pytest.mark.parametrize(
    ("url", "fragments"),
    [
        ("mysql://calltime@localhost/calltime", ["DATABASE_URL: unsupported database 'mysql'"]),
        ("not a url", ["DATABASE_URL: not a database URL", "postgresql://"]),
        (
            "postgresql+psycopg2://calltime@localhost/calltime",
            ["DATABASE_URL:", "psycopg 3, not psycopg2"],
        ),
    ],
)
def test_a_database_url_calltime_cannot_use(tmp_path: Path, url: str, fragments: list[str]) -> None:
    result = calltime("db", "upgrade", env=clean_env(tmp_path, DATABASE_URL=url), cwd=tmp_path)
    assert_one_line_error(result, *fragments)


def test_an_unreachable_database_names_it_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://calltime:s3cret@127.0.0.1:{free_port()}/calltime"
    result = calltime(
        "users", "list", "-p", "x", env=clean_env(tmp_path, DATABASE_URL=url), cwd=tmp_path
    )
    line = assert_one_line_error(
        result, "cannot reach the database postgresql+psycopg://calltime:***@127.0.0.1:"
    )
    assert "refused" in line.lower() and "s3cret" not in result.stderr


def test_a_missing_postgresql_driver_says_what_to_install(tmp_path: Path) -> None:
    """Python's documented way to make an import fail: ``sys.modules[name] = None``."""
    script = (
        "import sys; sys.modules['psycopg'] = None; "
        "from bot.cli import main; sys.argv = ['calltime', 'db', 'upgrade']; main()"
    )
    env = clean_env(tmp_path, DATABASE_URL="postgresql://calltime@localhost/calltime")
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert_one_line_error(
        result, "the PostgreSQL driver is not installed: pip install 'psycopg[binary]'"
    )


def test_psycopg_is_a_base_dependency() -> None:
    requires = metadata.requires("calltime") or []
    base = [r for r in requires if "extra ==" not in r]
    assert any(r.startswith("psycopg[binary]") for r in base), base


def test_a_bad_setting_names_its_variable_and_hides_its_value(tmp_path: Path) -> None:
    env = clean_env(tmp_path, CALLTIME_WORKER_THREADS="lots", MEMORY_BACKEND="s3cret-store")
    line = assert_one_line_error(
        calltime("db", "upgrade", env=env, cwd=tmp_path),
        "MEMORY_BACKEND: Input should be 'local' or 'zerodb'",
        "CALLTIME_WORKER_THREADS: Input should be a valid integer",
    )
    assert "s3cret" not in line


def test_an_instance_folder_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    env = clean_env(tmp_path, CALLTIME_INSTANCE_PATH=str(tmp_path / "a-file" / "instance"))
    assert_one_line_error(
        calltime("db", "upgrade", env=env, cwd=tmp_path),
        f"cannot use {tmp_path / 'a-file' / 'instance'} (Not a directory)",
        "CALLTIME_INSTANCE_PATH",
    )


def test_a_database_nobody_migrated(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    for command in (["chat", "--as", "+919800000002"], ["users", "list", "-p", "Asha"]):
        assert_one_line_error(
            calltime(*command, env=env, cwd=tmp_path),
            "the database has no Calltime tables yet: run `calltime db upgrade` first",
        )


def test_a_database_behind_this_version(tmp_path: Path) -> None:
    (tmp_path / "calltime.db").touch(mode=0o600)  # as Calltime makes it: private
    engine = create_engine(sqlite_url(tmp_path))
    upgrade(engine, "0006")
    engine.dispose()
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert_one_line_error(
        calltime("projects", "list", env=env, cwd=tmp_path),
        "the database is at revision 0006, this Calltime needs",
        "run `calltime db upgrade`",
    )


def test_a_database_holding_another_applications_tables(tmp_path: Path) -> None:
    (tmp_path / "calltime.db").touch(mode=0o600)
    with sqlite3.connect(tmp_path / "calltime.db") as db:
        db.execute("CREATE TABLE projects (code TEXT)")
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert_one_line_error(
        calltime("db", "upgrade", env=env, cwd=tmp_path),
        "could not migrate the database: table projects already exists",
        after_log=True,
    )


def test_chat_as_an_unknown_phone(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert calltime("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert_one_line_error(
        calltime("chat", "--as", "+919999999999", env=env, cwd=tmp_path),
        "no active operator writes from +919999999999",
    )
    assert_one_line_error(
        calltime("chat", "--as", "12", env=env, cwd=tmp_path), "'12' is not a valid phone number"
    )


def test_users_add_with_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    result = calltime(
        "users",
        "add",
        "-p",
        "x",
        "--name",
        "A",
        "--phone",
        "1",
        "--role",
        "boss",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'boss' is not one of 'admin', 'user', 'guest', 'developer'" in result.stderr


def test_serve_on_a_port_in_use_stops_before_anything_runs(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = calltime("serve", "--port", str(port), env=env, cwd=tmp_path)
    assert_one_line_error(
        result, f"cannot listen on 127.0.0.1:{port}: the port is already in use", "--port"
    )
    assert result.stdout == ""  # no banner
    with sqlite3.connect(tmp_path / "calltime.db") as db:  # nor migrations
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_serve_on_an_unknown_host(tmp_path: Path) -> None:
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert_one_line_error(
        calltime("serve", "--host", "no-such-host.invalid", env=env, cwd=tmp_path),
        "cannot listen on 'no-such-host.invalid'",
    )


@pytest.mark.parametrize("role", ["worker", "clock"])
def test_worker_and_clock_refuse_sqlite_unless_allowed(tmp_path: Path, role: str) -> None:
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert calltime("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert_one_line_error(
        calltime(role, env=env, cwd=tmp_path),
        f"calltime {role} runs as its own process, which needs PostgreSQL",
        "--allow-sqlite",
    )
    once = calltime(role, "--once", env=env, cwd=tmp_path)  # a one-off run is fine
    assert once.returncode == 0, once.stderr
    proc = subprocess.Popen(
        [CALLTIME, role, "--allow-sqlite"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    ready = "started" if role == "worker" else "scheduler running"
    lines = [proc.stderr.readline()]
    while lines[-1] and ready not in lines[-1]:  # it runs, with its signal handlers set
        lines.append(proc.stderr.readline())
    assert ready in lines[-1], "".join(lines)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_version(tmp_path: Path) -> None:
    # No database is needed: even an unusable DATABASE_URL does not matter.
    env = clean_env(tmp_path, DATABASE_URL="mysql://nobody@nowhere/none")
    result = calltime("--version", env=env, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"calltime {metadata.version('calltime')}"


#: Runs ``calltime ARGS…`` in-process, then prints the modules it loaded that matter here.
LOADED_MODULES = """
import json, sys
from bot.cli import main
sys.argv = ["calltime", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = ("anthropic", "sqlalchemy", "flask", "bot.app", "bot.whatsapp.worker")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("bot.cli.") or m in heavy)))
"""


def loaded_by(tmp_path: Path, *args: str) -> list[str]:
    env = clean_env(tmp_path, DATABASE_URL="mysql://nobody@nowhere/none")
    result = subprocess.run(
        [sys.executable, "-c", LOADED_MODULES, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


def test_version_loads_no_command_and_help_no_model_sdk(tmp_path: Path) -> None:
    """Commands load on first use, so ``--version`` starts at once; ``--help`` loads every
    command module (for their one-line help) but not the model SDK, the app or the worker."""
    assert loaded_by(tmp_path, "--version") == ["bot.cli.envfile"]
    on_help = loaded_by(tmp_path, "--help")
    assert {"bot.cli.chat", "bot.cli.directory", "bot.cli.memory"} <= set(on_help)
    assert not {"anthropic", "bot.app", "bot.whatsapp.worker"} & set(on_help)


def test_the_message_pipeline_loads_the_model_sdk_only_for_a_model_turn() -> None:
    """The app and the worker start without the model SDK (seconds of imports): the
    model's client and loop import it, on the first turn the model answers."""
    script = (
        "import sys, bot.app, bot.whatsapp.worker, bot.cli.chat\n"
        "print('anthropic' in sys.modules)\n"
        "import bot.agent.loop\n"
        "print('anthropic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


def test_the_dotenv_file_is_read_but_never_overrides_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"# settings for this folder\nDATABASE_URL={sqlite_url(tmp_path, 'from-dotenv.db')}\n"
        "CALLTIME_WORKER_THREADS=3\n"
    )
    result = calltime("db", "upgrade", env=clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").stat().st_size > 0
    env = clean_env(tmp_path, DATABASE_URL=sqlite_url(tmp_path, "from-environment.db"))
    assert calltime("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "from-environment.db").stat().st_size > 0
    # A bad value in the file is reported like one in the environment.
    (tmp_path / ".env").write_text("CALLTIME_WORKER_THREADS=many\n")
    assert_one_line_error(
        calltime("db", "upgrade", env=clean_env(tmp_path), cwd=tmp_path),
        "CALLTIME_WORKER_THREADS: Input should be a valid integer",
    )


@pytest.mark.slow
def test_serve_prints_its_banner_last_and_links_to_where_it_listens(tmp_path: Path) -> None:
    """No scheduler line after start-up; ``admin login`` on WhatsApp links to this server."""
    port = free_port()
    env = clean_env(
        tmp_path, DATABASE_URL=sqlite_url(tmp_path), CALLTIME_INSECURE_SKIP_SIGNATURE="1"
    )
    proc = subprocess.Popen(
        [CALLTIME, "serve", "--demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        lines = []
        while not any(line.startswith("             demo operators") for line in lines):
            line = proc.stdout.readline()
            assert line, "serve stopped: " + "".join(lines)
            lines.append(line)
        form = {
            "MessageSid": "SM" + "a" * 32,
            "From": "whatsapp:+919800000001",  # the demo admin
            "To": "whatsapp:+14155238886",
            "Body": "admin login",
        }
        assert httpx.post(base + "/whatsapp/inbound", data=form, timeout=10).status_code == 200
        link = wait_for_reply(tmp_path / "calltime.db", "/admin/login/")
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[0]
    banner = lines.index(f"Calltime is serving on {base}\n")
    assert any("scheduler started" in line for line in lines[:banner])  # it ran first
    assert not [line for line in lines + [rest] if "apscheduler" in line]
    assert link.startswith(f"{base}/admin/login/"), link


def wait_for_reply(path: Path, fragment: str, timeout: float = 30) -> str:
    """The line of the first outbound message body holding ``fragment``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(path) as db:
            bodies = db.execute(
                "SELECT body FROM messages_inbound_outbound WHERE direction = 'outbound'"
            )
            for (body,) in bodies.fetchall():
                for line in (body or "").splitlines():
                    if fragment in line:
                        return line.strip()
        time.sleep(0.2)
    raise AssertionError(f"no reply holding {fragment!r}")
