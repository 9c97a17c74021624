"""Issue 17, point 1: what the demo simulator exposes, over raw HTTP and in Chromium.

An anonymous visitor may speak for the demo project's operators only; a signed-in admin
for their own project's users; nobody may get a dashboard link through the simulator,
and a link in a thread is masked. The demo admin's password is new on every start.
"""

from __future__ import annotations

import re
import threading

import httpx
import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from bot.directory.demo import DEMO_ADMIN_EMAIL, seed_demo
from bot.models import LoginToken, User
from bot.turn.router import REFUSED_FROM_SIMULATOR
from bot.whatsapp.intake import inject_inbound
from bot.whatsapp.worker import Worker
from bot.whatsapp.worker_threads import start_worker_threads
from tests import browser
from tests.admin_support import PASSWORD, csrf_from, login
from tests.factories import make_project, make_user
from tests.pipeline_support import messages

browser_page = browser.browser_page
live_server = browser.live_server

CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def projects(app: Flask):
    """The demo project (an admin, an operator) and a private project with an admin."""
    db = app.extensions["calltime"].db
    demo, private = make_project(db, "Demo Trust"), make_project(db, "Private Trust")
    people = {
        "demo": demo,
        "private": private,
        "demo_admin": make_user(db, demo, "Dina Admin", role="ADMIN"),
        "operator": make_user(db, demo, "Priya Operator"),
        "private_admin": make_user(db, private, "Pavan Admin", role="ADMIN"),
    }
    with db.session() as session:
        for key in ("demo_admin", "private_admin"):
            user = session.get(User, people[key].id)
            user.email, user.password_hash = f"{key}@example.org", CHEAP_HASH
    app.config["CALLTIME_DEMO_PROJECT_ID"] = str(demo.id)
    return people


def _names(http: httpx.Client) -> list[str]:
    answer = http.get("/simulator/api/operators")
    assert answer.status_code == 200
    return sorted(p["name"] for p in answer.json())


def _sign_in(http: httpx.Client, email: str) -> None:
    form = {"identifier": email, "password": PASSWORD}
    form["csrf_token"] = csrf_from(http.get("/admin/login").text)
    assert http.post("/admin/login", data=form).status_code == 302


def _login_tokens(app: Flask) -> int:
    with app.extensions["calltime"].db.session() as session:
        return int(session.scalar(select(func.count()).select_from(LoginToken)) or 0)


def test_anonymous_visitors_reach_the_demo_operators_only(app, projects, live_server) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        assert _names(http) == ["Priya Operator"]
        for key in ("demo_admin", "private_admin"):
            user_id = str(projects[key].id)
            sent = http.post("/simulator/api/send", json={"user_id": user_id, "body": "admin"})
            assert sent.status_code == 404
            assert http.get(f"/simulator/api/thread/{user_id}").status_code == 404
        assert messages(app.extensions["calltime"].db) == []


def test_signed_in_admin_cannot_get_a_login_link_through_the_simulator(
    app, projects, live_server
) -> None:
    runtime = app.extensions["calltime"]
    admin = projects["demo_admin"]
    with httpx.Client(base_url=live_server.url) as http:
        _sign_in(http, "demo_admin@example.org")
        assert _names(http) == ["Dina Admin", "Priya Operator"]  # own project only
        body = {"user_id": str(admin.id), "body": "admin login"}
        assert http.post("/simulator/api/send", json=body).status_code == 202
        Worker(runtime).run_once()
        thread = http.get(f"/simulator/api/thread/{admin.id}").json()["messages"]
        assert thread[-1]["body"] == REFUSED_FROM_SIMULATOR
        assert _login_tokens(app) == 0
        # The same words from the admin's own phone do get a link (the origin decides),
        # and the simulator shows it masked.
        inject_inbound(
            runtime,
            to_number=projects["demo"].whatsapp_number,
            from_number=admin.phone or "",
            body="admin login",
        )
        Worker(runtime).run_once()
        assert _login_tokens(app) == 1
        thread = http.get(f"/simulator/api/thread/{admin.id}").json()["messages"]
        assert "/admin/login/•••" in thread[-1]["body"]
        assert not re.search(r"/admin/login/[A-Za-z0-9_\-.]{20,}", str(thread))
    assert [m.origin for m in messages(runtime.db, "inbound")] == ["simulator", "local"]


def test_demo_admin_password_is_random_on_every_start(app, db, clock, client) -> None:
    first = seed_demo(db, clock).admin_password
    second = seed_demo(db, clock).admin_password
    assert len(first) >= 16 and first != second
    assert login(client, DEMO_ADMIN_EMAIL, "calltime-demo").status_code == 401
    assert login(client, DEMO_ADMIN_EMAIL, first).status_code == 401
    assert login(client, DEMO_ADMIN_EMAIL, second).status_code == 302


@pytest.mark.browser
def test_simulator_exposure_in_chromium(app, projects, live_server, browser_page) -> None:
    """Anonymous: the demo operators only. Signed in: the admin's project, and
    ``admin login`` typed as the admin is refused. No CSP violation on either page."""
    page = browser_page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    stop = threading.Event()
    threads = start_worker_threads(app, stop, count=1)
    try:
        page.goto(live_server.url + "/simulator/")
        page.wait_for_selector("#operator option", state="attached")
        options = page.locator("#operator option").all_inner_texts()
        assert len(options) == 1 and options[0].startswith("Priya Operator")

        page.goto(live_server.url + "/admin/login")
        page.fill("input[name=identifier]", "demo_admin@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("text=tool calls")
        page.goto(live_server.url + "/simulator/")
        page.wait_for_selector("#operator option", state="attached")
        options = page.locator("#operator option").all_inner_texts()
        # The operator first: the page opens as an operator, not as the admin.
        assert options == ["Priya Operator", "Dina Admin (admin)"]
        assert page.input_value("#operator") == str(projects["operator"].id)
        page.select_option("#operator", str(projects["demo_admin"].id))
        page.fill("#text", "admin login")
        page.click("button[type=submit]")
        page.wait_for_selector(".bubble.outbound")
        assert page.inner_text(".bubble.outbound").startswith("The simulator cannot")
        browser.save_screenshot(page, "security-simulator-refusal")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert _login_tokens(app) == 0
    assert violations == []
