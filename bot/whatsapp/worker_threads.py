"""The embedded mode: the web app and queue worker threads in one process.

``calltime serve`` uses this so a laptop (or a single small host on SQLite) needs one
command. Workers are a pool of threads sharing the app's :class:`~bot.runtime.Runtime`,
fed by one dispatcher (:func:`run_pool`, also ``calltime worker --threads N``); the HTTP
server runs in its own thread so the main thread can wait for SIGTERM/SIGINT and then
stop everything in order: no new requests, current turns finished, threads joined.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server, select_address_family

from bot.access_log import CalltimeRequestHandler
from bot.whatsapp.doorbell import listen
from bot.whatsapp.queue import Claim, claim_next
from bot.whatsapp.redelivery import deliver_due
from bot.whatsapp.warm_up import freeze_heap, warm_up
from bot.whatsapp.worker import Worker

log = logging.getLogger(__name__)


def start_worker_threads(
    app: Flask, stop: threading.Event, count: int | None = None, prefix: str = "serve"
) -> list[threading.Thread]:
    """Start a pool of ``count`` turn threads fed from the queue until ``stop`` is set.

    ``count`` defaults to the settings' ``worker_threads`` (``CALLTIME_WORKER_THREADS``,
    8): that many operators' turns run at once (turns of one operator still run one at a
    time, in order). A thread waiting on the model holds no database connection, so even
    SQLite serves them all. Returns the pool's dispatcher thread; joining it waits for the
    running turns. Worker ids are ``<prefix>-<index>``; a claim belongs to its worker id,
    so processes sharing one queue must use different prefixes.
    """
    runtime = app.extensions["calltime"]
    workers = [
        Worker(runtime, name=f"{prefix}-{index}")
        for index in range(count or runtime.settings.worker_threads)
    ]
    thread = threading.Thread(
        target=run_pool, args=(workers, stop), name=f"calltime-{prefix}-pool", daemon=True
    )
    thread.start()
    return [thread]


def make_http_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """The embedded HTTP server, bound: threaded werkzeug, no version banner, tokens masked
    in logs.

    The socket is bound here rather than by werkzeug, which prints its own message and
    exits when the port is taken; ``calltime serve`` says it in one line of its own.

    Raises:
        OSError: the address cannot be bound (in use, not permitted, unknown host).
    """
    family = select_address_family(host, port)
    with socket.create_server((host, port), family=family) as sock:
        server = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=CalltimeRequestHandler,
            fd=sock.fileno(),  # werkzeug keeps a duplicate of the bound socket
        )
    # What http.server sets when it binds itself (port 0 becomes the port picked).
    server.server_name, server.server_port = host, server.server_address[1]
    return server


def run_pool(workers: list[Worker], stop: threading.Event, poll_seconds: float = 0.5) -> None:
    """Claim messages for whichever worker is free and run each turn on a thread of its own.

    One dispatcher looks at the queue — at once when the intake rings the doorbell
    (:mod:`bot.whatsapp.doorbell`), else twice a second while it is empty, and at once
    again after each claim — instead of every thread polling on its own, so an idle process
    with many threads costs what one costs, and a burst puts every thread to work within
    milliseconds. Each worker keeps its own id, so a turn whose lease ran out and was
    taken over (even by this process) finds out before it writes again.
    """
    idle: queue.Queue[Worker] = queue.Queue()
    for worker in workers:
        idle.put(worker)

    def turn(worker: Worker, claim: Claim) -> None:
        try:
            worker.handle(claim)  # records failures itself, never raises
        finally:
            idle.put(worker)

    bell = listen(workers[0].runtime.db, stop)
    log.info("worker pool %s started (%d threads)", workers[0].worker_id, len(workers))
    with ThreadPoolExecutor(len(workers), thread_name_prefix="calltime-turn") as pool:
        while not stop.is_set():
            try:
                worker = idle.get(timeout=poll_seconds)
            except queue.Empty:
                continue  # every thread is busy
            bell.clear()  # a message stored from now on rings it
            try:
                claim = claim_next(worker.runtime.db, worker.worker_id, worker.lease)
            except Exception:  # a database outage must not end the pool
                log.exception("worker pool: claim failed; retrying")
                claim = None
                stop.wait(2.0)
            if claim is None:
                # Nothing new: send replies whose retry time has come, then rest.
                pool.submit(_redeliver, worker, idle)
                bell.wait(poll_seconds)
                continue
            pool.submit(turn, worker, claim)
    log.info("worker pool %s stopped", workers[0].worker_id)


def _redeliver(worker: Worker, idle: queue.Queue[Worker]) -> None:
    """Send a batch of replies due for a retry on ``worker``'s thread, then free it."""
    try:
        deliver_due(worker.runtime, worker.worker_id)
    except Exception:  # a database or Twilio outage must not end the pool
        log.exception("worker pool: redelivery failed; retrying later")
    finally:
        idle.put(worker)


def serve_with_workers(
    app: Flask,
    *,
    server: BaseWSGIServer,
    stop: threading.Event,
    threads: int | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve HTTP on the bound ``server`` and run ``threads`` worker threads until ``stop``
    is set (by a signal); ``ready`` is called once both run (``serve`` prints its banner).

    The process is warmed up (:func:`~bot.whatsapp.warm_up.warm_up`) and its start-up
    heap frozen (:func:`~bot.whatsapp.warm_up.freeze_heap`) before either starts.
    """
    warm_up(app.extensions["calltime"])
    freeze_heap()
    http = threading.Thread(target=server.serve_forever, name="calltime-http", daemon=True)
    http.start()
    workers = start_worker_threads(app, stop, threads)
    if ready is not None:
        ready()
    try:
        stop.wait()
    except KeyboardInterrupt:
        stop.set()
    log.info("stopping: HTTP server, then the worker pool")
    server.shutdown()
    for thread in workers:
        thread.join(timeout=30)
    app.extensions["calltime"].db.dispose()
