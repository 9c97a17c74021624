"""Sign in with a password or a one-time WhatsApp link; sign out."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from bot.admin.blueprint import bp
from bot.admin.security import end_admin_session, start_admin_session
from bot.directory.accounts import (
    MAX_FAILURES_PER_ADDRESS,
    LoginFailed,
    RateLimited,
    address_key,
    authenticate,
    consume_login_link,
    record_attempt,
    too_many_failures,
)
from bot.runtime import get_runtime


def _safe_next(target: str | None) -> str:
    """Only ever redirect inside the dashboard (no open redirects)."""
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("admin.overview")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The password form; failures are counted per account and per address."""
    if request.method == "GET":
        return render_template("admin/login.html", next=request.args.get("next", ""))
    runtime = get_runtime()
    now = runtime.clock.now()
    identifier = request.form.get("identifier", "")
    password = request.form.get("password", "")
    addr = address_key(request.remote_addr)
    with runtime.db.session() as session:
        try:
            if too_many_failures(session, addr, MAX_FAILURES_PER_ADDRESS, now):
                raise RateLimited("too many failed sign-ins; try again in 15 minutes")
            user = authenticate(session, identifier, password, now)
        except RateLimited as exc:
            return _login_error(str(exc), identifier, 429)
        except LoginFailed as exc:
            record_attempt(session, addr, succeeded=False, now=now)
            return _login_error(str(exc), identifier, 401)
        start_admin_session(user)
    return redirect(_safe_next(request.form.get("next")))


def _login_error(message: str, identifier: str, status: int) -> Any:
    body = render_template(
        "admin/login.html", error=message, identifier=identifier, next=request.form.get("next")
    )
    return body, status


@bp.get("/login/<token>")
def login_link(token: str) -> Any:
    """Confirm before spending the link: chat apps fetch links to build previews."""
    return render_template("admin/login_link.html", token=token)


@bp.post("/login/<token>")
def login_link_confirm(token: str) -> Any:
    runtime = get_runtime()
    with runtime.db.session() as session:
        try:
            user = consume_login_link(runtime, session, token)
        except LoginFailed as exc:
            return render_template("admin/error.html", message=str(exc)), 400
        start_admin_session(user)
    return redirect(url_for("admin.overview"))


@bp.post("/logout")
def logout() -> Any:
    """Sign out: every session of this admin ends, in this browser and elsewhere."""
    with get_runtime().db.session() as session:
        end_admin_session(session)
    return redirect(url_for("admin.login"))
