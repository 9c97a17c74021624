"""Issue 18, acceptance 1 (the simulator): a phone-sized page that works after 250 messages.

In headless Debian Chromium at 390×844 (a phone) and 1366×800 (a laptop): no horizontal
scroll even with long ``upi://`` and ``wa.me`` links, the header and the compose box on
screen, the newest of 250 messages visible and a new reply appearing below it, older
messages a tap away, links tappable (http(s), tel and upi only; text never becomes HTML),
times in the project's zone and labelled. A screenshot per size goes to ``test-artifacts/``.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from bot.models import Message, Project, User
from bot.store import ProjectScope
from bot.whatsapp.simulator import PAGE
from bot.whatsapp.worker_threads import start_worker_threads
from tests import browser
from tests.conftest import DEFAULT_NOW
from tests.factories import make_project, make_user

browser_page = browser.browser_page
live_server = browser.live_server

SIZES = [(390, 844), (1366, 800)]
COUNT = 250
LONG_LINKS = (
    "Draft: Hi Meenakshi, thank you so much for your pledge of ₹1,00,000 to Asha Foundation! "
    "Whenever convenient, you can pay here: upi://pay?pa=ashafoundation%40okicici&pn=Asha"
    "%20Foundation&am=100000.00&cu=INR&tn=Asha%20Foundation%20pledge\n"
    "Send it: https://wa.me/919700000123?text=Hi%20Meenakshi%2C%20thank%20you%20so%20much"
    "%20for%20your%20pledge%20of%20%E2%82%B91%2C00%2C000%20to%20Asha%20Foundation%21\n"
    "Call: tel:+919700000123"
)
HOSTILE = "<b>bold</b> <img src=x> javascript:alert(1) and see https://example.org/a."


def _thread(app: Flask, project: Project, user: User) -> list[str]:
    """250 messages between ``user`` and the bot, 2 minutes apart; returns their ids."""
    db = app.extensions["calltime"].db
    key = f"{project.id}:{user.phone}"
    ids = []
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="system")
        for n in range(COUNT):
            inbound = n % 2 == 0
            body = f"message {n}"
            if n % 10 == 3:
                body += "\n" + LONG_LINKS
            if n == COUNT - 3:
                body = HOSTILE
            at = DEFAULT_NOW - timedelta(minutes=2 * (COUNT - n))
            row = scope.insert(
                Message(
                    user_id=user.id,
                    direction="inbound" if inbound else "outbound",
                    from_number=user.phone if inbound else project.whatsapp_number,
                    to_number=project.whatsapp_number if inbound else user.phone,
                    thread_key=key,
                    body=body,
                    status="done" if inbound else "simulated",
                    created_at=at,
                    updated_at=at,
                )
            )
            ids.append(str(row.id))
    return ids


@pytest.fixture
def phone_world(app: Flask) -> dict[str, Any]:
    db = app.extensions["calltime"].db
    project = make_project(db, "Asha Foundation", timezone="Asia/Kolkata")
    admin = make_user(db, project, "Aarti Admin", role="ADMIN")
    operator = make_user(db, project, "Priya Nair")
    app.config["CALLTIME_DEMO_PROJECT_ID"] = str(project.id)
    return {"project": project, "admin": admin, "operator": operator}


def _geometry(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """(newest) => {
          const box = (el) => {
            const r = el.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
          };
          const last = document.querySelector(`.bubble[data-id="${newest}"]`);
          return {
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            height: window.innerHeight,
            header: box(document.querySelector("header")),
            text: box(document.getElementById("text")),
            send: box(document.querySelector("button[type=submit]")),
            thread: box(document.getElementById("thread")),
            newest: last ? box(last) : null,
            // Bubbles whose text is cut off or that reach past the screen's edge.
            clipped: [...document.querySelectorAll(".bubble")]
              .filter((b) => b.scrollWidth > b.clientWidth + 1
                             || b.getBoundingClientRect().right > window.innerWidth)
              .map((b) => b.dataset.id),
          };
        }""",
        page.evaluate("() => [...document.querySelectorAll('.bubble')].at(-1).dataset.id"),
    )


def _on_screen(geometry: dict[str, Any], name: str) -> None:
    box = geometry[name]
    assert box["top"] >= 0 and box["bottom"] <= geometry["height"], (name, box)
    assert box["left"] >= 0 and box["right"] <= geometry["clientWidth"], (name, box)


def _check_layout(page: Any) -> dict[str, Any]:
    geometry = _geometry(page)
    assert geometry["scrollWidth"] <= geometry["clientWidth"], geometry
    assert geometry["clipped"] == [], geometry  # long links wrap inside their bubble
    for name in ("header", "text", "send"):
        _on_screen(geometry, name)
    assert geometry["header"]["top"] == 0
    newest, thread = geometry["newest"], geometry["thread"]
    # The newest bubble ends inside the thread's visible part, and shows on screen.
    assert thread["top"] <= newest["bottom"] <= thread["bottom"] + 1, geometry
    return geometry


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_simulator_works_on_a_phone_and_a_laptop(
    app: Flask, phone_world, live_server, browser_page, width: int, height: int
) -> None:
    page = browser_page
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    ids = _thread(app, phone_world["project"], phone_world["operator"])
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/simulator/")
    page.wait_for_selector(f'.bubble[data-id="{ids[-1]}"]')

    # It opens as the operator, and shows the newest page, the newest message in view.
    assert page.input_value("#operator") == str(phone_world["operator"].id)
    assert page.locator(".bubble").count() == PAGE
    assert page.locator(f'.bubble[data-id="{ids[-1]}"]').is_visible()
    _check_layout(page)

    # Times are the project's (Asia/Kolkata), labelled; the last message was sent at
    # 09:58 IST on Thu 26 Nov 2026 (04:28 UTC).
    assert page.inner_text(f'.bubble[data-id="{ids[-1]}"] .meta') == "9:58 AM IST · simulated"
    assert page.locator(".day").all_inner_texts()[-1] == "Thu 26 Nov"

    # Links are anchors with safe schemes; the hostile message stays text.
    hrefs = page.eval_on_selector_all(".bubble a", "els => els.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.split(":")[0] in ("https", "upi", "tel") for h in hrefs)
    assert any(h.startswith("https://wa.me/919700000123?text=") for h in hrefs)
    assert "tel:+919700000123" in hrefs and any(h.startswith("upi://pay?") for h in hrefs)
    hostile = page.locator(f'.bubble[data-id="{ids[COUNT - 3]}"]')
    assert hostile.inner_text().startswith(HOSTILE)
    assert hostile.locator("b, img").count() == 0
    assert hostile.locator("a").evaluate_all("els => els.map(a => a.href)") == [
        "https://example.org/a"
    ]
    browser.save_screenshot(page, f"simulator-{width}x{height}")

    # A new message and its reply appear below the 250th and come into view.
    stop = threading.Event()
    threads = start_worker_threads(app, stop, count=1)
    try:
        page.fill("#text", "help")
        page.click("button[type=submit]")
        page.wait_for_selector(".bubble.outbound >> text=Calltime commands")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.bubble')].at(-1).textContent"
            ".startsWith('Calltime commands')"
        )
        page.wait_for_timeout(300)
        geometry = _check_layout(page)
        assert geometry["newest"]["top"] < geometry["thread"]["bottom"]
        browser.save_screenshot(page, f"simulator-{width}x{height}-reply")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    # Older messages page backwards, 50 at a time, and the view stays where it was.
    page.click("#earlier")
    page.wait_for_function(f"() => document.querySelectorAll('.bubble').length >= {2 * PAGE}")
    assert page.locator(f'.bubble[data-id="{ids[COUNT - 2 * PAGE]}"]').count() == 1
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert violations == []


def test_the_thread_pages_backwards_and_refuses_a_bad_cursor(app: Flask, phone_world) -> None:
    """Over HTTP: the newest page first, then each page before it, until none is left."""
    ids = _thread(app, phone_world["project"], phone_world["operator"])
    client = app.test_client()
    url = f"/simulator/api/thread/{phone_world['operator'].id}"
    seen: list[str] = []
    answer = client.get(url).get_json()
    while True:
        seen = [m["id"] for m in answer["messages"]] + seen
        if not answer["earlier"]:
            break
        answer = client.get(url, query_string={"before": seen[0]}).get_json()
    assert seen == ids
    assert client.get(url, query_string={"before": "nope"}).status_code == 400
    other = make_user(app.extensions["calltime"].db, phone_world["project"], "Rahul Verma")
    foreign = client.get(f"/simulator/api/thread/{other.id}", query_string={"before": ids[-1]})
    assert foreign.status_code == 404  # a message of another thread is no cursor
