"""``calltime nudge``: run the follow-up job once and print what it sent."""

from __future__ import annotations

import click

from bot.cli.common import CliState, pass_state
from bot.engine.wording import plural


@click.command("nudge")
@click.option("--show-body/--no-show-body", default=True, help="Print each digest's text.")
@pass_state
def nudge_command(state: CliState, show_body: bool) -> None:
    """Run the follow-up nudge job once and print each digest sent."""
    from bot.scheduler.nudges import run_nudges

    report = run_nudges(state.runtime, worker="cli")
    counts = report.counts()
    click.echo(
        "nudge run: "
        + ", ".join(f"{key}={value}" for key, value in counts.items() if key != "digests")
    )
    if not report.digests:
        click.echo("no digests sent")
    for digest in report.digests:
        click.echo(
            f"→ {digest.operator}: {plural(len(digest.followup_ids), 'follow-up')} [{digest.mode}]"
        )
        if show_body:
            click.echo("  " + digest.body.replace("\n", "\n  "))
    if report.failed:
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
        raise click.exceptions.Exit(1)
