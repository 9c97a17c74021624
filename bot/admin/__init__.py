"""The admin dashboard: a server-rendered Flask blueprint mounted at ``/admin``.

Everything an admin sees is read through a :class:`bot.store.ProjectScope` for the
admin's own project; another project's ids answer 404.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Configure admin sessions and mount the dashboard on ``app``."""
    from bot.admin import (  # noqa: F401
        views_activity,
        views_attention,
        views_auth,
        views_contacts,
        views_money,
        views_reconcile,
    )
    from bot.admin.blueprint import bp
    from bot.admin.security import init_session

    init_session(app)
    app.register_blueprint(bp)
