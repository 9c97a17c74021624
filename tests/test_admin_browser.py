"""The dashboard in headless Chromium: a wrong password and a non-admin are refused; an
admin signs in, reads a transcript, edits a contact and downloads the usage CSV; every
page fits a phone and a laptop with a busy project's long names and crore amounts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import Contact, Project, User
from bot.reconcile.uploads import save_upload
from tests.admin_realistic import seed_busy_project
from tests.admin_support import PASSWORD, seed_project
from tests.browser import browser_page, live_server, save_screenshot  # noqa: F401
from tests.reconcile_support import STATEMENTS, rows, statement_world

pytestmark = pytest.mark.browser


@pytest.fixture
def db_url(tmp_path, sqlite_template):
    """Browser flows run once, on SQLite (the HTTP tests cover both engines)."""
    path = tmp_path / "calltime.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def world(db, clock):
    return seed_project(db, clock.now(), "Asha")


def sign_in(page, server, identifier: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/admin/login")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def refusals(page, server, world) -> None:
    """A wrong password and a non-admin get nowhere."""
    sign_in(page, server, world.admin_email, "not my password")
    assert "wrong email/phone or password" in page.inner_text("[role=alert]")
    page.goto(f"{server.url}/admin/")
    assert "/admin/login" in page.url

    sign_in(page, server, world.operator_email)
    assert "wrong email/phone or password" in page.inner_text("[role=alert]")
    page.goto(f"{server.url}/admin/contacts")
    assert "/admin/login" in page.url


def test_dashboard_in_chromium(browser_page, live_server, world, db) -> None:  # noqa: F811
    page = browser_page
    refusals(page, live_server, world)
    sign_in(page, live_server, world.admin_email)
    page.wait_for_selector("text=tool calls")
    assert "Asha" in page.inner_text("header")
    save_screenshot(page, "admin-overview")

    page.click("header >> text=Conversations")
    page.click('main table a:has-text("Asha Operator")')
    page.wait_for_selector("table.tool-calls")
    calls = page.inner_text("main")
    for tool in ("search_contacts", "record_pledge", "schedule_followup"):
        assert tool in calls
    assert "due date is in the past" in calls
    save_screenshot(page, "admin-transcript")

    page.click("header >> text=Contacts")
    page.click(f'main table a:has-text("{world.contact_name}")')
    page.fill("#edit-contact input[name=display_name]", "Anita Sharma (renewal)")
    page.select_option("#edit-contact select[name=status]", "inactive")
    page.click("#edit-contact button[type=submit]")
    page.wait_for_selector("text=Saved")
    with db.session() as session:
        contact = session.scalars(select(Contact).where(Contact.id == world.contact_id)).one()
        assert (contact.display_name, contact.status) == ("Anita Sharma (renewal)", "inactive")

    page.click("header >> text=Usage")
    with page.expect_download() as info:
        page.click("#usage-csv")
    download = info.value
    assert download.suggested_filename.startswith("calltime-usage-")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.startswith("day,operator,model") and "claude-haiku-4-5" in content


SIZES = {"phone": (390, 844), "laptop": (1366, 800)}

#: Why a page is wider than the window: the elements reaching past its right edge.
OVERFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const past = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  const cards = [...document.querySelectorAll('.card')]
    .filter(el => el.scrollWidth > el.clientWidth)
    .map(el => el.innerText);
  return {scroll: root.scrollWidth, client: width, past: past.slice(0, 8), cards};
}"""


@pytest.fixture
def busy(db, clock, app):
    """A project full of long names and crore amounts, and a statement under review."""
    seeded = seed_busy_project(db, clock.now())
    [project] = rows(db, Project, Project.id == seeded.project_id)
    [admin] = rows(db, User, User.email == seeded.admin_email)
    statement_world(db, project, admin)
    text = (STATEMENTS / "hdfc.csv").read_text(encoding="utf-8")
    instance = app.extensions["calltime"].settings.instance_path
    batch = save_upload(instance, project.id, text, meta={"filename": "hdfc.csv"}, now=clock.now())
    return seeded, batch


def dashboard_pages(busy) -> dict[str, str]:
    """Every dashboard page (name → path), signed in, on the busy project."""
    seeded, batch = busy
    return {
        "overview": "/admin/",
        "conversations": "/admin/conversations",
        "transcript": f"/admin/conversations/{seeded.session_id}",
        "usage": "/admin/usage",
        "logs": "/admin/logs",
        "followups": "/admin/followups",
        "pledges": "/admin/pledges?status=any",
        "payments": "/admin/payments",
        "reconcile": "/admin/payments/reconcile",
        "reconcile-review": f"/admin/payments/reconcile/{batch}",
        "feedback": "/admin/feedback",
        "contacts": "/admin/contacts",
        "contact": f"/admin/contacts/{seeded.contact_id}",
        "import": "/admin/contacts/import",
        "attention": "/admin/attention",
        "operators": "/admin/operators",
        "operator": f"/admin/operators/{seeded.operator_id}",
        "campaigns": "/admin/campaigns",
        "campaign": f"/admin/campaigns/{seeded.campaign_id}",
    }


def assert_fits(page, name: str) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["client"], (name, found)
    assert not found["cards"], (name, found)


def test_every_dashboard_page_fits_a_phone_and_a_laptop(
    browser_page,  # noqa: F811
    live_server,  # noqa: F811
    busy,
) -> None:
    """No page scrolls sideways at 390×844 or 1366×800 and no number leaves its card,
    with long names, crore amounts, long links and errors; a screenshot of each."""
    page = browser_page
    pages = dashboard_pages(busy)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in (("login", "/admin/login"), ("login-link", "/admin/login/a-link")):
            page.goto(live_server.url + path)
            assert_fits(page, f"{name} {size}")
            save_screenshot(page, f"admin-{name}-{size}")
        if size == "phone":
            sign_in(page, live_server, busy[0].admin_email)
            page.wait_for_selector("header")
        for name, path in pages.items():
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (name, size)
            assert "Sri Venkateswara" in page.inner_text("header"), (name, size)
            assert_fits(page, f"{name} {size}")
            save_screenshot(page, f"admin-{name}-{size}")
        page.goto(live_server.url + pages["contact"])
        page.click("text=Mark do not contact")
        page.wait_for_selector("#confirm-dnc")
        assert_fits(page, f"confirm do-not-contact {size}")
        save_screenshot(page, f"admin-confirm-dnc-{size}")
