"""The statement review page in headless Chromium: upload, the piles, confirm all
matched, one probable line, undo the batch."""

from __future__ import annotations

import pytest

from bot.models import Payment, Project, User
from tests.admin_support import seed_project
from tests.browser import browser_page, live_server, save_screenshot  # noqa: F401
from tests.reconcile_support import STATEMENTS, rows, statement_world
from tests.test_admin_browser import db_url, sign_in  # noqa: F401 (db_url: SQLite only)

pytestmark = pytest.mark.browser


@pytest.fixture
def world(db, clock):
    world = seed_project(db, clock.now(), "Asha")
    [project] = rows(db, Project, Project.id == world.project_id)
    [admin] = rows(db, User, User.id == world.admin_id)
    return world, statement_world(db, project, admin)


def test_statement_review_in_chromium(browser_page, live_server, world, db) -> None:  # noqa: F811
    seeded, people = world
    page = browser_page
    sign_in(page, live_server, seeded.admin_email)
    page.wait_for_selector("header")
    page.click("header >> text=Payments")
    page.click("#reconcile-link")
    page.set_input_files("#upload-statement input[type=file]", str(STATEMENTS / "hdfc.csv"))
    page.click("#upload-statement button[type=submit]")
    page.wait_for_selector("#summary")
    assert "1 matched (₹5,000), 2 probable (₹17,500), 1 unmatched (₹12,000), 1 recorded" in (
        page.inner_text("#summary")
    )
    assert "Rahul Verma's ₹5,000 pledge (paid in full)" in page.inner_text("#matched")
    assert "giver77@ybl" in page.inner_text("#unmatched")
    assert "Kavya Rao" in page.inner_text("#unpaid")
    save_screenshot(page, "reconcile-review")

    page.click("#confirm-matched button[type=submit]")
    page.wait_for_selector("text=1 payment recorded.")
    anita = people["pledges"]["Anita Sharma"]
    page.select_option("#line-5 select[name=pledge_id]", str(anita.id))
    page.click("#line-5 button[type=submit]")
    page.wait_for_selector("text=1 payment recorded.")
    assert "Anita Sharma" not in page.inner_text("#probable")
    paid = {p.pledge_id for p in rows(db, Payment)}
    assert {anita.id, people["pledges"]["Rahul Verma"].id} <= paid

    page.click("#undo-batch button[type=submit]")
    page.wait_for_selector("text=Undone: 2 payments")
    assert not {p.pledge_id for p in rows(db, Payment)} & {anita.id}
    assert "Rahul Verma's ₹5,000 pledge (paid in full)" in page.inner_text("#matched")
    save_screenshot(page, "reconcile-undone")
