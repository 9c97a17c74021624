"""Access logs without secrets, and a server that does not announce its versions.

One-time dashboard links carry their token in the path (``/admin/login/<token>``);
a link previewed by a chat app but not yet spent still works, so no access log may
hold it. The embedded server (werkzeug) and gunicorn both log through the classes
here; both mask the token with :func:`bot.directory.accounts.mask_login_links`.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler

from bot.directory.accounts import mask_login_links

#: What the embedded server says in its ``Server`` header (no versions).
SERVER_NAME = "Calltime"


class LoginLinkFilter(logging.Filter):
    """Masks login tokens in any log record (Flask logs the path of a failing request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_login_links(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_login_links(a) if isinstance(a, str) else a for a in record.args
            )
        return True


class CalltimeRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, minus the version banner and minus login tokens in the log."""

    def version_string(self) -> str:
        return SERVER_NAME

    def log(self, type: str, message: str, *args: Any) -> None:
        # Every line werkzeug writes (requests and errors) passes through here.
        masked = tuple(mask_login_links(a) if isinstance(a, str) else a for a in args)
        super().log(type, mask_login_links(message), *masked)


# gunicorn ships no type information, so its Logger is Any to mypy.
class GunicornLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with login tokens masked in every access-log field.

    The Procfile's ``web`` line passes ``--logger-class bot.access_log.GunicornLogger``.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found = super().atoms(resp, req, environ, request_time)
        # The request line, path, query, Referer (the confirm form posts from the link's
        # page) and every header or environ value may carry the token.
        return {k: mask_login_links(v) if isinstance(v, str) else v for k, v in found.items()}
