"""Shared pieces of the CLI: the lazily created app and project lookup."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Project
from bot.runtime import Runtime


class CliState:
    """Holds the app for one CLI invocation; built on first use so ``--help`` stays fast."""

    def __init__(self) -> None:
        self._app: Flask | None = None
        #: Set by ``serve --demo`` before the app is built (relaxes PUBLIC_BASE_URL).
        self.demo = False

    @property
    def app(self) -> Flask:
        if self._app is None:
            from bot.app import create_app
            from bot.config import ConfigError

            try:
                self._app = create_app(demo=self.demo)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._app

    @property
    def runtime(self) -> Runtime:
        return self.app.extensions["calltime"]  # type: ignore[no-any-return]


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
