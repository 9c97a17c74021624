"""Bank statements: presets and mappings, the review's piles, the CLI's summary, batch
writes and their undo, and unreadable files refused with their line number."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.models import AuditLog, Payment, Pledge
from bot.reconcile.review import build_review, review_csv
from bot.reconcile.statements import StatementError, decode, read_statement
from bot.store import ProjectScope
from tests import test_cli
from tests.factories import make_project, make_user
from tests.reconcile_support import STATEMENTS, rows, statement_world

run = test_cli.run  # the CLI fixture: output, asserting the exit status

SUMMARY = (
    "5 credits, ₹36,500: 1 matched (₹5,000), 2 probable (₹17,500), 1 unmatched (₹12,000), "
    "1 recorded (₹2,000). 3 pledges still unpaid (₹38,000 outstanding)."
)


@pytest.mark.parametrize("preset", ["hdfc", "sbi", "icici", "phonepe"])
def test_each_preset_reads_its_banks_export_and_is_recognised(preset: str) -> None:
    text = (STATEMENTS / f"{preset}.csv").read_text(encoding="utf-8")
    fmt, lines = read_statement(text)
    assert fmt == preset
    first, second = lines[0].credit, lines[1].credit
    assert (first.amount, first.payer_name, first.reference) == (
        Decimal("10000.00"),
        "ANITA SHARMA",
        "633612345675",
    )
    assert (second.amount, second.payer_name) == (Decimal("5000.00"), "RAHUL VERMA")
    assert all(line.credit.amount != Decimal("450.00") for line in lines)  # debits skipped
    if preset in ("sbi", "icici"):
        assert first.payer_vpa == "anita.s@okaxis"
        assert second.method == "bank" and second.reference == "UTIBN52026112512345"


def test_a_mapping_reads_any_layout() -> None:
    text = 'When,Who,In,Out,UTR\n25-11-2026,Anita Sharma,"10,000",,633612345675\n'
    fmt, [line] = read_statement(
        text,
        mapping={
            "When": "date",
            "Who": "payer",
            "In": "credit",
            "Out": "debit",
            "UTR": "reference",
        },
    )
    assert fmt == "map" and line.line == 2
    assert (line.credit.payer_name, line.credit.reference) == ("Anita Sharma", "633612345675")


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        (
            b"Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance\n"
            b"25/11/26,UPI-A,1,25/11/26,,100.00,1\n31/13/26,UPI-B,2,x,,200.00,2\n",
            3,
            "not a date",
        ),
        (
            b"Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance\n"
            b"25/11/26,UPI-A,1,25/11/26,,12a.00,1\n",
            2,
            "not an amount",
        ),
        (b"Name,Amount\nAnita,100\n", 1, "no header row"),
        (b"Date,Narration\n25/11/26,caf\xe9\n", 2, "not UTF-8"),
    ],
)
def test_an_unreadable_file_names_its_line(data: bytes, line: int, problem: str) -> None:
    with pytest.raises(StatementError) as caught:
        read_statement(decode(data))
    assert caught.value.line == line and problem in str(caught.value)


def test_the_review_csv_never_starts_a_formula(db) -> None:
    project = make_project(db)
    text = 'When,Who,In,UTR\n25-11-2026,"=HYPERLINK(""http://x"")","10,000",-633612345675\n'
    mapping = {"When": "date", "Who": "payer", "In": "credit", "UTR": "reference"}
    _, lines = read_statement(text, mapping=mapping)
    with db.session() as session:
        review = build_review(
            ProjectScope(session, project.id),
            lines,
            tz=ZoneInfo("Asia/Kolkata"),
            today=date(2026, 11, 26),
        )
    cells = [cell for row in csv.reader(io.StringIO(review_csv(review))) for cell in row]
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "@", "\t", "\r")]


@pytest.fixture
def asha(db):
    project = make_project(db, "Asha Foundation")
    admin = make_user(db, project, "Asha Admin", role="ADMIN", phone="+919811100001")
    return project, admin, statement_world(db, project, admin)


def test_the_cli_prints_the_review_and_writes_nothing(run, asha, db, tmp_path) -> None:
    project, _, _ = asha
    report = tmp_path / "review.csv"
    before = len(rows(db, Payment))
    output = run(
        "payments",
        "reconcile",
        str(STATEMENTS / "hdfc.csv"),
        "--project",
        project.name,
        "--report",
        str(report),
    )
    lines = output.splitlines()
    assert lines[0] == f"hdfc.csv read as hdfc. {SUMMARY}"
    assert lines[1].startswith(
        "line 5    probable  ₹10,000 from anita.s@okaxis on Wed 25 Nov → Anita"
    )
    assert lines[2] == (
        "line 6    matched   ₹5,000 from RAHUL VERMA on Wed 25 Nov → Rahul Verma's ₹5,000 pledge "
        "(paid in full)"
    )
    assert lines[4].startswith(
        "line 10   recorded  ₹2,000 from suresh.n@oksbi on Thu 26 Nov UTR 633612345611"
    )
    assert lines[5].startswith("line 11   unmatched ₹12,000 from giver77@ybl")
    assert report.read_text(encoding="utf-8").startswith("line,pile,date,amount,reference")
    assert len(rows(db, Payment)) == before


def test_cli_confirm_records_the_matched_batch_and_undo_reverts_it(run, asha, db) -> None:
    project, admin, world = asha
    rahul = world["pledges"]["Rahul Verma"]
    output = run(
        "payments",
        "reconcile",
        str(STATEMENTS / "hdfc.csv"),
        "--project",
        project.name,
        "--confirm",
        "--by",
        admin.phone,
    )
    batch = re.search(r"batch ([0-9a-f-]{36})", output)[1]
    assert f"batch {batch}: 1 payment recorded." in output
    [paid] = rows(db, Payment, Payment.pledge_id == rahul.id)
    assert (paid.amount, paid.reference, paid.method) == (
        Decimal("5000.00"),
        "UTIBN52026112512345",
        "bank",
    )
    with db.session() as session:
        audits = list(
            session.scalars(
                select(AuditLog).where(AuditLog.idempotency_key == f"statement:{batch}")
            )
        )
    assert {a.changed_by for a in audits} == {f"user:{admin.id}"}
    assert {a.table_name for a in audits} >= {"payments", "pledges", "contact_identities"}
    assert all(a.turn_id is None for a in audits)  # out of reach of a WhatsApp undo

    again = run("payments", "undo", batch, "--project", project.name)
    assert again.strip() == f"Undone: 1 payment of batch {batch}."
    assert rows(db, Payment, Payment.pledge_id == rahul.id) == []
    [fresh] = rows(db, Pledge, Pledge.id == rahul.id)
    assert fresh.status == "open"
    assert "nothing to undo" in run("payments", "undo", batch, "--project", project.name, ok=False)


def test_cli_exits_non_zero_on_an_unreadable_file_with_the_line(run, asha, tmp_path) -> None:
    project, _, _ = asha
    bad = tmp_path / "bad.csv"
    text = (STATEMENTS / "hdfc.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("26/11/26,NEFT CR", "26/13/26,NEFT CR"), encoding="utf-8")
    output = run("payments", "reconcile", str(bad), "--project", project.name, ok=False)
    assert "bad.csv: line 8: '26/13/26' is not a date" in output
    binary = tmp_path / "scan.csv"
    binary.write_bytes(b"Date,Narration\n25/11/26,ok\n\xff\xfe\n")
    output = run("payments", "reconcile", str(binary), "--project", project.name, ok=False)
    assert "line 3: the file is not UTF-8" in output


def test_help_lists_the_payments_commands() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    assert "  payments " in output
    sub = CliRunner().invoke(cli, ["payments", "--help"]).output
    assert "reconcile" in sub and "undo" in sub
