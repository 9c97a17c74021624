"""``calltime contacts import|export``."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import CliState, find_project, pass_state
from bot.directory.contacts_csv import RowError, export_contacts, import_contacts


@click.group("contacts")
def contacts_group() -> None:
    """Donor contacts: CSV import and export."""


@contacts_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the line-by-line report as CSV (formula cells neutralised).",
)
@pass_state
def contacts_import(
    state: CliState, csv_file: Path, project: str, report_file: Path | None
) -> None:
    """Import contacts from CSV.

    Columns: display_name, phone, phone2, email, tags, capacity_band,
    relationship_strength (1-5), status (active|inactive|do_not_contact), notes. Tags are
    separated by ';'. Phones are normalised to E.164 in the project's region; a known
    phone or email updates that contact.
    Bad rows are skipped with their line number and reason; extra columns are ignored.
    Longest values: display_name 200 characters, notes 4,000. NUL characters are
    removed (the line is named); a leading ' written by export is removed again.
    """
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file} is not UTF-8 text") from exc
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        try:
            report = import_contacts(session, proj, text, actor="cli")
        except RowError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(report.as_text())
    if report_file is not None:
        report_file.write_text(report.to_csv(), encoding="utf-8")
        click.echo(f"report written to {report_file}")


@contacts_group.command("export")
@click.argument("csv_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@pass_state
def contacts_export(state: CliState, csv_file: Path | None, project: str) -> None:
    """Export live contacts as CSV (to CSV_FILE, or standard output).

    Cells a spreadsheet would run as a formula (=, +, -, @ …) get a leading '.
    """
    with state.runtime.db.session() as session:
        text = export_contacts(session, find_project(session, project))
    if csv_file is None:
        click.echo(text, nl=False)
    else:
        csv_file.write_text(text, encoding="utf-8")
        click.echo(f"exported {text.count(chr(10)) - 1} contacts to {csv_file}")
