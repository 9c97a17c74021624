"""Process roles: the embedded server, the queue worker and the scheduler clock.

``serve`` runs all three roles in one process (the embedded mode); ``calltime worker``
and ``calltime clock`` run one role each. Every role exits cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

from flask import Flask

from bot.migrate import upgrade

log = logging.getLogger(__name__)


def serve(app: Flask, *, host: str, port: int, demo: bool, threads: int | None = None) -> None:
    """Migrate, optionally seed the demo, then serve with the worker and scheduler in-process.

    ``threads`` worker threads (default: ``CALLTIME_WORKER_THREADS``, 8) take the queue.
    """
    runtime = app.extensions["calltime"]
    upgrade(runtime.db.engine)
    from memory import embedder_for

    embedder_for(runtime)
    summary = None
    if demo:
        from bot.directory.demo import seed_demo

        summary = seed_demo(runtime.db, runtime.clock)
        app.config["CALLTIME_DEMO"] = True
        # Anonymous simulator visitors may speak for this project's operators only.
        app.config["CALLTIME_DEMO_PROJECT_ID"] = str(summary.project_id)
    base = f"http://{host}:{port}"
    print(f"Calltime is serving on {base}", flush=True)
    print(f"  health:    {base}/healthz", flush=True)
    print(f"  admin:     {base}/admin/", flush=True)
    if summary is not None:
        print(
            f"             demo admin {summary.admin_email} / {summary.admin_password}"
            " (a new password on every start)",
            flush=True,
        )
        print(f"  simulator: {base}/simulator", flush=True)
        print("             demo operators " + ", ".join(summary.operator_phones), flush=True)
    start_scheduler_in_process(app)
    from bot.whatsapp.worker_threads import serve_with_workers

    serve_with_workers(app, host=host, port=port, stop=_wait_for_stop(), threads=threads)


def _wait_for_stop() -> threading.Event:
    stop = threading.Event()

    def _handler(signum: int, _frame: object) -> None:
        log.info("received signal %s, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop


def run_worker(app: Flask, *, once: bool = False, threads: int = 1) -> None:
    """Run the queue worker until stopped (SIGTERM/SIGINT finish the current turns first).

    ``threads`` > 1 runs that many workers sharing the process's runtime, so one process
    can wait on that many model calls at once. A thread holds a database connection only
    for its short transactions, never while it waits for the model, so ``threads`` may
    exceed the connection pool (30 by default).
    """
    from bot.whatsapp.worker import Worker

    if once:
        worker = Worker(app.extensions["calltime"])
        log.info("worker: handled %d message(s)", worker.run_once())
        return
    stop = _wait_for_stop()
    if threads == 1:
        Worker(app.extensions["calltime"]).run_forever(stop)
        return
    from bot.whatsapp.worker_threads import start_worker_threads

    prefix = f"{socket.gethostname()}:{os.getpid()}"
    running = start_worker_threads(app, stop, count=threads, prefix=prefix)
    stop.wait()
    for thread in running:
        thread.join(timeout=330)  # a turn ends well inside its 300-second lease


def start_scheduler_in_process(app: Flask) -> None:
    """Start the scheduler's jobs in a background thread (the embedded ``serve`` mode)."""
    from bot.scheduler.clock import start_background

    app.extensions["calltime.scheduler"] = start_background(app.extensions["calltime"])


def run_clock(app: Flask, *, once: bool = False) -> None:
    """Run the scheduler until stopped (SIGTERM/SIGINT), or every job once."""
    from bot.scheduler.clock import build_scheduler, run_all_once

    runtime = app.extensions["calltime"]
    if once:
        for name, result in run_all_once(runtime).items():
            print(f"{name}: {result}", flush=True)
        return
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("clock: scheduler running; waiting for SIGTERM/SIGINT")
    _wait_for_stop().wait()
    scheduler.shutdown(wait=True)
