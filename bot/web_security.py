"""HTTP hardening for every Calltime page: proxy headers, CSP, HSTS, no version banner.

- Behind a TLS-terminating proxy (``CALLTIME_TRUST_PROXY=1``) werkzeug's ``ProxyFix``
  takes the scheme, host and client address from one proxy's ``X-Forwarded-*`` headers,
  so ``request.is_secure`` is true, the admin cookie gets ``Secure`` and the sign-in
  limits count the real client address. Without that setting the headers are ignored:
  anyone could send them.
- A Content-Security-Policy on every response: scripts and styles only from this site
  or inline with the request's nonce (``{{ csp_nonce() }}`` in templates), no frames,
  no plugins, forms post back to this site only.
- ``Strict-Transport-Security`` on responses served over https.
- The embedded server does not announce ``Werkzeug/x Python/y``
  (:mod:`bot.access_log` replaces its request handler).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.access_log import LoginLinkFilter

HSTS = "max-age=31536000"
_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'"
)


def csp_nonce() -> str:
    """This request's CSP nonce (one per response, unguessable)."""
    nonce = getattr(g, "csp_nonce", None)
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return str(nonce)


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _CSP.format(nonce=csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask, *, trust_proxy: bool) -> None:
    """Install the headers on ``app``; trust one proxy's headers only when told to."""
    if trust_proxy:
        # Wrapping wsgi_app is how Flask's docs install middleware; its stubs type it as a
        # method, which mypy will not let anything replace.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1
        )
    app.after_request(_security_headers)
    app.add_template_global(csp_nonce)
    app.logger.addFilter(LoginLinkFilter())  # "Exception on /admin/login/<token>" lines
