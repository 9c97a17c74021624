"""Contact imports in batches: same report, short transactions, one audit entry per batch, undo."""

from __future__ import annotations

import io
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select

from bot.cli import cli
from bot.directory.contact_import import next_batch_size
from bot.directory.contacts_csv import export_contacts, import_contacts
from bot.directory.import_history import ImportNotFound, recent_imports, undo_import
from bot.directory.import_journal import CREATED, created_ids
from bot.directory.import_statistics import MIN_ROWS
from bot.models import (
    AuditLog,
    Contact,
    ContactIdentity,
    ContactTag,
    Interaction,
    Message,
    Project,
)
from bot.store import ProjectScope
from tests.admin_support import csrf_token, login, seed_project
from tests.factories import make_project
from tests.test_contacts_io import GOOD_DUP_BAD

ROW_TABLES = ("contacts", "contact_identities", "contact_tags")


def report_of(db, project, text: str, **kwargs):
    with db.session() as session:
        report = import_contacts(session, project, text, actor="cli", **kwargs)
    return report


def snapshot(db, project) -> str:
    with db.session() as session:
        return export_contacts(session, session.get(Project, project.id))


def count(db, model, *where) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_batches_of_any_size_give_the_single_batch_report(db) -> None:
    whole, one_by_one = make_project(db, "Whole"), make_project(db, "One by one")
    expected = report_of(db, whole, GOOD_DUP_BAD)
    got = report_of(db, one_by_one, GOOD_DUP_BAD, batch_size=1, commit=True)
    assert [(r.line, r.status, r.reason) for r in got.rows] == [
        (r.line, r.status, r.reason) for r in expected.rows
    ]
    assert got.warnings == expected.warnings
    assert snapshot(db, one_by_one) == snapshot(db, whole)


def test_one_audit_entry_per_batch_and_one_with_the_report(db) -> None:
    project = make_project(db)
    report = report_of(db, project, GOOD_DUP_BAD, batch_size=4)
    with db.session() as session:
        entries = session.scalars(
            select(AuditLog).where(AuditLog.project_id == project.id).order_by(AuditLog.timestamp)
        ).all()
    assert not [e for e in entries if e.table_name in ROW_TABLES], "one audit row per write"
    assert {e.record_id for e in entries} == {str(report.import_id)}
    batches = [e.new_values for e in entries if "batch" in e.new_values]
    assert [b["batch"] for b in batches] == [1, 2, 3]  # lines 2-5, 6-9, 10-11
    assert sum(len(created_ids(b, "contacts")) for b in batches) == 3
    [summary] = [e.new_values for e in entries if e.new_values.get("summary")]
    assert summary["counts"] == {"imported": 3, "updated": 2, "unchanged": 0, "skipped": 5}
    assert [6, "phone: '12345' is not a valid phone number for region IN"] in summary["skipped"]
    assert summary["warnings"] == ["ignored columns: favourite_colour"]


def test_the_write_lock_is_free_between_batches(db) -> None:
    """Between two batches another writer (the webhook) gets in at once."""
    project = make_project(db)
    rows = "".join(f"Donor {i},98765{i:05d}\n" for i in range(10))
    seen: list[int] = []

    def between_batches(lines: int) -> None:
        with db.session() as other:  # on SQLite this is BEGIN IMMEDIATE: the write lock
            seen.append(other.scalar(select(func.count()).select_from(Contact)) or 0)
            other.add(
                Message(
                    project_id=project.id,
                    direction="inbound",
                    from_number="+919800000001",
                    to_number=project.whatsapp_number,
                    body=f"arrived after {lines} lines",
                    status="queued",
                )
            )

    report_of(
        db,
        project,
        "display_name,phone\n" + rows,
        batch_size=3,
        commit=True,
        progress=between_batches,
    )
    assert seen == [3, 6, 9, 10]  # each batch committed before the next began
    assert count(db, Message) == 4


