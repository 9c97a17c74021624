"""A fresh server or worker warms up before it takes traffic (``bot.whatsapp.warm_up``)."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

from flask import Flask

from bot.runtime import Runtime
from bot.whatsapp.warm_up import freeze_heap, warm_up
from memory import embedder_for
from memory.embedder import model_dir
from tests import pipeline_support
from tests.memory_support import build_test_model
from tests.scripted_llm import ScriptedLLM
from tests.twilio_double import TwilioDouble

pytest_plugins = ("tests.agent_fixtures",)
twilio = pipeline_support.twilio  # the recording Twilio double (fixture)


def test_warm_up_builds_the_clients_without_a_request(
    assisted: Flask, twilio: TwilioDouble, scripted: ScriptedLLM
) -> None:
    runtime: Runtime = assisted.extensions["calltime"]
    assert "twilio" not in runtime.clients and "anthropic" not in runtime.clients

    warm_up(runtime)

    assert set(runtime.clients) >= {"twilio", "anthropic"}
    assert twilio.messages == [] and scripted.requests == []  # nothing was sent anywhere


def test_warm_up_without_credentials_builds_nothing(runtime: Runtime) -> None:
    warm_up(runtime)

    assert runtime.clients.get("twilio") is None  # no credentials: sends are simulated
    assert "anthropic" not in runtime.clients


def test_warm_up_loads_the_installed_embedding_model_before_the_freeze(
    runtime: Runtime,
) -> None:
    """Loaded by the warm-up, the model is made before :func:`freeze_heap` runs, so full
    collections never walk it; a turn's first memory call then finds it loaded."""
    build_test_model(model_dir(runtime.settings.instance_path))
    assert "embedder" not in runtime.clients

    warm_up(runtime)

    assert runtime.clients.get("embedder") is not None
    assert embedder_for(runtime) is runtime.clients["embedder"]  # no second load


def test_threads_needing_a_client_at_once_share_one_build(runtime: Runtime) -> None:
    builds: list[int] = []

    def slow_factory(_runtime: Runtime) -> object:
        builds.append(1)
        time.sleep(0.05)  # long enough for every thread to ask while it is being built
        return object()

    runtime.register("slow", slow_factory)
    got: list[Any] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        got.append(runtime.client("slow"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(builds) == 1
    assert len({id(client) for client in got}) == 1


def test_freezing_puts_the_start_up_heap_out_of_the_collectors_reach() -> None:
    made_at_start_up = [{"n": n} for n in range(1000)]  # alive, tracked by the collector
    try:
        frozen = freeze_heap()
        assert frozen == gc.get_freeze_count() >= len(made_at_start_up)
        # No generation the collector walks holds them any more.
        walked = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
        assert not walked & {id(o) for o in made_at_start_up}
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
