"""Shared pieces of the CLI: the lazily created app, project lookup, tables, progress."""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select

from bot.models import Project
from bot.models.enums import ROLES

if TYPE_CHECKING:  # the web framework and the runtime load with the app, on first use
    from flask import Flask
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

project_option = click.option("--project", "-p", required=True, help="Project name, number or id.")
#: Roles as the command line spells them (``--role admin``); stored upper-case (ADMIN).
ROLE_CHOICE = click.Choice([role.lower() for role in ROLES], case_sensitive=False)


class CliState:
    """Holds the app for one CLI invocation; built on first use so ``--help`` stays fast."""

    def __init__(self, verbose: bool = False) -> None:
        self._app: Flask | None = None
        self.verbose = verbose
        #: Set by ``serve --demo`` before the app is built (relaxes PUBLIC_BASE_URL).
        self.demo = False
        #: Set by commands that migrate the schema themselves (``db upgrade``, ``serve``…);
        #: the others refuse a database that is not at this version's schema.
        self.migrates = False

    @property
    def app(self) -> Flask:
        """The app, once the database answers (a :class:`~bot.config.ConfigError` is
        turned into one line by the ``calltime`` group)."""
        if self._app is None:
            from bot.app import create_app
            from bot.cli.startup import check_database

            app = create_app(demo=self.demo)
            check_database(app.extensions["calltime"], schema=not self.migrates)
            self._app = app
        return self._app

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.extensions["calltime"]  # set by create_app
        return runtime


pass_state = click.make_pass_decorator(CliState)


def find_project(session: Session, ref: str) -> Project:
    """A project by id, name or WhatsApp number; a clear CLI error when there is none."""
    stmt = select(Project).where(
        (Project.name == ref)
        | (Project.whatsapp_number == ref)
        | (Project.whatsapp_number == f"whatsapp:{ref}")
    )
    with contextlib.suppress(ValueError):
        stmt = select(Project).where(Project.id == uuid.UUID(ref))
    projects = list(session.scalars(stmt))
    if not projects:
        raise click.ClickException(f"no project {ref!r} (give its name, WhatsApp number or id)")
    if len(projects) > 1:
        raise click.ClickException(f"{ref!r} names more than one project; use its id")
    return projects[0]


def echo_row(label: str, **fields: Any) -> None:
    """Print ``label`` and ``key=value`` pairs on one line."""
    click.echo(label + " " + " ".join(f"{k}={v}" for k, v in fields.items()))


def echo_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], empty: str) -> None:
    """Print ``rows`` in aligned columns under ``headers``, or ``empty`` when there are none.

    ``None`` prints as ``-`` and booleans as ``yes``/``no``.
    """
    cells = [[_cell(value) for value in row] for row in rows]
    if not cells:
        click.echo(empty)
        return
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def progress(length: int, label: str) -> Any:
    """A click progress bar on standard error, drawn only on a terminal.

    Scripts, pipes and process logs get nothing from it, so their output stays clean.
    """
    return click.progressbar(
        length=max(length, 1), label=label, file=sys.stderr, hidden=not sys.stderr.isatty()
    )
