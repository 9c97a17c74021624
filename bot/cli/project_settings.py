"""``calltime projects receipt``: the 80G line added to every payment thank-you draft."""

from __future__ import annotations

import click

from bot.cli.common import CliState, echo_row, find_project, pass_state
from bot.directory.org import DirectoryError
from bot.directory.settings import set_receipt_line
from bot.engine.drafts import receipt_line


@click.command("receipt")
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@click.option("--clear", is_flag=True, help="Remove the line.")
@click.argument("text", required=False)
@pass_state
def receipt_command(state: CliState, project: str, clear: bool, text: str | None) -> None:
    """Set the 80G receipt line ending every payment thank-you draft (at most 140
    characters), or remove it with --clear; without either, show it."""
    with state.runtime.db.session() as session:
        found = find_project(session, project)
        if text is None and not clear:
            echo_row("receipt line", project=found.name, text=receipt_line(found) or "(none)")
            return
        if clear and text:
            raise click.ClickException("give the text or --clear, not both")
        try:
            line = set_receipt_line(session, found, None if clear else text, actor="cli")
        except DirectoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row("receipt line", project=found.name, text=line or "(none)")
