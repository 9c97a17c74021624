"""Fixtures for the agent tests, loaded with ``pytest_plugins = ("tests.agent_fixtures",)``.

``agent_runtime`` is an app runtime whose settings carry a dummy Anthropic key and the
scripted server's URL, so :func:`bot.agent.client.build_client` builds the real
``anthropic.Anthropic`` against 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.clock import FrozenClock
from bot.runtime import Runtime
from tests.scripted_llm import DUMMY_KEY, ScriptedLLM


@pytest.fixture
def scripted() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def agent_runtime(
    db_url: str, tmp_path: Path, clock: FrozenClock, scripted: ScriptedLLM
) -> Iterator[Runtime]:
    app = create_app(
        {
            "database_url": db_url,
            "instance_path": tmp_path / "instance",
            "secret_key": "test",
            "anthropic_api_key": DUMMY_KEY,
            "anthropic_base_url": scripted.url,
            "TESTING": True,
        },
        clock=clock,
    )
    runtime: Runtime = app.extensions["calltime"]
    yield runtime
    runtime.db.dispose()
