"""What the dashboard shows: money, dates, charts that say why they are empty, the
attention view, and payments and pledges filtered, totalled and exported."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete

from bot.directory.org import add_user, create_project
from bot.models import Followup, Payment, Pledge
from bot.store import ProjectScope
from tests.admin_support import PASSWORD_HASH, login, seed_project
from tests.factories import unique_mobile

PAGES = (
    "/admin/",
    "/admin/usage",
    "/admin/followups",
    "/admin/pledges",
    "/admin/payments",
    "/admin/attention",
    "/admin/campaigns",
    "/admin/operators",
    "/admin/contacts",
    "/admin/conversations",
    "/admin/logs",
    "/admin/feedback",
)


@pytest.fixture
def world(db, clock, client):
    seeded = seed_project(db, clock.now(), "Asha")
    assert login(client, seeded.admin_email).status_code == 302
    return seeded


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def add_rows(db, world, *rows) -> None:
    with db.session() as session:
        scope = ProjectScope(session, world.project_id, actor="test")
        for row in rows:
            scope.insert(row)


def test_root_opens_the_dashboard(app, world) -> None:
    visitor = app.test_client()
    response = visitor.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert visitor.get("/", follow_redirects=True).request.path == "/admin/login"


def test_money_is_in_rupees_with_indian_grouping_on_every_page(client, world, db, clock) -> None:
    now = clock.now()
    add_rows(
        db,
        world,
        Pledge(
            contact_id=world.contact_id,
            amount=Decimal("10400000.50"),
            pledged_at=now - timedelta(minutes=20),
            expected_by=date(2026, 11, 20),
        ),
        Payment(contact_id=world.contact_id, amount=Decimal("200000"), paid_at=now, method="bank"),
    )
    seen = {}
    for path in (*PAGES, f"/admin/contacts/{world.contact_id}"):
        page = text(client, path)
        assert not re.search(r"INR ?\d|\d,\d{3},\d{3}\b|\d{3},\d{3}\.\d\d", page), path
        seen[path] = page
    assert "₹1,04,25,000.50" in seen["/admin/"]  # pledged today: 1,04,00,000.50 + 25,000
    assert "₹2,10,000" in seen["/admin/"]  # received today
    assert "₹1,04,00,000.50" in seen["/admin/pledges"]
    assert "₹1,04,00,000.50" in seen["/admin/attention"]  # past its expected day
    assert "₹2,00,000" in seen["/admin/payments"]
    assert "₹1,04,00,000.50" in seen[f"/admin/contacts/{world.contact_id}"]
    assert "₹1,00,000" in seen["/admin/campaigns"]


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"


def test_one_date_format_on_every_page(client, world) -> None:
    """``Thu 26 Nov 10:00``: a weekday before every day, no zero-padded day, no ISO."""
    for path in (*PAGES, f"/admin/contacts/{world.contact_id}"):
        page = text(client, path)
        days = list(re.finditer(rf"(\w*)(\W)(\d{{1,2}}) {MONTH}\b", page))
        for found in days:
            weekday, space, day = found.groups()
            assert weekday in WEEKDAYS and space == " " and day[0] != "0", (path, found[0])
        assert not re.search(r"\b2026-\d\d-\d\d \d\d:\d\d", page), path
    assert "Today, Thu 26 Nov" in text(client, "/admin/")
    # 12:00 local: the follow-up is due two hours after 10:00 IST
    assert "Thu 26 Nov 12:00" in text(client, "/admin/followups")
    assert "Thu 26 Nov 09:54:00" in text(client, f"/admin/conversations/{world.session_id}")


def test_usage_charts_cost_and_tokens_per_day(client, world) -> None:
    page = text(client, "/admin/usage")
    assert 'aria-label="Model cost per day (USD)"' in page
    assert 'aria-label="Tokens per day"' in page
    # today's two model calls: 1200+150+0+3000 and 400+80+3000+0 tokens
    assert "Thu 26 Nov: 7,830</title>" in page
    assert "Thu 26 Nov: $0.0068</title>" in page


def test_empty_charts_say_why(app, db, clock) -> None:
    with db.session() as session:
        project = create_project(session, "Quiet Trust", unique_mobile())
        scope = ProjectScope(session, project.id, actor="test")
        admin = add_user(scope, "Quiet Admin", unique_mobile(), "ADMIN", email="q@example.org")
        admin.password_hash = PASSWORD_HASH
    client = app.test_client()
    assert login(client, "q@example.org").status_code == 302
    usage = text(client, "/admin/usage")
    reason = "No model calls yet — the assistant is off until ANTHROPIC_API_KEY is set"
    assert usage.count(reason) == 2 and "<svg" not in usage
    overview = text(client, "/admin/")
    assert reason in overview
    assert "No pledges or payments yet in the last 14 days, and no goal set." in overview
    assert "No tool calls yet today." in overview
    assert "No goal set for these days" in overview


def test_a_goal_without_pledges_says_no_pledges_yet(client, db, world) -> None:
    with db.session() as session:
        for model in (Payment, Pledge):
            session.execute(delete(model).where(model.project_id == world.project_id))
    overview = text(client, "/admin/")
    assert "No pledges or payments yet in the last 14 days." in overview
    assert "Thu 26 Nov: goal ₹1,00,000</title>" in overview  # the chart draws the goal


def test_the_overview_charts_pledged_and_received_against_goal_per_day(client, world) -> None:
    page = text(client, "/admin/")
    assert 'aria-label="Pledged and received against the goal, per day, last 14 days"' in page
    assert "Thu 26 Nov: pledged ₹25,000</title>" in page
    assert "Thu 26 Nov: received ₹10,000</title>" in page
    assert "Thu 26 Nov: goal ₹1,00,000</title>" in page


def test_attention_lists_overdue_followups_and_late_pledges_in_words(
    client, world, db, clock
) -> None:
    now = clock.now()
    add_rows(
        db,
        world,
        Followup(
            contact_id=world.contact_id,
            due_at=now - timedelta(days=2),
            status="scheduled",
            reason="no_response",
            assigned_to_user_id=world.operator_id,
        ),
        Pledge(
            contact_id=world.contact_id,
            amount=Decimal("50000"),
            pledged_at=now - timedelta(days=20),
            expected_by=date(2026, 11, 21),
        ),
    )
    page = text(client, "/admin/attention")
    overdue = page.split('id="overdue-followups"', 1)[1].split('id="late-pledges"', 1)[0]
    assert "Tue 24 Nov 10:00" in overdue and "overdue" in overdue
    assert "no answer last time" in overdue and "no_response" not in overdue
    assert "pledged; send the payment link" not in overdue  # due in two hours: not overdue
    late = page.split('id="late-pledges"', 1)[1].split('id="failed-turns"', 1)[0]
    assert "Sat 21 Nov" in late and "₹50,000" in late and "5 days" in late
    assert "1 overdue follow-up" in page and "1 pledge past due" in page
    followups = text(client, "/admin/followups")
    assert followups.count('class="badge overdue">overdue') == 1
    assert ">scheduled<" in followups  # the one still to come
    only = text(client, "/admin/followups?status=overdue")
    assert "no answer last time" in only and "pledged; send the payment link" not in only


@pytest.fixture
def ledger(db, world, clock):
    """Payments by two operators, methods, statuses and days; pledges of three statuses."""
    now = clock.now()
    rows = [
        Payment(
            contact_id=world.contact_id,
            amount=Decimal("1500"),
            method="cash",
            status="pending",
            paid_at=now - timedelta(days=3),
            created_by_user_id=world.operator_id,
            reference="=HYPERLINK(evil)",
        ),
        Payment(
            contact_id=world.contact_id,
            amount=Decimal("250000"),
            method="bank",
            paid_at=now - timedelta(days=1),
            created_by_user_id=world.admin_id,
        ),
        Pledge(
            contact_id=world.contact_id,
            amount=Decimal("75000"),
            status="fulfilled",
            pledged_at=now - timedelta(days=5),
            created_by_user_id=world.admin_id,
        ),
        Pledge(
            contact_id=world.contact_id,
            amount=Decimal("8000"),
            status="cancelled",
            pledged_at=now - timedelta(days=2),
        ),
    ]
    add_rows(db, world, *rows)


def totals(page: str) -> str:
    return page.split('id="totals">', 1)[1].split("</p>", 1)[0]


def test_payments_are_filtered_and_totalled(client, world, ledger) -> None:
    assert "₹2,61,500</b> in 3 payments" in totals(text(client, "/admin/payments"))
    cases = {
        "method=cash": "₹1,500</b> in 1 payment",
        "status=confirmed": "₹2,60,000</b> in 2 payments",
        f"operator={world.admin_id}": "₹2,50,000</b> in 1 payment",
        "from=2026-11-25&to=2026-11-25": "₹2,50,000</b> in 1 payment",
        "from=2026-11-26": "₹10,000</b> in 1 payment",
        "method=card": "No payments match.",
    }
    for query, expected in cases.items():
        assert expected in totals(text(client, f"/admin/payments?{query}")), query
    for bad in ("method=cheque", "status=lost", "from=2026-11-27&to=2026-11-20"):
        assert client.get(f"/admin/payments?{bad}").status_code == 400, bad


def test_payments_csv_holds_what_the_filter_selects(client, world, ledger) -> None:
    page = text(client, "/admin/payments?method=cash")
    link = re.search(r'id="payments-csv" href="([^"]+)"', page).group(1)
    assert link == "/admin/payments.csv?method=cash"
    rows = list(csv.DictReader(io.StringIO(text(client, link))))
    assert [(r["amount"], r["currency"], r["method"], r["status"]) for r in rows] == [
        ("1500.00", "INR", "cash", "pending")
    ]
    assert rows[0]["operator"] == "Asha Operator" and rows[0]["paid_at"] == "2026-11-23 10:00"
    assert rows[0]["reference"] == "'=HYPERLINK(evil)"  # neutralised for spreadsheets
    every = list(csv.DictReader(io.StringIO(text(client, "/admin/payments.csv"))))
    assert sorted(Decimal(r["amount"]) for r in every) == [1500, 10000, 250000]


def test_pledges_are_filtered_totalled_and_exported(client, world, ledger) -> None:
    page = text(client, "/admin/pledges")
    assert "₹30,000</b> in 2 pledges" in totals(page)  # open ones by default
    assert "₹1,13,000</b> in 4 pledges" in totals(text(client, "/admin/pledges?status=any"))
    fulfilled = text(client, "/admin/pledges?status=fulfilled")
    assert "₹75,000</b> in 1 pledge" in totals(fulfilled)
    assert "₹75,000</b> in 1 pledge" in totals(
        text(client, f"/admin/pledges?status=any&operator={world.admin_id}")
    )
    link = re.search(r'id="pledges-csv" href="([^"]+)"', page).group(1)
    assert link == "/admin/pledges.csv?status=open"
    rows = list(csv.DictReader(io.StringIO(text(client, "/admin/pledges.csv?status=any"))))
    assert sorted((r["amount"], r["status"]) for r in rows) == [
        ("25000.00", "open"),
        ("5000.00", "open"),
        ("75000.00", "fulfilled"),
        ("8000.00", "cancelled"),
    ]
    assert client.get("/admin/pledges?status=lost").status_code == 400


def test_contact_page_shows_reasons_in_words(client, world) -> None:
    page = text(client, f"/admin/contacts/{world.contact_id}")
    assert "pledged; send the payment link" in page and "send_payment_link" not in page
