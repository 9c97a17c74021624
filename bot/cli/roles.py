"""Process roles: the embedded server, the queue worker and the scheduler clock.

``serve`` runs all three roles in one process (the embedded mode); ``calltime worker``
and ``calltime clock`` run one role each. Every role exits cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import threading
from typing import TYPE_CHECKING

import click
from flask import Flask
from werkzeug.serving import BaseWSGIServer

from bot.cli.startup import migrate

if TYPE_CHECKING:
    from bot.directory.demo import DemoSummary

log = logging.getLogger(__name__)


def listen(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """Bind the embedded HTTP server, or say in one line why the address is not free.

    ``serve`` binds before it migrates, prints its banner or starts the scheduler, so a
    port in use stops it at once and nothing runs twice.

    Raises:
        click.ClickException: the port is taken, needs privileges, or the host is unknown.
    """
    from bot.whatsapp.worker_threads import make_http_server

    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise click.ClickException(f"cannot listen on {host!r}: no such host name") from None
    reasons = {
        errno.EADDRINUSE: "the port is already in use (another Calltime?); stop it or pick --port",
        errno.EACCES: "permission denied (ports below 1024 need privileges); pick --port",
        errno.EADDRNOTAVAIL: "this machine has no such address; try --host 0.0.0.0",
    }
    try:
        return make_http_server(app, host, port)
    except OSError as exc:
        reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None


def serving_url(server: BaseWSGIServer) -> str:
    """The URL a browser on this machine opens for ``server`` (``0.0.0.0`` → 127.0.0.1)."""
    host, port = str(server.server_address[0]), server.server_address[1]
    wildcard = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}
    host = wildcard.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def serve(app: Flask, server: BaseWSGIServer, *, demo: bool, threads: int | None = None) -> None:
    """Migrate, optionally seed the demo, then serve with the worker and scheduler in-process.

    ``server`` is already bound (:func:`listen`). ``threads`` worker threads (default:
    ``CALLTIME_WORKER_THREADS``, 8) take the queue. The banner is printed last, once
    everything runs, so start-up log lines never bury it.
    """
    runtime = app.extensions["calltime"]
    migrate(runtime)
    from memory import embedder_for

    embedder_for(runtime)
    summary = None
    if demo:
        from bot.directory.demo import seed_demo

        summary = seed_demo(runtime.db, runtime.clock)
        app.config["CALLTIME_DEMO"] = True
        # Anonymous simulator visitors may speak for this project's operators only.
        app.config["CALLTIME_DEMO_PROJECT_ID"] = str(summary.project_id)
    base = serving_url(server)
    runtime.settings.serving_url = base  # login links point here without PUBLIC_BASE_URL
    stop = _wait_for_stop()
    start_scheduler_in_process(app)
    from bot.whatsapp.worker_threads import serve_with_workers

    serve_with_workers(
        app, server=server, stop=stop, threads=threads, ready=lambda: _banner(base, summary)
    )


def _banner(base: str, summary: DemoSummary | None) -> None:
    lines = [
        f"Calltime is serving on {base}",
        f"  health:    {base}/healthz",
        f"  admin:     {base}/admin/",
    ]
    if summary is not None:
        lines += [
            f"             demo admin {summary.admin_email} / {summary.admin_password}"
            " (a new password on every start)",
            f"  simulator: {base}/simulator",
            "             demo operators " + ", ".join(summary.operator_phones),
        ]
    print("\n".join(lines), flush=True)


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
    from bot.whatsapp.warm_up import freeze_heap, warm_up

    stop = _wait_for_stop()
    warm_up(app.extensions["calltime"])  # before the first claim: no turn pays for start-up
    freeze_heap()
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
    stop = _wait_for_stop()  # before the line that says so: a signal then stops it cleanly
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("clock: scheduler running; waiting for SIGTERM/SIGINT")
    stop.wait()
    scheduler.shutdown(wait=True)
