"""Fixtures and helpers shared by the delivery tests (replies, retries, failed turns)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bot.clock import FrozenClock
from bot.runtime import Runtime
from bot.turn.context import Reply, TurnContext
from tests.pipeline_support import make_app, messages
from tests.resilience_support import BASE
from tests.twilio_double import TwilioDouble


@pytest.fixture
def wired(db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble) -> Iterator[Flask]:
    app = make_app(db_url, tmp_path, clock, **twilio.settings(), public_base_url=BASE)
    yield app
    app.extensions["calltime"].db.dispose()


def echo(ctx: TurnContext) -> Reply:
    """A planner that answers each message with its own words (so order is visible)."""
    return Reply(text=f"got: {ctx.text}")


def inbound_statuses(runtime: Runtime) -> list[str]:
    return [m.status for m in messages(runtime.db, "inbound")]
