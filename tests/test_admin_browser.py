"""The dashboard in headless Chromium: a wrong password and a non-admin are refused; an
admin signs in, reads a transcript, edits a contact and downloads the usage CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import Contact
from tests.admin_support import PASSWORD, seed_project
from tests.browser import browser_page, live_server, save_screenshot  # noqa: F401

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
