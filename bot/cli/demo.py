"""``calltime demo``: the demo organisation."""

from __future__ import annotations

import click

from bot.cli.common import CliState, pass_state
from bot.cli.startup import migrate
from bot.directory.demo import seed_demo


@click.command("demo")
@pass_state
def demo_command(state: CliState) -> None:
    """Migrate and create the demo organisation (Asha Foundation) if it is not there.

    Prints the demo admin's login with a new random password (the old one stops working).
    """
    state.migrates = True
    runtime = state.runtime
    migrate(runtime)
    summary = seed_demo(runtime.db, runtime.clock)
    verb = "created" if summary.created else "already present"
    click.echo(f"demo organisation {verb}: {summary.contacts} contacts")
    click.echo(f"  admin login: {summary.admin_email} / {summary.admin_password}")
    click.echo(
        "  operators (simulator or `calltime chat --as`): " + ", ".join(summary.operator_phones)
    )
