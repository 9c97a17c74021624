"""The Anthropic client, built lazily through the runtime so tests can inject their own."""

from __future__ import annotations

import anthropic
import httpx

from bot.runtime import Runtime
from bot.transactions import before_network_call

CLIENT_NAME = "anthropic"
#: The SDK retries timeouts, 429, 5xx and 529 with exponential backoff before failing.
MAX_RETRIES = 3
#: Seconds per request; an operator on a call cannot wait much longer than this.
TIMEOUT_SECONDS = 30.0


def _check_request(_request: httpx.Request) -> None:
    before_network_call("the model (Anthropic Messages API)")


def build_client(runtime: Runtime) -> anthropic.Anthropic:
    """An ``anthropic.Anthropic`` from the runtime's settings (key, base URL).

    Its HTTP client (the SDK's own defaults) checks before every request, retries
    included, that the calling thread holds no database transaction.
    """
    settings = runtime.settings
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key,
        base_url=settings.anthropic_base_url,
        max_retries=MAX_RETRIES,
        timeout=TIMEOUT_SECONDS,
        http_client=anthropic.DefaultHttpxClient(event_hooks={"request": [_check_request]}),
    )


def anthropic_client(runtime: Runtime) -> anthropic.Anthropic:
    """The runtime's client, registering :func:`build_client` on first use."""
    runtime.register(CLIENT_NAME, build_client)
    client: anthropic.Anthropic = runtime.client(CLIENT_NAME)  # built by build_client
    return client
