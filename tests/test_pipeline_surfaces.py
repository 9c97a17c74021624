"""The simulator (in headless Chromium), ``calltime chat`` and media downloads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from bot.cli import cli
from bot.engine.session_commands import HELP as HELP_TEXT
from bot.models import File, FileLink
from bot.runtime import Runtime
from bot.turn.state import SessionState
from bot.whatsapp.intake import parse_inbound_form, store_inbound
from bot.whatsapp.media import MAX_MEDIA_BYTES
from bot.whatsapp.worker import Worker
from bot.whatsapp.worker_threads import start_worker_threads
from tests import browser, pipeline_support
from tests.factories import make_contact, make_project, make_user
from tests.pipeline_support import messages
from tests.twilio_double import TwilioDouble

# fixtures
browser_page = browser.browser_page
live_server = browser.live_server
twilio = pipeline_support.twilio
wired_app = pipeline_support.wired_app
wired_runtime = pipeline_support.wired_runtime


@pytest.mark.browser
def test_simulator_shows_the_reply_to_help(app: Flask, live_server, browser_page) -> None:
    runtime = app.extensions["calltime"]
    project = make_project(runtime.db)
    make_user(runtime.db, project, name="Meera")
    app.config["CALLTIME_DEMO_PROJECT_ID"] = str(project.id)
    stop = threading.Event()
    threads = start_worker_threads(app, stop, count=1)
    try:
        page = browser_page
        page.goto(live_server.url + "/simulator/")
        page.wait_for_selector("#operator option", state="attached")
        page.fill("#text", "help")
        page.click("button[type=submit]")
        page.wait_for_selector(".bubble.outbound")
        assert page.inner_text(".bubble.inbound").startswith("help")
        assert page.inner_text(".bubble.outbound").startswith(HELP_TEXT.splitlines()[0])
        browser.save_screenshot(page, "pipeline-simulator")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    [inbound] = messages(runtime.db, "inbound")
    assert inbound.status == "done" and inbound.twilio_sid.startswith("SM")


def test_simulator_is_off_outside_demo_mode(db_url: str, tmp_path: Path, clock) -> None:
    app = pipeline_support.make_app(db_url, tmp_path, clock, TESTING=False)
    assert app.test_client().get("/simulator/").status_code == 404
    app.config["CALLTIME_DEMO"] = True
    assert app.test_client().get("/simulator/").status_code == 200
    app.extensions["calltime"].db.dispose()


def test_simulator_refuses_bad_input(app: Flask) -> None:
    client = app.test_client()
    assert (
        client.post("/simulator/api/send", json={"user_id": "nope", "body": "hi"}).status_code
        == 400
    )
    assert messages(app.extensions["calltime"].db) == []


def test_calltime_chat_goes_through_the_pipeline(
    runtime: Runtime, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli-instance"))
    result = CliRunner().invoke(cli, ["chat", "--as", user.phone], input="help\n")
    assert result.exit_code == 0, result.output
    assert f"bot> {HELP_TEXT}" in result.output
    [inbound] = messages(runtime.db, "inbound")
    [reply] = messages(runtime.db, "outbound")
    assert (inbound.status, reply.reply_to_id, reply.status) == ("done", inbound.id, "simulated")
    unknown = CliRunner().invoke(cli, ["chat", "--as", "+919000000009"], input="help\n")
    assert unknown.exit_code != 0 and "no active operator" in unknown.output


def _media_form(project, user, url: str, content_type: str, body: str = "") -> dict:
    return {
        "MessageSid": "MM" + "d" * 32,
        "From": f"whatsapp:{user.phone}",
        "To": f"whatsapp:{project.whatsapp_number}",
        "Body": body,
        "NumMedia": "1",
        "MediaUrl0": url,
        "MediaContentType0": content_type,
    }


def test_media_is_downloaded_stored_and_linked(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    contact = make_contact(wired_runtime.db, project, name="Anita Sharma")
    with wired_runtime.db.session() as session:
        from bot.models import ChatSession

        session.add(
            ChatSession(
                project_id=project.id,
                user_id=user.id,
                whatsapp_thread_id=f"whatsapp:{user.phone}",
                state_json=SessionState(current_contact_id=contact.id).dump(),
                started_at=wired_runtime.clock.now(),
                last_activity_at=wired_runtime.clock.now(),
            )
        )
    receipt = b"\xff\xd8\xff\xe0" + b"receipt" * 100
    url = twilio.add_media("receipt.jpg", "image/jpeg", receipt)
    store_inbound(wired_runtime, parse_inbound_form(_media_form(project, user, url, "image/jpeg")))
    Worker(wired_runtime).run_once()
    with wired_runtime.db.session() as session:
        [stored] = session.scalars(select(File)).all()
        [link] = session.scalars(select(FileLink)).all()
    assert (link.entity_type, link.entity_id, link.file_id) == (
        "contact",
        contact.id,
        str(stored.id),
    )
    assert (wired_runtime.settings.instance_path / stored.storage_url).read_bytes() == receipt
    assert twilio.bodies_to(user.phone) == [f"Saved {stored.filename} to Anita Sharma's record."]


def test_disallowed_and_oversized_media_get_a_clear_reply(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    url = twilio.add_media("song.mp3", "audio/mpeg", b"ID3" * 10)
    store_inbound(
        wired_runtime, parse_inbound_form(_media_form(project, user, url, "audio/mpeg", "help"))
    )
    Worker(wired_runtime).run_once()
    [reply] = twilio.bodies_to(user.phone)
    assert "audio/mpeg files are not kept" in reply and HELP_TEXT in reply
    assert twilio.media_requests == []  # refused from the declared type, never fetched
    with wired_runtime.db.session() as session:
        assert session.scalars(select(File)).all() == []


def test_oversized_media_is_refused_while_downloading(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    url = twilio.add_media("scan.pdf", "application/pdf", b"%PDF" + b"0" * (MAX_MEDIA_BYTES + 1))
    store_inbound(
        wired_runtime, parse_inbound_form(_media_form(project, user, url, "application/pdf"))
    )
    Worker(wired_runtime).run_once()
    assert twilio.bodies_to(user.phone) == ["File 1 was not saved: the file is larger than 5 MB"]
    assert twilio.media_requests == ["scan.pdf"]