def _planned_contacts(raw, dialect: str) -> float:
    """The contact count the planner was last told (0 before any analysis)."""
    if dialect == "postgresql":
        return raw.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'contacts'::regclass"
        ).fetchone()[0]
    if not raw.execute("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone():
        return 0.0
    stats = raw.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'contacts'").fetchall()
    return max((float(stat.split()[0]) for (stat,) in stats), default=0.0)


def test_each_batch_is_planned_from_the_tables_real_size(db) -> None:
    """Before each batch's owner lookup the planner knows at least half the rows there are.

    Planning from a young project's "empty" tables, PostgreSQL read every identity of
    the project for each batch and compared it with every value of the batch: a 20,000
    row import spent 0.56 s a batch on that lookup alone. SQLite without statistics
    takes every project for ten contacts, so the same import analyses it too.
    """
    project = make_project(db)
    rows = "".join(f"Donor {i},+9198765{i:05d}\n" for i in range(3 * MIN_ROWS))
    seen: list[tuple[float, int]] = []

    def before_lookup(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("SELECT contact_identities.type"):
            raw = cursor.connection
            planned = _planned_contacts(raw, db.dialect)
            real = raw.execute("SELECT count(*) FROM contacts").fetchone()[0]
            seen.append((planned, real))

    event.listen(db.engine, "before_cursor_execute", before_lookup)
    try:
        report = report_of(db, project, "display_name,phone\n" + rows, batch_size=250, commit=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", before_lookup)
    assert report.imported == 3 * MIN_ROWS
    assert len(seen) == 12
    grown = [(planned, real) for planned, real in seen if real >= MIN_ROWS]
    assert grown and all(planned >= real / 2 for planned, real in grown), seen


def test_after_an_import_sqlite_looks_contacts_up_by_key(db) -> None:
    """With the statistics the import gathered, SQLite reads ids and a contact's phone
    through their own indexes, not the project's (without them it walked the project)."""
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL's plans are covered by its autovacuum statistics")
    project = make_project(db)
    rows = "".join(f"Donor {i},+9198765{i:05d}\n" for i in range(2 * MIN_ROWS))
    report_of(db, project, "display_name,phone\n" + rows, commit=True)
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        ids = [r[0] for r in raw.execute("SELECT id FROM contacts LIMIT 12")]
        pid = project.id.bytes

        def plan(sql: str, *args: object) -> str:
            return " | ".join(r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, args))

        marks = ", ".join("?" * len(ids))
        assert "sqlite_autoindex_contacts_1 (id=?)" in plan(
            f"SELECT display_name FROM contacts WHERE project_id = ? AND id IN ({marks})",
            pid,
            *ids,
        )
        assert "ix_contact_identities_contact_id (contact_id=?)" in plan(
            "SELECT value FROM contact_identities"
            " WHERE project_id = ? AND contact_id = ? AND type = 'phone'",
            pid,
            ids[0],
        )
        assert "ix_contact_identities_contact_id (contact_id=?)" in plan(
            f"DELETE FROM contact_identities WHERE project_id = ? AND contact_id IN ({marks})",
            pid,
            *ids,
        )


def test_an_entry_written_before_the_ids_were_packed_is_still_undone(db, clock) -> None:
    """Batches recorded their ids as JSON lists of UUIDs; undo reads those as before."""
    project = make_project(db)
    before = snapshot(db, project)
    second = report_of(
        db,
        project,
        "display_name,phone,email,tags\nZoë D'Mello,9876543210,zoe@example.org,gala\n",
        commit=True,
    )
    with db.session() as session:
        [entry] = session.scalars(
            select(AuditLog).where(AuditLog.idempotency_key.like("import:%:1"))
        ).all()
        values = dict(entry.new_values)
        for kind in CREATED:
            values[kind] = [str(i) for i in created_ids(values, kind)]
        del values["packed_ids"]
        entry.new_values = values
    with db.session() as session:
        undone = undo_import(
            session, project.id, second.import_id, actor="cli", now=clock.now(), commit=True
        )
    assert undone.deleted == 1
    assert snapshot(db, project) == before


def test_undo_reverts_an_import_batch_by_batch(db, clock) -> None:
    project = make_project(db)
    first = report_of(db, project, GOOD_DUP_BAD, batch_size=2, commit=True)
    before_second = snapshot(db, project)
    second = report_of(
        db,
        project,
        "display_name,phone,email,tags,notes\n"
        "Zoë D'Mello,9876543210,zoe@example.org,gala,met at the gala\n"
        "New Person,9811111111,,,\n",
        commit=True,
    )
    assert [r.status for r in second.rows] == ["updated", "imported"]
    with db.session() as session:
        undone = undo_import(
            session, project.id, second.import_id, actor="cli", now=clock.now(), commit=True
        )
    assert (undone.deleted, undone.restored, undone.removed) == (1, 1, 2)  # email + tag
    assert snapshot(db, project) == before_second

    with db.session() as session:  # one imported contact gets a call logged meanwhile
        rohan = session.scalar(select(Contact).where(Contact.display_name == "Rohan Iyer"))
        ProjectScope(session, project.id).insert(
            Interaction(
                contact_id=rohan.id,
                channel="call",
                direction="outbound",
                outcome="spoke",
                occurred_at=clock.now(),
            )
        )
    with db.session() as session:
        undone = undo_import(session, project.id, first.import_id, actor="cli", now=clock.now())
    assert (undone.deleted, undone.kept_active, undone.kept_do_not_contact) == (1, 1, 1)
    with db.session() as session:
        names = session.scalars(select(Contact.display_name).order_by(Contact.display_name)).all()
        assert names == ["Rohan Iyer", "ராஜேஷ் குமார்"]  # the called one, the do-not-contact one
        assert session.scalar(select(func.count()).select_from(ContactTag)) == 1  # Rohan's
    with db.session() as session:
        again = undo_import(session, project.id, first.import_id, actor="cli", now=clock.now())
    assert again.already_undone


def test_undo_keeps_later_edits_and_never_lifts_do_not_contact(db, clock) -> None:
    project = make_project(db)
    report_of(db, project, "display_name,phone,capacity_band\nAnita,9876543210,5k\n")
    change = report_of(
        db,
        project,
        "display_name,phone,capacity_band,status\nAnita S,9876543210,1L,do_not_contact\n",
    )
    with db.session() as session:  # an admin renames her afterwards
        anita = session.scalar(select(Contact))
        anita.display_name = "Anita Sharma"
    with db.session() as session:
        undone = undo_import(session, project.id, change.import_id, actor="cli", now=clock.now())
    assert (undone.restored, undone.kept_edited, undone.kept_do_not_contact) == (1, 1, 1)
    with db.session() as session:
        anita = session.scalar(select(Contact))
        assert (anita.display_name, anita.capacity_band, anita.status) == (
            "Anita Sharma",
            "5k",
            "do_not_contact",
        )


def test_an_import_is_undone_only_in_its_own_project(db, clock) -> None:
    mine, theirs = make_project(db, "Mine"), make_project(db, "Theirs")
    report = report_of(db, theirs, "display_name,phone\nAnita,9876543210\n")
    with db.session() as session, pytest.raises(ImportNotFound):
        undo_import(session, mine.id, report.import_id, actor="cli", now=clock.now())
    with db.session() as session, pytest.raises(ImportNotFound):
        undo_import(session, theirs.id, uuid.uuid4(), actor="cli", now=clock.now())
    assert count(db, Contact) == 1


def test_cli_import_prints_its_id_and_undoes_it(db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    run("projects", "add", "Asha Trust", "--whatsapp-number", "+14155550100")
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("display_name,phone\n" + "".join(f"D{i},98765{i:05d}\n" for i in range(7)))
    out = run("contacts", "import", str(csv_file), "--project", "Asha Trust")
    assert "7 imported" in out and "importing" not in out  # no progress bar off a terminal
    import_id = out.rsplit("import id: ", 1)[1].strip()
    assert f"--undo {import_id}" in out
    assert "give CSV_FILE or --undo" in run(
        "contacts", "import", str(csv_file), "--project", "Asha Trust", "--undo", import_id, code=2
    )
    assert "missing CSV_FILE" in run("contacts", "import", "--project", "Asha Trust", code=2)
    assert "7 contacts deleted" in run(
        "contacts", "import", "--undo", import_id, "--project", "Asha Trust"
    )
    assert "undone already" in run(
        "contacts", "import", "--undo", import_id, "--project", "Asha Trust"
    )
    assert "not an import id" in run(
        "contacts", "import", "--undo", "nope", "--project", "Asha Trust", code=2
    )


def test_dashboard_lists_imports_and_undoes_one(client, db, clock) -> None:
    world = seed_project(db, clock.now(), "Asha")
    assert login(client, world.admin_email).status_code == 302
    data = "display_name,phone\nMeera Iyer,+919812345678\nRavi Rao,+919812345679\n"
    page = client.post(
        "/admin/contacts/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data.encode()), "c.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    with db.session() as session:
        [record] = recent_imports(ProjectScope(session, world.project_id))
    assert record.counts["imported"] == 2 and record.user_id == world.admin_id
    assert record.import_id in page and "Asha Admin" in page
    url = f"/admin/contacts/import/{record.import_id}/undo"
    assert client.post(url).status_code == 400  # no CSRF token
    response = client.post(url, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "2 contacts deleted" in client.get(response.location).get_data(as_text=True)
    assert count(db, ContactIdentity, ContactIdentity.value == "+919812345678") == 0
    with db.session() as session:
        [entry] = session.scalars(select(AuditLog).where(AuditLog.action == "delete")).all()
        assert entry.changed_by == f"user:{world.admin_id}"
        assert entry.table_name == "contact_imports"


@pytest.mark.parametrize(
    ("size", "seconds", "expected"),
    [
        (500, 0.1, 500),  # on target: unchanged
        (500, 1.0, 158),  # ten times too slow: halfway (geometrically) to 50 rows
        (200, 0.02, 447),  # five times too fast: towards 1,000 rows
        (500, 0.001, 500),  # never above BATCH_SIZE
        (100, 5.0, 100),  # never below MIN_BATCH
    ],
)
def test_batches_are_sized_so_a_transaction_stays_short(size, seconds, expected) -> None:
    assert next_batch_size(size, seconds) == expected
