"""The ``calltime`` command line, end to end on a real database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli

COMMANDS = [
    "db",
    "projects",
    "users",
    "teams",
    "campaigns",
    "goals",
    "contacts",
    "demo",
    "serve",
    "worker",
    "clock",
]


@pytest.fixture
def run(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    return invoke


def test_help_lists_every_command() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    for name in COMMANDS:
        assert f"  {name} " in output, name


def test_directory_commands(run) -> None:
    assert "database at revision" in run("db", "upgrade")
    assert "created project" in run(
        "projects",
        "add",
        "Asha Trust",
        "--whatsapp-number",
        "+14155550100",
        "--upi-vpa",
        "asha@upi",
    )
    assert "another project already uses +14155550100" in run(
        "projects", "add", "Copy", "--whatsapp-number", "+1 415 555 0100", ok=False
    )
    assert "created team" in run("teams", "add", "--project", "Asha Trust", "Evening")
    out = run(
        "users",
        "add",
        "--project",
        "Asha Trust",
        "--name",
        "Priya",
        "--phone",
        "98765 43210",
        "--role",
        "user",
        "--team",
        "Evening",
    )
    assert "phone=+919876543210 role=user" in out
    assert "already registered" in run(
        "users",
        "add",
        "--project",
        "Asha Trust",
        "--name",
        "P2",
        "--phone",
        "+919876543210",
        ok=False,
    )
    assert "no team 'Night'" in run(
        "users",
        "add",
        "-p",
        "Asha Trust",
        "--name",
        "X",
        "--phone",
        "9876543211",
        "--team",
        "Night",
        ok=False,
    )
    assert "created campaign" in run(
        "campaigns",
        "add",
        "--project",
        "Asha Trust",
        "Winter",
        "--start",
        "2026-11-01",
        "--end",
        "2026-12-31",
    )
    assert "cannot end before it starts" in run(
        "campaigns",
        "add",
        "-p",
        "Asha Trust",
        "Bad",
        "--start",
        "2026-12-01",
        "--end",
        "2026-11-01",
        ok=False,
    )
    assert "amount=200000.00" in run(
        "goals",
        "set",
        "-p",
        "Asha Trust",
        "--campaign",
        "Winter",
        "--date",
        "2026-11-26",
        "--amount",
        "2,00,000",
        "--contacts",
        "40",
    )
    assert "amount=150000.00" in run(
        "goals",
        "set",
        "-p",
        "Asha Trust",
        "--campaign",
        "Winter",
        "--date",
        "2026-11-26",
        "--amount",
        "150000",
    )
    assert "no project 'Nope'" in run("teams", "add", "--project", "Nope", "X", ok=False)


def test_contacts_import_and_export(run, tmp_path) -> None:
    run("projects", "add", "Asha Trust", "--whatsapp-number", "+14155550100")
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(
        "display_name,phone,tags\nAnita,098765 43210,warm;vip\n,9876543211,\n", encoding="utf-8"
    )
    report_file = tmp_path / "report.csv"
    out = run(
        "contacts", "import", str(csv_file), "--project", "Asha Trust", "--report", str(report_file)
    )
    assert "line 3: skipped – no display_name" in out
    assert "1 imported, 0 updated, 0 unchanged, 1 skipped" in out
    assert report_file.read_text().splitlines() == [
        "line,status,display_name,reason",
        "2,imported,Anita,",
        "3,skipped,,no display_name",
    ]
    exported = run("contacts", "export", "--project", "Asha Trust")
    assert exported.splitlines()[1] == "Anita,+919876543210,,,vip;warm,,3,active,"


def test_demo_is_idempotent(run) -> None:
    assert "demo organisation created: 300 contacts" in run("demo")
    assert "demo organisation already present: 300 contacts" in run("demo")
