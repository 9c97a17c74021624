"""``calltime contacts import|export``."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from bot.cli.common import CliState, find_project, pass_state, progress
from bot.directory.contact_rows import RowError
from bot.directory.contacts_csv import export_contacts, import_contacts
from bot.directory.import_history import ImportNotFound, undo_import


@click.group("contacts")
def contacts_group() -> None:
    """Donor contacts: CSV import and export."""


@contacts_group.command("import")
@click.argument(
    "csv_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the line-by-line report as CSV (formula cells neutralised).",
)
@click.option(
    "--undo",
    "undo_id",
    metavar="IMPORT_ID",
    help="Undo that import instead (the id printed when it ran).",
)
@pass_state
def contacts_import(
    state: CliState,
    csv_file: Path | None,
    project: str,
    report_file: Path | None,
    undo_id: str | None,
) -> None:
    """Import contacts from CSV, or undo an import with --undo IMPORT_ID.

    Columns: display_name, phone, phone2, email, tags, capacity_band,
    relationship_strength (1-5), status (active|inactive|do_not_contact), notes. Tags are
    separated by ';'. Phones are normalised to E.164 in the project's region; a known
    phone or email updates that contact.
    Bad rows are skipped with their line number and reason; extra columns are ignored.
    Longest values: display_name 200 characters, notes 4,000. NUL characters are
    removed (the line is named); a leading ' written by export is removed again.
    Rows are committed in short batches, so the bot keeps answering during a long import.
    """
    if undo_id is not None:
        if csv_file is not None:
            raise click.UsageError("give CSV_FILE or --undo IMPORT_ID, not both")
        _undo(state, project, undo_id)
        return
    if csv_file is None:
        raise click.UsageError("missing CSV_FILE (or --undo IMPORT_ID)")
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file} is not UTF-8 text") from exc
    import_id = uuid.uuid4()
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        undo_hint = f"calltime contacts import --undo {import_id} --project {project!r}"
        click.echo(f"import {import_id} (to undo it: {undo_hint})", err=True)
        try:
            with progress(text.count("\n"), "importing") as bar:
                report = import_contacts(
                    session,
                    proj,
                    text,
                    actor="cli",
                    commit=True,
                    progress=bar.update,
                    import_id=import_id,
                )
                bar.update(bar.length - bar.pos)  # the header and quoted line breaks
        except RowError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(report.as_text())
    click.echo(f"import id: {import_id}")
    if report_file is not None:
        report_file.write_text(report.to_csv(), encoding="utf-8")
        click.echo(f"report written to {report_file}")


def _undo(state: CliState, project: str, raw_id: str) -> None:
    try:
        import_id = uuid.UUID(raw_id)
    except ValueError as exc:
        raise click.BadParameter(f"{raw_id!r} is not an import id", param_hint="--undo") from exc
    runtime = state.runtime
    with runtime.db.session() as session:
        proj = find_project(session, project)
        try:
            report = undo_import(
                session, proj.id, import_id, actor="cli", now=runtime.clock.now(), commit=True
            )
        except ImportNotFound as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(report.as_text())


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
