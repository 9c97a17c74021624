"""Fixtures for the agent tests, loaded with ``pytest_plugins = ("tests.agent_fixtures",)``.

``agent_runtime`` is an app runtime whose settings carry a dummy Anthropic key and the
scripted server's URL, so :func:`bot.agent.client.build_client` builds the real
``anthropic.Anthropic`` against 127.0.0.1. ``assisted`` is a whole app wired to the
scripted model and to the recording Twilio double (the ``twilio`` fixture of
:mod:`tests.pipeline_support`), checking webhook signatures for ``resilience_support.BASE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bot.app import create_app
from bot.clock import FrozenClock
from bot.runtime import Runtime
from tests.pipeline_support import make_app
from tests.resilience_support import BASE
from tests.scripted_llm import DUMMY_KEY, ScriptedLLM
from tests.twilio_double import TwilioDouble


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


@pytest.fixture
def assisted(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio: TwilioDouble, scripted: ScriptedLLM
) -> Iterator[Flask]:
    app = make_app(
        db_url,
        tmp_path,
        clock,
        **twilio.settings(),
        public_base_url=BASE,
        anthropic_api_key=DUMMY_KEY,
        anthropic_base_url=scripted.url,
    )
    yield app
    app.extensions["calltime"].db.dispose()
