"""The ``calltime`` command line. ``calltime --help`` lists every command.

Commands are loaded lazily (click's documented "lazy group" pattern): ``calltime X`` imports
only the module of ``X``, so ``calltime --version`` and a quick command don't pay for the
web app, the worker or the model SDK.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click

from bot.cli.envfile import load_env_file

#: Every top-level command: its name → ``module:attribute`` of the click command.
COMMANDS = {
    "db": "bot.cli.db:db_group",
    "projects": "bot.cli.directory:projects_group",
    "users": "bot.cli.directory:users_group",
    "teams": "bot.cli.directory:teams_group",
    "campaigns": "bot.cli.directory:campaigns_group",
    "goals": "bot.cli.directory:goals_group",
    "contacts": "bot.cli.contacts:contacts_group",
    "payments": "bot.cli.payments:payments_group",
    "demo": "bot.cli.demo:demo_command",
    "serve": "bot.cli.processes:serve_command",
    "worker": "bot.cli.processes:worker_command",
    "clock": "bot.cli.processes:clock_command",
    "nudge": "bot.cli.scheduler:nudge_command",
    "eval": "bot.cli.evaluate:eval_command",
    "kb": "bot.cli.memory:kb_group",
    "models": "bot.cli.memory:models_group",
    "chat": "bot.cli.chat:chat_command",
}
#: Commands of a group that live in another module (the ``list`` commands share one).
GROUP_EXTRAS = {
    "projects": ("bot.cli.listing:projects_list", "bot.cli.project_settings:receipt_command"),
    "users": (
        "bot.cli.listing:users_list",
        "bot.cli.admin_users:set_password_command",
        "bot.cli.admin_users:login_link_command",
    ),
    "teams": ("bot.cli.listing:teams_list",),
    "campaigns": ("bot.cli.listing:campaigns_list",),
    "goals": ("bot.cli.listing:goals_list",),
}


def load_command(target: str) -> click.Command:
    """The click command at ``module:attribute``, importing its module."""
    module, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


class CalltimeGroup(click.Group):
    """The ``calltime`` group: loads each command on first use; a configuration Calltime
    refuses ends in one line, exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        command = load_command(target)
        if isinstance(command, click.Group):
            for extra in GROUP_EXTRAS.get(cmd_name, ()):
                command.add_command(load_command(extra))
        return command

    def invoke(self, ctx: click.Context) -> Any:
        from bot.config import ConfigError

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
    from bot.cli.common import CliState

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # Alembic names each of its plugins when a command first loads it
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    ctx.obj = CliState(verbose=verbose)


def main() -> None:
    """Console-script entry point: read ``.env``, then run the command."""
    try:
        load_env_file()
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    cli(prog_name="calltime")
