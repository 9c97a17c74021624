"""The dashboard's browser session, CSRF protection and the ``admin_view`` guard.

The session lives in Flask's signed cookie, but it is only honoured while it matches
the database: the admin must still be active, an admin, in the same project, with the
same password and the same ``users.session_version``. Signing out raises that version,
and so does any change of role, activity or password (a mapper event on
:class:`~bot.models.User`), so a copied cookie dies with the session it came from.

CSRF uses a synchronizer token kept in Flask's signed session cookie and compared in
constant time on every POST to the admin blueprint (nothing new to install). The check
is a blueprint ``before_request``, so the Twilio webhook is never subject to it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.orm import Session

from bot.directory.accounts import ADMIN_ROLES
from bot.models import Project, User
from bot.runtime import get_runtime
from bot.store import ProjectScope

SESSION_LIFETIME = timedelta(hours=12)
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked ``Secure`` whenever served over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def init_session(app: Flask) -> None:
    """HttpOnly, SameSite=Lax cookies that are Secure on https; 12-hour admin sessions."""
    app.session_interface = AdminSessionInterface()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME


# -- CSRF -----------------------------------------------------------------------------
def csrf_token() -> str:
    """This browser session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """Refuse (400) a state-changing request whose form token does not match the session."""
    if request.method in _SAFE_METHODS:
        return
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected), given):
        abort(400, description="The form expired or did not come from this site; reload it.")


# -- sign-in state --------------------------------------------------------------------
def password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a new password ends old sessions."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def start_admin_session(user: User) -> None:
    """Sign ``user`` in: a fresh session (no fixation), with a new CSRF token."""
    session.clear()
    session.permanent = True
    session["admin_user_id"] = str(user.id)
    session["admin_project_id"] = str(user.project_id)
    session["admin_pw"] = password_fingerprint(user)
    session["admin_sv"] = user.session_version or 0
    session["csrf"] = secrets.token_urlsafe(32)


def end_admin_session(db_session: Session | None = None) -> None:
    """Forget this browser's session; with ``db_session``, end the admin's other ones too.

    Raising ``session_version`` invalidates every cookie issued to the admin, including
    copies of this one (a signed cookie cannot be revoked any other way).
    """
    user = signed_in_admin(db_session) if db_session is not None else None
    if user is not None:
        user.session_version = (user.session_version or 0) + 1
    session.clear()


def signed_in_admin(db_session: Session) -> User | None:
    """The admin this browser's session belongs to, if that session is still valid."""
    user_id = session.get("admin_user_id")
    if not user_id:
        return None
    try:
        user = db_session.get(User, uuid.UUID(str(user_id)))
    except ValueError:
        return None
    if (
        user is None
        or not user.is_active
        or user.role not in ADMIN_ROLES
        or str(user.project_id) != session.get("admin_project_id")
        or session.get("admin_pw") != password_fingerprint(user)
        or session.get("admin_sv") != (user.session_version or 0)
    ):
        return None
    return user


def admin_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` for a signed-in admin inside one unit of work.

    Sets ``g.scope`` (a :class:`ProjectScope` acting as ``user:<id>``), ``g.user`` and
    ``g.project``. Anonymous visitors, and sessions that ended (sign-out elsewhere, a new
    password, demotion), go to the login page.
    Writes commit when the view returns; any exception (404s too) rolls them back.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        runtime = get_runtime()
        with runtime.db.session() as db_session:
            user = signed_in_admin(db_session)
            if user is None:
                end_admin_session()
                return redirect(url_for("admin.login", next=request.full_path))
            g.user = user
            g.project = db_session.get(Project, user.project_id)
            g.scope = ProjectScope(db_session, user.project_id, actor=f"user:{user.id}")
            g.now = runtime.clock.now()
            return view(*args, **kwargs)

    return wrapper
