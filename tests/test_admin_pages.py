"""What the dashboard pages show and change, for a signed-in admin."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.directory.import_journal import created_ids
from bot.models import AuditLog, Contact, Followup, ModelPrice, ProviderUsage
from tests.admin_support import csrf_token, login, seed_project


@pytest.fixture
def world(db, clock, client):
    seeded = seed_project(db, clock.now(), "Asha")
    assert login(client, seeded.admin_email).status_code == 302
    return seeded


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_overview_counts_today(client, world) -> None:
    page = text(client, "/admin/")
    assert "<svg" in page and "Tool calls by hour today" in page
    assert "₹25,000" in page and "₹10,000" in page and "₹1,00,000" in page
    assert '<b class="err">1</b>' in page  # one failed tool call today


def test_transcript_shows_each_turns_tool_and_model_calls(client, world) -> None:
    page = text(client, f"/admin/conversations/{world.session_id}")
    assert "pledged 25k" in page and "Logged a pledge of 25,000." in page
    assert "98765 43210" not in page and "987••43210" in page  # numbers in text are masked
    for tool in ("search_contacts", "record_pledge", "schedule_followup"):
        assert tool in page
    assert "due date is in the past" in page and "31</td>" in page  # error and latency
    assert "cache read 3000" in page and "in 1200 / out 150" in page
    # haiku 4.5: 1200*1 + 150*5 + 3000*1.25 + 400*1 + 80*5 + 3000*0.1 per million tokens
    assert "$0.0068" in page
    assert page.index("pledged 25k") < page.index("record_pledge") < page.index("Logged a pledge")
    # which path answered: this turn called the model; a turn without model calls is "rules"
    assert 'answered by <span class="answered-by">model</span>' in page


def test_usage_csv_and_price_edits(client, world, db, clock) -> None:
    with db.session() as session:  # yesterday's call: a closed day, served from the cache
        session.add(
            ProviderUsage(
                project_id=world.project_id,
                user_id=world.operator_id,
                provider="anthropic",
                model="claude-sonnet-4-5",
                prompt_tokens=1_000_000,
                completion_tokens=0,
                created_at=clock.now() - timedelta(days=1),
            )
        )
    for _ in range(2):
        rows = list(csv.DictReader(io.StringIO(text(client, "/admin/usage.csv"))))
        assert [(r["day"], r["model"], r["cost_usd"]) for r in rows[1:]] == [
            ("2026-11-25", "claude-sonnet-4-5", "3.000000")
        ]
    rows = rows[:1]
    assert rows[0]["operator"] == "Asha Operator" and rows[0]["calls"] == "2"
    assert Decimal(rows[0]["cost_usd"]) == Decimal("0.006800")
    token = csrf_token(client, "/admin/usage")
    bad = client.post(
        "/admin/usage/prices",
        data={
            "csrf_token": token,
            "model": "claude-haiku-4-5",
            "input": "-1",
            "output": "5",
            "cache_read": "0",
            "cache_write": "0",
        },
        follow_redirects=True,
    )
    assert "must be between 0" in bad.get_data(as_text=True)
    with db.session() as session:
        assert session.scalars(select(ModelPrice)).all() == []
    for model, rate in (("claude-haiku-4-5", "2"), ("claude-sonnet-4-5", "4")):
        client.post(
            "/admin/usage/prices",
            data={
                "csrf_token": token,
                "model": model,
                "input": rate,
                "output": "10",
                "cache_read": "0.2",
                "cache_write": "2.5",
            },
        )
    rows = list(csv.DictReader(io.StringIO(text(client, "/admin/usage.csv"))))
    assert Decimal(rows[0]["cost_usd"]) == Decimal("0.013600")
    assert Decimal(rows[1]["cost_usd"]) == Decimal("4")  # cached day, new price


LOG_FILTERS = [
    ("status=error", {"schedule_followup"}),
    ("tool=record_pledge", {"record_pledge"}),
    ("from=2026-11-27", set()),
    ("from=2026-11-26&to=2026-11-26", {"search_contacts", "record_pledge", "schedule_followup"}),
]


def test_agent_log_filters_and_pages(client, world) -> None:
    tools = ("search_contacts", "record_pledge", "schedule_followup")
    for query, expected in [
        *LOG_FILTERS,
        (f"operator={world.operator_id}", set(tools)),
        (f"operator={world.admin_id}", set()),
    ]:
        body = text(client, f"/admin/logs?{query}").split("<tbody>", 1)[1]
        assert {t for t in tools if t in body} == expected, query
    assert client.get("/admin/logs?operator=nope").status_code == 400
    assert client.get("/admin/logs?before=garbage").status_code == 400


def test_contact_list_masks_and_own_page_shows_numbers(client, world) -> None:
    listing = text(client, "/admin/contacts")
    assert world.contact_name in listing and world.contact_phone not in listing
    assert world.contact_phone[-5:] in listing
    found = text(client, f"/admin/contacts?q={world.contact_phone}")
    assert world.contact_name in found
    own = text(client, f"/admin/contacts/{world.contact_id}")
    assert world.contact_phone in own
    for page in (
        "/admin/",
        "/admin/conversations",
        f"/admin/conversations/{world.session_id}",
        "/admin/logs",
        "/admin/followups",
        "/admin/feedback",
    ):
        assert "+9198" not in text(client, page) or page == "/admin/contacts"
    assert "scrypt:" not in own and "pbkdf2" not in own


def test_contact_edit_is_audited_as_the_admin(client, world, db) -> None:
    url = f"/admin/contacts/{world.contact_id}"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "display_name": "Anita S.",
            "relationship_strength": "5",
            "notes": "prefers mornings",
        },
        follow_redirects=True,
    )
    assert "Saved" in response.get_data(as_text=True)
    with db.session() as session:
        contact = session.get(Contact, world.contact_id)
        assert (contact.display_name, contact.relationship_strength) == ("Anita S.", 5)
        audit = session.scalars(
            select(AuditLog).where(
                AuditLog.record_id == str(contact.id), AuditLog.action == "update"
            )
        ).one()
        assert audit.changed_by == f"user:{world.admin_id}"


def test_bad_contact_edit_changes_nothing(client, world, db) -> None:
    url = f"/admin/contacts/{world.contact_id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "display_name": "New",
            "relationship_strength": "9",
        },
        follow_redirects=True,
    )
    assert "Not saved" in response.get_data(as_text=True)
    with db.session() as session:
        assert session.get(Contact, world.contact_id).display_name == world.contact_name


def test_do_not_contact_is_confirmed_then_cancels_open_followups(client, world, db) -> None:
    url = f"/admin/contacts/{world.contact_id}"
    form = {"csrf_token": csrf_token(client, url), "status": "do_not_contact"}
    asked = client.post(url, data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Mark Asha Donor" in page and "do not contact?" in page
    assert "1 open follow-up will be cancelled" in page
    assert 'name="confirm" value="do_not_contact"' in page and "Nothing has changed yet" in page
    with db.session() as session:  # the first POST only asked
        assert session.get(Contact, world.contact_id).status == "active"
        assert session.get(Followup, world.followup_id).status == "scheduled"
    client.post(url, data={**form, "confirm": "do_not_contact"})
    with db.session() as session:
        assert session.get(Contact, world.contact_id).status == "do_not_contact"
        assert session.get(Followup, world.followup_id).status == "cancelled"


def test_the_edit_forms_status_needs_the_same_confirmation(client, world, db) -> None:
    url = f"/admin/contacts/{world.contact_id}"
    form = {
        "csrf_token": csrf_token(client, url),
        "display_name": "Anita S",
        "status": "do_not_contact",
        "notes": "asked us to stop",
    }
    page = client.post(url, data=form).get_data(as_text=True)
    assert 'name="notes" value="asked us to stop"' in page  # the whole form is carried
    with db.session() as session:
        assert session.get(Contact, world.contact_id).display_name == world.contact_name
    client.post(url, data={**form, "confirm": "do_not_contact"})
    with db.session() as session:
        contact = session.get(Contact, world.contact_id)
        assert (contact.display_name, contact.status) == ("Anita S", "do_not_contact")


def test_csv_import_reports_like_the_cli_and_export_round_trips(client, world, db) -> None:
    data = "display_name,phone,status\nMeera Iyer,+919812345678,active\n,+919812345679,active\n"
    response = client.post(
        "/admin/contacts/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "<b>1</b> imported" in page and "<b>1</b> skipped" in page
    assert (
        client.post(
            "/admin/contacts/import",
            data={"csrf_token": csrf_token(client), "file": (io.BytesIO(b"name\nx\n"), "c.csv")},
            content_type="multipart/form-data",
        ).status_code
        == 400
    )
    with db.session() as session:  # one entry for the batch, one for the report
        audit = session.scalars(
            select(AuditLog).where(
                AuditLog.table_name == "contact_imports",
                AuditLog.action == "insert",
                AuditLog.changed_by == f"user:{world.admin_id}",
            )
        ).all()
        created = sorted(len(created_ids(a.new_values, "contacts")) for a in audit)
        assert created == [0, 1]
    export = text(client, "/admin/contacts/export.csv")
    assert "Meera Iyer,+919812345678" in export


def test_money_and_feedback_pages(client, world) -> None:
    pledges = text(client, "/admin/pledges")
    assert "₹25,000" in pledges and "₹5,000" in pledges
    assert "1 open, 31–60 days" in pledges and "1 open, 0–7 days" in pledges
    assert "₹10,000" in text(client, "/admin/payments")
    followups = text(client, "/admin/followups")
    assert "pledged; send the payment link" in followups and "send_payment_link" not in followups
    feedback = text(client, "/admin/feedback")
    assert "Asha draft too long" in feedback and "2.00" in feedback


def test_contact_pages_follow_the_name_order(client, world, db) -> None:
    with db.session() as session:
        session.add_all(
            Contact(project_id=world.project_id, display_name=f"Page {i:02d}") for i in range(55)
        )
    first = text(client, "/admin/contacts?q=Page")
    assert "Page 00" in first and "Page 49" in first and "Page 50" not in first
    cursor = first.split("after=", 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = text(client, f"/admin/contacts?after={cursor}")
    assert "Page 50" in second and "Page 54" in second and "Page 49" not in second
    assert client.get("/admin/contacts?after=!!").status_code == 400


def test_a_turn_without_model_calls_was_answered_by_rules() -> None:
    from bot.admin.transcripts import Turn
    from bot.models import Message

    inbound = Turn(Message(direction="inbound", body="spoke to Anita, pledged 25k"))
    assert inbound.answered_by == "rules"
    assert Turn(Message(direction="outbound", body="Record for Anita Sharma…")).answered_by is None
