"""Fixtures and helpers shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot.app import create_app
from bot.clock import FrozenClock
from bot.db import Database
from bot.models import Message
from bot.runtime import Runtime
from tests.twilio_double import TwilioDouble


@pytest.fixture
def twilio() -> Iterator[TwilioDouble]:
    with TwilioDouble() as double:
        yield double


def make_app(db_url: str, tmp_path: Path, clock: FrozenClock, **overrides: Any) -> Flask:
    """An app on ``db_url`` with settings overridden (e.g. the Twilio double's)."""
    config = {
        "database_url": db_url,
        "instance_path": tmp_path / "instance",
        "secret_key": "test",
        "TESTING": True,
        **overrides,
    }
    return create_app(config, clock=clock)


@pytest.fixture
def wired_app(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble
) -> Iterator[Flask]:
    """The app wired to the Twilio double (credentials, API base URL)."""
    app = make_app(db_url, tmp_path, clock, **twilio.settings())
    yield app
    app.extensions["calltime"].db.dispose()


@pytest.fixture
def wired_runtime(wired_app: Flask) -> Runtime:
    return wired_app.extensions["calltime"]


def messages(db: Database, direction: str | None = None) -> list[Message]:
    """Every message row (optionally of one direction), oldest first."""
    stmt = select(Message).order_by(Message.created_at, Message.id)
    if direction:
        stmt = stmt.where(Message.direction == direction)
    with db.session() as session:
        return list(session.scalars(stmt))
