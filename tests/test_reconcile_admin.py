"""The dashboard's statement reconciliation over HTTP, on both engines: upload, review,
confirm all matched, one probable line, the CSV, undo; bad files and bad choices."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest

from bot.models import AuditLog, Payment, Pledge, Project, User
from tests.admin_support import csrf_token, login, seed_project
from tests.reconcile_support import STATEMENTS, rows, statement_world


@pytest.fixture
def signed_in(client, db, clock):
    world = seed_project(db, clock.now(), "Asha")
    [project] = rows(db, Project, Project.id == world.project_id)
    [admin] = rows(db, User, User.id == world.admin_id)
    people = statement_world(db, project, admin)
    assert login(client, world.admin_email).status_code == 302
    return world, admin, people


def _upload(client, name: str = "hdfc.csv", data: bytes | None = None, **form: str):
    body = data if data is not None else (STATEMENTS / name).read_bytes()
    token = csrf_token(client, "/admin/payments/reconcile")
    return client.post(
        "/admin/payments/reconcile",
        data={"csrf_token": token, "file": (BytesIO(body), name), **form},
        content_type="multipart/form-data",
    )


def _table(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def test_upload_review_confirm_one_probable_csv_and_undo(client, signed_in, db) -> None:
    world, admin, people = signed_in
    before = len(rows(db, Payment))
    response = _upload(client)
    assert response.status_code == 302
    review_url = response.headers["Location"]
    assert len(rows(db, Payment)) == before  # nothing written on upload

    html = client.get(review_url).get_data(as_text=True)
    assert "read as hdfc" in html
    assert "1 matched (₹5,000), 2 probable (₹17,500), 1 unmatched (₹12,000)" in html
    assert "Rahul Verma&#39;s ₹5,000 pledge (paid in full)" in _table(html, "matched")
    probable = _table(html, "probable")
    assert "Anita Sharma" in probable and "Meera Iyer" in probable
    assert "giver77@ybl" in _table(html, "unmatched")
    assert "UTR 633612345611 is already recorded" in _table(html, "recorded")
    unpaid = _table(html, "unpaid")
    assert "Kavya Rao" in unpaid and "Rahul Verma" not in unpaid

    token = csrf_token(client, review_url)
    client.post(f"{review_url}/confirm", data={"csrf_token": token, "line": ["6"]})
    rahul = people["pledges"]["Rahul Verma"]
    [paid] = rows(db, Payment, Payment.pledge_id == rahul.id)
    assert paid.reference == "UTIBN52026112512345"
    html = client.get(review_url).get_data(as_text=True)
    assert "1 payment recorded." in html
    assert "Rahul Verma" not in _table(html, "matched")  # now its UTR is a payment
    assert "UTIBN52026112512345 is already recorded" in _table(html, "recorded")

    meera = people["pledges"]["Meera Iyer"]
    client.post(f"{review_url}/lines/8", data={"csrf_token": token, "pledge_id": str(meera.id)})
    [meera_paid] = rows(db, Payment, Payment.pledge_id == meera.id)
    assert meera_paid.amount == Decimal("7500.00")

    csv_text = client.get(f"{review_url}/review.csv").get_data(as_text=True)
    assert csv_text.startswith("line,pile,date,amount,reference,payer,pledge,note\n")
    assert "11,unmatched,2026-11-26,12000.00,633612345677,giver77@ybl" in csv_text

    batch = review_url.rsplit("/", 1)[1]
    audits = rows(db, AuditLog, AuditLog.idempotency_key == f"statement:{batch}")
    assert {a.changed_by for a in audits} == {f"user:{admin.id}"}
    client.post(f"{review_url}/undo", data={"csrf_token": token})
    assert rows(db, Payment, Payment.pledge_id.in_([rahul.id, meera.id])) == []
    assert {p.status for p in rows(db, Pledge, Pledge.id.in_([rahul.id, meera.id]))} == {"open"}
    assert "Undone: 2 payments" in client.get(review_url).get_data(as_text=True)


def test_a_bad_file_or_a_bad_choice_changes_nothing(client, signed_in, db) -> None:
    _, _, people = signed_in
    before = len(rows(db, Payment))
    text = (STATEMENTS / "hdfc.csv").read_text(encoding="utf-8")
    response = _upload(client, data=text.replace("26/11/26,NEFT CR", "26/13/26,NEFT CR").encode())
    assert response.status_code == 400
    assert "Nothing read — line 8: &#39;26/13/26&#39; is not a date" in response.get_data(
        as_text=True
    )
    assert _upload(client, data=b"\xff\xfe junk").status_code == 400
    bad_map = _upload(client, mapping="Date=when")
    assert bad_map.status_code == 400 and "is not COLUMN=FIELD" in bad_map.get_data(as_text=True)

    review_url = _upload(client).headers["Location"]
    token = csrf_token(client, review_url)
    # Line 6 is matched, not probable; Kavya's pledge was not offered for line 5.
    kavya = people["pledges"]["Kavya Rao"]
    for line, refusal in (
        (6, "Not recorded – line 6 is not waiting for a choice any more"),
        (5, "Not recorded – that pledge was not offered for line 5"),
    ):
        page = client.post(
            f"{review_url}/lines/{line}",
            data={"csrf_token": token, "pledge_id": str(kavya.id)},
            follow_redirects=True,
        )
        assert refusal in page.get_data(as_text=True)
    assert len(rows(db, Payment)) == before
    assert client.post(f"{review_url}/undo", data={"csrf_token": token}).status_code == 302
    assert "this batch has nothing to undo" in client.get(review_url).get_data(as_text=True)
    assert client.get("/admin/payments/reconcile/not-a-batch").status_code == 404
    assert re.search(
        r"hdfc\.csv</a>", client.get("/admin/payments/reconcile").get_data(as_text=True)
    )
