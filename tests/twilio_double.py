"""A recording stand-in for Twilio's REST API, served on loopback.

The real ``twilio`` library reaches it through ``TWILIO_API_BASE_URL``. It implements
``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with Twilio's checks (basic
auth, ``To``, ``From`` or ``MessagingServiceSid``, and one of ``Body`` / ``ContentSid`` /
``MediaUrl``) and Twilio-shaped JSON answers, and serves media files behind basic auth
for the media download path. Failures can be scripted::

    with TwilioDouble() as twilio:
        twilio.fail_next(429)                 # one "Too Many Requests"
        twilio.fail_next(400, code=63016)     # a permanent WhatsApp refusal
        twilio.fail_next_to("+919800000002", 503)  # the next message to one number
        twilio.fail_during(clock, start, end) # an outage: 503 while start <= clock < end
        ...
        assert twilio.messages[0]["Body"] == "..."
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.clock import Clock

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
_MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


class _Server(ThreadingHTTPServer):
    # Dozens of worker threads may send at once (the side-by-side benchmark); the default
    # listen backlog of 5 would refuse some connections, which real Twilio does not.
    request_queue_size = 512


class TwilioDouble:
    """Context manager: a threaded HTTP server recording every message create."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, str]] = []
        self.sids: list[str] = []
        self.attempts = 0
        self.media: dict[str, tuple[str, bytes]] = {}
        self.media_requests: list[str] = []
        #: ``(path, Authorization header or None)`` of every media and CDN request.
        self.media_auth: list[tuple[str, str | None]] = []
        #: Where ``/media/<name>`` redirects (like Twilio's API to its CDN), by name.
        self.media_redirects: dict[str, str] = {}
        #: Called (in the server thread) before a media file is served.
        self.on_media: Any = None
        #: Called (in the server thread) with the form of every message create.
        self.on_create: Any = None
        self.delay_seconds = 0.0
        self._failures: deque[tuple[int, int | None, str]] = deque()
        self._failures_to: dict[str, deque[tuple[int, int | None, str]]] = {}
        self._outages: list[tuple[Clock, datetime, datetime, int, int | None]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- scripting -------------------------------------------------------------------
    def fail_next(self, status: int, *, code: int | None = None, message: str = "") -> None:
        """Answer the next message create with ``status`` (and Twilio error ``code``)."""
        self._failures.append((status, code, message or f"scripted failure {code or status}"))

    def fail_next_to(
        self, number: str, status: int, *, code: int | None = None, message: str = ""
    ) -> None:
        """Answer the next message create addressed to ``number`` with ``status``."""
        address = number if number.startswith("whatsapp:") else f"whatsapp:{number}"
        failure = (status, code, message or f"scripted failure {code or status}")
        self._failures_to.setdefault(address, deque()).append(failure)

    def fail_during(
        self,
        clock: Clock,
        start: datetime,
        end: datetime,
        status: int = 503,
        code: int | None = None,
    ) -> None:
        """Answer every message create with ``status`` while ``start <= clock.now() < end``.

        ``clock`` is the application's (injected) clock, so a test moves through the
        outage by advancing it rather than by sleeping.
        """
        self._outages.append((clock, start, end, status, code))

    def add_media(
        self, name: str, content_type: str, data: bytes, *, redirect_to: str | None = None
    ) -> str:
        """Serve ``data`` at ``/media/<name>``; returns its URL.

        With ``redirect_to``, ``/media/<name>`` answers 307 to it (``"cdn"``: this
        double's own ``/cdn/<name>``, served without authentication, as Twilio's CDN).
        """
        self.media[name] = (content_type, data)
        if redirect_to is not None:
            target = f"{self.url}/cdn/{name}" if redirect_to == "cdn" else redirect_to
            self.media_redirects[name] = target
        return f"{self.url}/media/{name}"

    def settings(self) -> dict[str, str]:
        """The lower-case settings overrides that point Calltime at this double."""
        return {
            "twilio_account_sid": self.account_sid,
            "twilio_auth_token": self.auth_token,
            "twilio_api_base_url": self.url,
        }

    def bodies_to(self, number: str) -> list[str]:
        """Bodies sent to ``number`` (E.164 or ``whatsapp:`` address), in arrival order."""
        address = number if number.startswith("whatsapp:") else f"whatsapp:{number}"
        with self._lock:
            return [m.get("Body", "") for m in self.messages if m.get("To") == address]

    # -- request handling (called from server threads) --------------------------------
    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.on_create is not None:
            self.on_create(form)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        with self._lock:
            self.attempts += 1
            if self._failures:
                status, code, message = self._failures.popleft()
                return status, _error(status, code, message)
            if self._failures_to.get(form.get("To", "")):
                status, code, message = self._failures_to[form["To"]].popleft()
                return status, _error(status, code, message)
            for clock, start, end, status, code in self._outages:
                if start <= clock.now() < end:
                    return status, _error(status, code, f"scripted outage ({status})")
        problem = _missing_fields(form)
        if problem:
            return 400, _error(400, 21604 if "To" in problem else 21602, problem)
        sid = "SM" + uuid.uuid4().hex
        with self._lock:
            self.messages.append(form)
            self.sids.append(sid)
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }


def _missing_fields(form: dict[str, str]) -> str | None:
    if not form.get("To"):
        return "A 'To' phone number is required."
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return "A 'From' phone number is required."
    if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
        return "Message body is required."
    return None


def _error(status: int, code: int | None, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
        "status": status,
    }


def _handler_for(double: TwilioDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet tests
            return

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            match = _MESSAGES_PATH.match(self.path.split("?")[0])
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if match is None:
                self._json(404, _error(404, 20404, "The requested resource was not found"))
                return
            if match["sid"] != double.account_sid or not double._authorised(
                self.headers.get("Authorization")
            ):
                self._json(401, _error(401, 20003, "Authenticate"))
                return
            form = dict(parse_qsl(raw, keep_blank_values=True))
            status, body = double._create(form)
            self._json(status, body)

        def do_GET(self) -> None:  # noqa: N802
            double.media_auth.append((self.path, self.headers.get("Authorization")))
            if self.path.startswith("/cdn/"):
                self._serve_media(self.path.removeprefix("/cdn/").split("?")[0])
                return
            name = self.path.removeprefix("/media/").split("?")[0]
            double.media_requests.append(name)
            if not double._authorised(self.headers.get("Authorization")):
                self._json(401, _error(401, 20003, "Authenticate"))
                return
            if not self.path.startswith("/media/") or name not in double.media:
                self._json(404, _error(404, 20404, "The requested resource was not found"))
                return
            if name in double.media_redirects:
                self.send_response(307)
                self.send_header("Location", double.media_redirects[name])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._serve_media(name)

        def _serve_media(self, name: str) -> None:
            if name not in double.media:
                self._json(404, _error(404, 20404, "The requested resource was not found"))
                return
            if double.on_media is not None:
                double.on_media()
            content_type, data = double.media[name]
            self._send(200, data, content_type)

    return Handler
