"""The browser fixtures work: Chromium loads the health page from the live server."""

from __future__ import annotations

import json

from tests.browser import browser_page, live_server  # noqa: F401


def test_chromium_reads_healthz(browser_page, live_server) -> None:  # noqa: F811
    browser_page.goto(f"{live_server.url}/healthz")
    body = json.loads(browser_page.inner_text("body"))
    assert body["status"] == "ok"
