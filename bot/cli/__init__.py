"""The ``calltime`` command line. ``calltime --help`` lists every command."""

from __future__ import annotations

import logging

import click

from bot.cli.admin_users import login_link_command, set_password_command
from bot.cli.chat import chat_command
from bot.cli.common import CliState
from bot.cli.contacts import contacts_group
from bot.cli.db import db_group
from bot.cli.demo import demo_command
from bot.cli.directory import campaigns_group, goals_group, projects_group, teams_group, users_group
from bot.cli.evaluate import eval_command
from bot.cli.memory import kb_group, models_group
from bot.cli.payments import payments_group
from bot.cli.processes import clock_command, serve_command, worker_command
from bot.cli.project_settings import receipt_command
from bot.cli.scheduler import nudge_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", "-v", is_flag=True, help="Log at DEBUG level.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Calltime: the WhatsApp call-time manager for fundraising teams.

    Configuration comes from the environment (DATABASE_URL, TWILIO_*, ANTHROPIC_*,
    MEMORY_BACKEND …); see the README. With TWILIO_AUTH_TOKEN set, PUBLIC_BASE_URL is
    required (except `serve --demo`). Security notes: docs/security.md.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = CliState()


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

for command in (set_password_command, login_link_command):
    users_group.add_command(command)
projects_group.add_command(receipt_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="calltime")
