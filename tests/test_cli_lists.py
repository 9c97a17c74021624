"""Issue 18, point 3: ``list`` for projects, users, teams, campaigns and goals; roles in one
case; login links that point where Calltime is reached. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import build_settings
from bot.cli import cli

ENV = ("PUBLIC_BASE_URL", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "CALLTIME_MODEL_DIR")


@pytest.fixture
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> str:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    return invoke


def table(output: str) -> list[dict[str, str]]:
    """Rows of a printed table as {header: cell}, cut at the header's column starts."""
    header, *lines = output.rstrip("\n").splitlines()
    names = header.split("  ")
    names = [name.strip() for name in names if name.strip()]
    starts = [header.index(name) for name in names]
    ends = [*starts[1:], None]
    return [
        {name: line[a:b].strip() for name, a, b in zip(names, starts, ends, strict=True)}
        for line in lines
    ]


@pytest.fixture
def org(run) -> None:
    run("projects", "add", "Asha Trust", "--whatsapp-number", "+14155550100")
    run("projects", "add", "Other Org", "--whatsapp-number", "+14155550199", "--currency", "USD")
    run("teams", "add", "-p", "Asha Trust", "Evening", "--leaderboard")
    run("teams", "add", "-p", "Asha Trust", "Morning")
    user = ("users", "add", "-p", "Asha Trust", "--name")
    run(*user, "Priya Nair", "--phone", "9876543210", "--team", "Evening")
    run(*user, "Meera Iyer", "--phone", "9876543211", "--role", "ADMIN", "--email", "m@asha.in")
    run(*user, "Gita Rao", "--phone", "9876543212", "--role", "Guest")
    run("users", "add", "-p", "Other Org", "--name", "Elsewhere", "--phone", "9876543219")
    run("campaigns", "add", "-p", "Asha Trust", "Winter", "--start", "2026-12-01")
    run("campaigns", "add", "-p", "Asha Trust", "Diwali", "--start", "2026-10-20")
    goal = ("goals", "set", "-p", "Asha Trust", "--campaign")
    run(*goal, "Winter", "--date", "2026-12-02", "--amount", "250000", "--contacts", "40")
    run(*goal, "Winter", "--date", "2026-12-01", "--amount", "2,00,000")
    run(*goal, "Diwali", "--date", "2026-10-21", "--amount", "1500.50")


def test_projects_list(run, org) -> None:
    rows = table(run("projects", "list"))
    assert [(r["NAME"], r["WHATSAPP NUMBER"], r["CURRENCY"], r["USERS"]) for r in rows] == [
        ("Asha Trust", "+14155550100", "INR", "3"),
        ("Other Org", "+14155550199", "USD", "1"),
    ]
    assert all(len(r["ID"]) == 36 for r in rows)


def test_an_empty_list_says_what_to_do(run) -> None:
    assert "no projects yet: calltime projects add NAME" in run("projects", "list")


def test_users_list_in_one_project_with_roles_as_typed(run, org) -> None:
    rows = table(run("users", "list", "-p", "Asha Trust"))
    assert [
        (r["NAME"], r["PHONE"], r["ROLE"], r["TEAMS"], r["EMAIL"], r["ACTIVE"]) for r in rows
    ] == [
        ("Gita Rao", "+919876543212", "guest", "-", "-", "yes"),
        ("Meera Iyer", "+919876543211", "admin", "-", "m@asha.in", "yes"),
        ("Priya Nair", "+919876543210", "user", "Evening", "-", "yes"),
    ]
    admins = table(run("users", "list", "-p", "Asha Trust", "--role", "Admin"))
    assert [r["NAME"] for r in admins] == ["Meera Iyer"]
    assert [r["NAME"] for r in table(run("users", "list", "-p", "Other Org"))] == ["Elsewhere"]


def test_teams_list(run, org) -> None:
    rows = table(run("teams", "list", "-p", "Asha Trust"))
    assert [(r["NAME"], r["MEMBERS"], r["LEADERBOARD"]) for r in rows] == [
        ("Evening", "1", "yes"),
        ("Morning", "0", "no"),
    ]
    assert run("teams", "list", "-p", "Other Org") == "no teams\n"


def test_campaigns_list(run, org) -> None:
    rows = table(run("campaigns", "list", "-p", "Asha Trust"))
    assert [(r["NAME"], r["START"], r["END"], r["STATUS"], r["GOALS"]) for r in rows] == [
        ("Diwali", "2026-10-20", "-", "active", "1"),
        ("Winter", "2026-12-01", "-", "active", "2"),
    ]


def test_goals_list_in_the_projects_currency(run, org) -> None:
    rows = table(run("goals", "list", "-p", "Asha Trust"))
    assert [tuple(r.values()) for r in rows] == [
        ("Diwali", "2026-10-21", "₹1,500.50", "0"),
        ("Winter", "2026-12-01", "₹2,00,000", "0"),
        ("Winter", "2026-12-02", "₹2,50,000", "40"),
    ]
    winter = table(run("goals", "list", "-p", "Asha Trust", "--campaign", "Winter"))
    assert [r["DATE"] for r in winter] == ["2026-12-01", "2026-12-02"]
    assert "no campaign 'Summer' in Asha Trust" in run(
        "goals", "list", "-p", "Asha Trust", "--campaign", "Summer", ok=False
    )


def test_role_choices_and_default_in_one_case() -> None:
    help_text = CliRunner().invoke(cli, ["users", "add", "--help"], terminal_width=200).output
    assert "--role [admin|user|guest|developer]" in help_text
    assert "[default: user]" in help_text


def test_a_role_in_any_case_is_stored_in_upper_case(run, org, db_url) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as conn:
        roles = dict(conn.execute(text("SELECT full_name, role FROM users")).all())
    engine.dispose()
    assert roles == {
        "Priya Nair": "USER",
        "Meera Iyer": "ADMIN",
        "Gita Rao": "GUEST",
        "Elsewhere": "USER",
    }


def test_login_links_point_where_calltime_is_reached(run, org, monkeypatch) -> None:
    link = ("users", "login-link", "-p", "Asha Trust", "--email", "m@asha.in")
    assert run(*link).startswith("http://127.0.0.1:5000/admin/login/")
    given = run(*link, "--base-url", "http://192.168.1.5:8000/")
    assert given.startswith("http://192.168.1.5:8000/admin/login/")
    assert "starting with http:// or https://" in run(*link, "--base-url", "calltime.in", ok=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://calltime.example.org")
    assert run(*link).startswith("https://calltime.example.org/admin/login/")


def test_the_base_url_prefers_public_then_where_serve_listens(tmp_path: Path) -> None:
    settings = build_settings({"instance_path": tmp_path, "public_base_url": None})
    assert settings.base_url() == "http://127.0.0.1:5000"
    settings.serving_url = "http://127.0.0.1:8123"
    assert settings.base_url() == "http://127.0.0.1:8123"
    settings.public_base_url = "https://calltime.example.org/"
    assert settings.base_url() == "https://calltime.example.org"
