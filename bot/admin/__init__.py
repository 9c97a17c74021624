"""The admin dashboard: a server-rendered Flask blueprint mounted at ``/admin``.

Everything an admin sees is read through a :class:`bot.store.ProjectScope` for the
admin's own project; another project's ids answer 404.
"""

from __future__ import annotations

from flask import Flask, redirect, url_for
from werkzeug.wrappers import Response


def init_app(app: Flask) -> None:
    """Configure admin sessions, mount the dashboard on ``app`` and send ``/`` to it."""
    from bot.admin import (  # noqa: F401
        views_activity,
        views_attention,
        views_auth,
        views_contacts,
        views_directory,
        views_money,
        views_reconcile,
        views_usage,
    )
    from bot.admin.blueprint import bp
    from bot.admin.security import init_session

    init_session(app)
    app.register_blueprint(bp)
    app.add_url_rule("/", "root", _to_dashboard)


def _to_dashboard() -> Response:
    """``/`` opens the dashboard; it sends a visitor who is not signed in to sign in."""
    return redirect(url_for("admin.overview"))
