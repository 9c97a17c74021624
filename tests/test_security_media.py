"""Issue 17, point 5: media is fetched from Twilio only, and the credentials go nowhere else.

The worker runs the real pipeline against the Twilio double; a second loopback server
plays an attacker's listener and records whatever reaches it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.models import File, Message
from bot.runtime import Runtime
from bot.whatsapp.intake import parse_inbound_form, store_inbound
from bot.whatsapp.worker import Worker
from tests import pipeline_support
from tests.factories import make_project, make_user
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio
wired_app = pipeline_support.wired_app
wired_runtime = pipeline_support.wired_runtime

JPEG = b"\xff\xd8\xff\xe0" + b"receipt" * 50


class Listener:
    """A loopback HTTP server that records every request and serves a JPEG."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str | None]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                listener.requests.append((self.path, self.headers.get("Authorization")))
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(JPEG)))
                self.end_headers()
                self.wfile.write(JPEG)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _deliver(runtime: Runtime, url: str, content_type: str = "image/jpeg") -> str:
    """Queue a message with one file at ``url``, run the worker, return the reply."""
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    form = {
        "MessageSid": "MM" + "e" * 32,
        "From": f"whatsapp:{user.phone}",
        "To": f"whatsapp:{project.whatsapp_number}",
        "NumMedia": "1",
        "MediaUrl0": url,
        "MediaContentType0": content_type,
    }
    store_inbound(runtime, parse_inbound_form(form))
    Worker(runtime).run_once()
    with runtime.db.session() as session:
        reply = session.scalar(select(Message.body).where(Message.direction == "outbound"))
    return str(reply)


def _files(runtime: Runtime) -> list[File]:
    with runtime.db.session() as session:
        return list(session.scalars(select(File)))


def test_a_media_url_outside_twilio_is_never_contacted(
    wired_runtime: Runtime, twilio: TwilioDouble, listener: Listener
) -> None:
    reply = _deliver(wired_runtime, listener.url + "/steal.jpg")
    assert "the file's address is not Twilio's, so it was not fetched" in reply
    assert listener.requests == [] and _files(wired_runtime) == []


def test_a_redirect_away_from_twilio_is_not_followed(
    wired_runtime: Runtime, twilio: TwilioDouble, listener: Listener
) -> None:
    url = twilio.add_media("r.jpg", "image/jpeg", JPEG, redirect_to=listener.url + "/r.jpg")
    reply = _deliver(wired_runtime, url)
    assert "Twilio sent the file somewhere unexpected" in reply
    assert listener.requests == [] and _files(wired_runtime) == []


def test_a_redirect_to_the_media_cdn_is_followed_without_credentials(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    url = twilio.add_media("cdn.jpg", "image/jpeg", JPEG, redirect_to="cdn")
    reply = _deliver(wired_runtime, url)
    assert reply.startswith("Saved whatsapp-"), reply
    [(first, first_auth), (second, second_auth)] = twilio.media_auth
    assert (first, second) == ("/media/cdn.jpg", "/cdn/cdn.jpg")
    assert first_auth is not None and first_auth.startswith("Basic ")
    assert second_auth is None
    [stored] = _files(wired_runtime)
    assert stored.content_type == "image/jpeg"


def test_the_type_is_read_from_the_bytes_not_the_headers(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    url = twilio.add_media("page.jpg", "image/jpeg", b"<html><script>alert(1)</script></html>")
    reply = _deliver(wired_runtime, url)
    assert "not a photo (JPEG, PNG, WebP) or a PDF" in reply
    assert _files(wired_runtime) == []


def test_no_transaction_is_open_while_a_file_downloads(
    wired_runtime: Runtime, twilio: TwilioDouble
) -> None:
    seen: list[str] = []
    twilio.on_media = lambda: seen.append(_open_transactions(wired_runtime))
    url = twilio.add_media("t.jpg", "image/jpeg", JPEG)
    assert _deliver(wired_runtime, url).startswith("Saved whatsapp-")
    assert seen == ["none"]


def _open_transactions(runtime: Runtime) -> str:
    """``none`` unless some connection holds a transaction open on the test database."""
    url = make_url(runtime.db.url)
    if url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(url.database or "", timeout=0.2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails while any writer holds the lock
            probe.execute("ROLLBACK")
            return "none"
        except sqlite3.OperationalError as exc:
            return f"locked: {exc}"
        finally:
            probe.close()
    with runtime.db.engine.connect() as connection:
        count = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        ).scalar()
    return "none" if not count else f"{count} open"
