"""The embedded mode: the web app and queue worker threads in one process.

``calltime serve`` uses this so a laptop (or a single small host on SQLite) needs one
command. Workers are threads sharing the app's :class:`~bot.runtime.Runtime`; the HTTP
server runs in its own thread so the main thread can wait for SIGTERM/SIGINT and then
stop everything in order: no new requests, current turns finished, threads joined.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import make_server

from bot.whatsapp.worker import Worker

log = logging.getLogger(__name__)


def start_worker_threads(
    app: Flask, stop: threading.Event, count: int | None = None, prefix: str = "serve"
) -> list[threading.Thread]:
    """Start ``count`` worker threads that sweep the queue until ``stop`` is set.

    ``count`` defaults to the settings' ``worker_threads`` (``CALLTIME_WORKER_THREADS``,
    8): each thread runs one turn at a time, so that many operators' model turns overlap,
    while turns of one operator still run one at a time, in order. A thread waiting on
    the model holds no database connection, so even SQLite serves them all. Worker ids
    are ``<prefix>-<index>``; a claim belongs to its worker id, so processes sharing one
    queue must use different prefixes.
    """
    runtime = app.extensions["calltime"]
    if count is None:
        count = runtime.settings.worker_threads
    threads = []
    for index in range(count):
        worker = Worker(runtime, name=f"{prefix}-{index}")
        thread = threading.Thread(
            target=worker.run_forever, args=(stop,), name=f"calltime-worker-{index}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


def serve_with_workers(
    app: Flask, *, host: str, port: int, stop: threading.Event, threads: int | None = None
) -> None:
    """Serve HTTP and run ``threads`` worker threads until ``stop`` is set (by a signal)."""
    server = make_server(host, port, app, threaded=True)
    http = threading.Thread(target=server.serve_forever, name="calltime-http", daemon=True)
    http.start()
    workers = start_worker_threads(app, stop, threads)
    try:
        stop.wait()
    except KeyboardInterrupt:
        stop.set()
    log.info("stopping: HTTP server, then %d worker thread(s)", len(workers))
    server.shutdown()
    for thread in workers:
        thread.join(timeout=30)
    app.extensions["calltime"].db.dispose()
