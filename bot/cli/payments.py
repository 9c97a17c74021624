"""``calltime payments reconcile|undo``: a bank statement against the open pledges."""

from __future__ import annotations

import uuid
from pathlib import Path

import click
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.cli.common import CliState, find_project, pass_state
from bot.directory.accounts import ADMIN_ROLES
from bot.engine.timezones import operator_tz
from bot.engine.undo import UndoError
from bot.models import User
from bot.reconcile.batches import confirm_rows, matched_picks, undo_batch
from bot.reconcile.review import Review, review_csv, review_statement, row_text
from bot.reconcile.statements import PRESETS, StatementError, decode, parse_mapping
from bot.store import ProjectScope


@click.group("payments")
def payments_group() -> None:
    """Payments: reconcile a bank statement with the pledges, undo a batch."""


@payments_group.command("reconcile")
@click.argument("statement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@click.option("--format", "preset", type=click.Choice(sorted(PRESETS)), help="Bank preset.")
@click.option("--map", "pairs", multiple=True, metavar="COLUMN=FIELD", help="Name a column.")
@click.option("--confirm", is_flag=True, help="Record the matched credits (one undoable batch).")
@click.option("--by", "by", help="The admin recording them (email or phone); with --confirm.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write CSV.")
@pass_state
def reconcile(
    state: CliState,
    statement: Path,
    project: str,
    preset: str | None,
    pairs: tuple[str, ...],
    confirm: bool,
    by: str | None,
    report: Path | None,
) -> None:
    """Match a statement's credits to open pledges and print the review.

    Without --format or --map the presets (hdfc, sbi, icici, phonepe) are tried on the
    header row. Columns are named with --map "Txn Date=date" (fields: date, credit,
    debit, amount, type, narration, reference, payer, vpa). Nothing is written unless
    --confirm is given: then the matched credits (only those) are recorded by the admin
    named with --by, as one batch that `calltime payments undo BATCH` reverts.
    """
    if confirm and not by:
        raise click.UsageError("--confirm needs --by ADMIN (email or phone)")
    try:
        mapping = parse_mapping(list(pairs)) if pairs else None
        text = decode(statement.read_bytes())
    except ValueError as exc:
        raise click.ClickException(f"{statement}: {exc}") from exc
    runtime = state.runtime
    with runtime.db.session() as session:
        proj = find_project(session, project)
        admin = _admin(session, proj.id, by) if confirm else None
        scope = ProjectScope(session, proj.id, actor=f"user:{admin.id}" if admin else "cli")
        tz = operator_tz(None, proj)
        now = runtime.clock.now()
        try:
            fmt, review = review_statement(
                scope, text, preset=preset, mapping=mapping, tz=tz, today=now.astimezone(tz).date()
            )
        except StatementError as exc:
            raise click.ClickException(f"{statement}: {exc}") from exc
        _print(statement, fmt, review, report)
        if admin is not None:
            batch = uuid.uuid4()
            result = confirm_rows(
                scope, admin, matched_picks(review), batch_id=batch, now=now, tz=tz
            )
            click.echo(f"batch {batch}: {result.text()}")
            click.echo(f"undo with: calltime payments undo {batch} --project {project!r}")


def _print(statement: Path, fmt: str, review: Review, report: Path | None) -> None:
    """The summary (the dashboard's), one line per credit, and the CSV if asked for."""
    click.echo(f"{statement.name} read as {fmt}. {review.summary()}")
    for row in review.rows:
        click.echo(row_text(row))
    if report is not None:
        report.write_text(review_csv(review), encoding="utf-8")
        click.echo(f"review written to {report}")


@payments_group.command("undo")
@click.argument("batch")
@click.option("--project", "-p", required=True, help="Project name, number or id.")
@pass_state
def undo(state: CliState, batch: str, project: str) -> None:
    """Revert every write of a confirmed statement batch."""
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        scope = ProjectScope(session, proj.id, actor="cli")
        try:
            click.echo(undo_batch(scope, batch, state.runtime.clock.now()))
        except UndoError as exc:
            raise click.ClickException(str(exc)) from exc


def _admin(session: Session, project_id: uuid.UUID, ref: str | None) -> User:
    user = session.scalars(
        select(User).where(
            User.project_id == project_id,
            User.is_active.is_(True),
            or_(User.email == ref, User.phone == ref),
        )
    ).first()
    if user is None or user.role not in ADMIN_ROLES:
        raise click.ClickException(f"no active admin {ref!r} in this project")
    return user
