"""Process roles: the embedded server, the queue worker and the scheduler clock.

The worker and clock are filled in by the pipeline and scheduler modules; each role
starts, does its work and exits cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import signal
import threading

from flask import Flask

from bot.migrate import upgrade

log = logging.getLogger(__name__)


def serve(app: Flask, *, host: str, port: int, demo: bool) -> None:
    """Migrate, optionally seed the demo, then serve with the worker and scheduler in-process."""
    runtime = app.extensions["calltime"]
    upgrade(runtime.db.engine)
    if demo:
        from bot.demo import seed_demo

        seed_demo(runtime.db, runtime.clock)
        app.config["CALLTIME_DEMO"] = True
    base = f"http://{host}:{port}"
    print(f"Calltime is serving on {base}", flush=True)
    print(f"  health:    {base}/healthz", flush=True)
    print(f"  admin:     {base}/admin/", flush=True)
    if demo:
        print(f"  simulator: {base}/simulator", flush=True)
    from bot.worker_threads import serve_with_workers

    serve_with_workers(app, host=host, port=port, stop=_wait_for_stop())


def _wait_for_stop() -> threading.Event:
    stop = threading.Event()

    def _handler(signum: int, _frame: object) -> None:
        log.info("received signal %s, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop


def run_worker(app: Flask, *, once: bool = False) -> None:
    """Run the queue worker until stopped (SIGTERM/SIGINT finish the current turn first)."""
    from bot.worker import Worker

    worker = Worker(app.extensions["calltime"])
    if once:
        log.info("worker: handled %d message(s)", worker.run_once())
        return
    worker.run_forever(_wait_for_stop())


def run_clock(app: Flask, *, once: bool = False) -> None:
    """Run the scheduler until stopped."""
    log.info("clock: no jobs configured yet; exiting")
    if not once:
        _wait_for_stop().wait(0)
