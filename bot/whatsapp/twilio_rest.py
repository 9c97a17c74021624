"""The Twilio REST client Calltime sends with, pointed at ``TWILIO_API_BASE_URL``.

The twilio library lets callers pass their own ``http_client``; ours subclasses
:class:`TwilioHttpClient` and rewrites the ``https://api.twilio.com`` prefix, which is how
a proxy or the recording test double receives the library's real requests.
"""

from __future__ import annotations

import logging
from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.runtime import Runtime
from bot.transactions import before_network_call

TWILIO_API = "https://api.twilio.com"


# twilio ships no type information (no py.typed), so its classes are Any to mypy.
class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """A :class:`TwilioHttpClient` that sends ``api.twilio.com`` requests to ``base_url``."""

    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        # The library logs every request's headers at INFO; keep that for DEBUG runs.
        quiet = logging.getLogger("bot.twilio_http")
        if quiet.level == logging.NOTSET:
            quiet.setLevel(logging.WARNING)
        super().__init__(timeout=timeout, logger=quiet)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        before_network_call("Twilio")
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def build_twilio_client(runtime: Runtime) -> Client | None:
    """A Twilio ``Client`` from the settings, or ``None`` without credentials (simulated sends)."""
    settings = runtime.settings
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=BaseUrlHttpClient(settings.twilio_api_base_url),
    )


def twilio_client(runtime: Runtime) -> Client | None:
    """The runtime's Twilio client (tests may inject one as ``runtime.clients["twilio"]``)."""
    runtime.register("twilio", build_twilio_client)
    return runtime.client("twilio")
