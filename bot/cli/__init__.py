"""The ``calltime`` command line. ``calltime --help`` lists every command."""

from __future__ import annotations

import logging
from typing import Any

import click

from bot.cli.admin_users import login_link_command, set_password_command
from bot.cli.chat import chat_command
from bot.cli.common import CliState
from bot.cli.contacts import contacts_group
from bot.cli.db import db_group
from bot.cli.demo import demo_command
from bot.cli.directory import campaigns_group, goals_group, projects_group, teams_group, users_group
from bot.cli.evaluate import eval_command
from bot.cli.listing import (
    campaigns_list,
    goals_list,
    projects_list,
    teams_list,
    users_list,
)
from bot.cli.memory import kb_group, models_group
from bot.cli.payments import payments_group
from bot.cli.processes import clock_command, serve_command, worker_command
from bot.cli.project_settings import receipt_command
from bot.cli.scheduler import nudge_command
from bot.cli.startup import load_env_file
from bot.config import ConfigError


class CalltimeGroup(click.Group):
    """The ``calltime`` group: a configuration Calltime refuses ends in one line, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=CalltimeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="calltime", prog_name="calltime", message="%(prog)s %(version)s")
@click.option("--verbose", "-v", is_flag=True, help="Log at DEBUG level.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Calltime: the WhatsApp call-time manager for fundraising teams.

    Configuration comes from the environment (DATABASE_URL, TWILIO_*, ANTHROPIC_*,
    MEMORY_BACKEND …) and from a .env file in the working directory, which never
    overrides a variable already set; see the README. With TWILIO_AUTH_TOKEN set,
    PUBLIC_BASE_URL is required (except with serve --demo). Security notes:
    docs/security.md.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = CliState(verbose=verbose)


for command in (
    db_group,
    projects_group,
    users_group,
    teams_group,
    campaigns_group,
    goals_group,
    contacts_group,
    payments_group,
    demo_command,
    serve_command,
    worker_command,
    clock_command,
    nudge_command,
    eval_command,
    kb_group,
    models_group,
    chat_command,
):
    cli.add_command(command)

for group, command in (
    (projects_group, projects_list),
    (projects_group, receipt_command),
    (users_group, users_list),
    (users_group, set_password_command),
    (users_group, login_link_command),
    (teams_group, teams_list),
    (campaigns_group, campaigns_list),
    (goals_group, goals_list),
):
    group.add_command(command)


def main() -> None:
    """Console-script entry point: read ``.env``, then run the command."""
    try:
        load_env_file()
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    cli(prog_name="calltime")
