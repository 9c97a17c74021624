"""Fixtures for the nudge tests, loaded with ``pytest_plugins = ("tests.nudge_fixtures",)``.

``twilio_api`` is the recording Twilio double; ``wired`` a runtime whose real Twilio
client talks to it (see :func:`tests.scheduler_support.wired_runtime_for`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.runtime import Runtime
from tests.scheduler_support import wired_runtime_for
from tests.twilio_double import TwilioDouble


@pytest.fixture
def twilio_api() -> Iterator[TwilioDouble]:
    with TwilioDouble() as double:
        yield double


@pytest.fixture
def wired(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio_api: TwilioDouble
) -> Iterator[Runtime]:
    runtime = wired_runtime_for(db_url, tmp_path, clock, twilio_api)
    yield runtime
    runtime.db.dispose()
