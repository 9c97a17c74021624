"""``calltime users set-password`` and ``calltime users login-link``: dashboard access."""

from __future__ import annotations

import click
from sqlalchemy import func

from bot.cli.common import CliState, find_project, pass_state
from bot.directory.accounts import PasswordError, issue_login_link, set_password
from bot.models import User
from bot.phones import InvalidPhone, to_e164
from bot.store import ProjectScope


def _find_user(scope: ProjectScope, phone: str | None, email: str | None, region: str) -> User:
    if bool(phone) == bool(email):
        raise click.UsageError("give exactly one of --phone or --email")
    if phone:
        try:
            user = scope.first(User, User.phone == to_e164(phone, region))
        except InvalidPhone as exc:
            raise click.BadParameter(str(exc), param_hint="--phone") from exc
    else:
        user = scope.first(User, func.lower(User.email) == (email or "").strip().lower())
    if user is None:
        raise click.ClickException("no such user in this project")
    return user


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise click.BadParameter("give a URL starting with http:// or https://")
    return value


@click.command("set-password")
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@click.option("--phone", default=None, help="The user's WhatsApp number.")
@click.option("--email", default=None, help="The user's email address.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (prompted when omitted; at least 10 characters).",
)
@pass_state
def set_password_command(
    state: CliState, project: str, phone: str | None, email: str | None, password: str
) -> None:
    """Set the dashboard password of an admin (stored as a salted hash).

    Only active admins have passwords; operators and guests are refused. A new
    password ends the admin's open dashboard sessions.
    """
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        scope = ProjectScope(session, proj.id, actor="cli")
        user = _find_user(scope, phone, email, proj.default_region)
        try:
            set_password(scope, user, password)
        except PasswordError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"password set for {user.full_name}; their open dashboard sessions ended")


@click.command("login-link")
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@click.option("--phone", default=None, help="The admin's WhatsApp number.")
@click.option("--email", default=None, help="The admin's email address.")
@click.option(
    "--base-url",
    default=None,
    help="Where the dashboard is reached, e.g. http://192.168.1.5:5000 "
    "[default: PUBLIC_BASE_URL, else http://127.0.0.1:5000].",
    callback=lambda _ctx, _param, value: _http_url(value),
)
@pass_state
def login_link_command(
    state: CliState, project: str, phone: str | None, email: str | None, base_url: str | None
) -> None:
    """Print a one-time dashboard link for an admin (valid 10 minutes)."""
    runtime = state.runtime
    with runtime.db.session() as session:
        proj = find_project(session, project)
        scope = ProjectScope(session, proj.id, actor="cli")
        user = _find_user(scope, phone, email, proj.default_region)
        try:
            click.echo(issue_login_link(runtime, scope, user, base_url))
        except PermissionError as exc:
            raise click.ClickException(str(exc)) from exc
