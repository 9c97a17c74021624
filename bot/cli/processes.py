"""``calltime serve|worker|clock``: the long-running processes."""

from __future__ import annotations

import logging

import click

from bot.cli.common import CliState, pass_state

allow_sqlite_option = click.option(
    "--allow-sqlite",
    is_flag=True,
    help="Run on SQLite anyway: only on the host that has the database file.",
)


def refuse_sqlite(state: CliState, role: str, allowed: bool) -> None:
    """Stop a separate ``worker``/``clock`` process on SQLite unless ``--allow-sqlite``.

    On a hosting platform each process has its own disk: a worker on SQLite would watch
    an empty queue of its own while the web process's messages wait for ever.
    """
    if state.runtime.db.dialect == "sqlite" and not allowed:
        raise click.ClickException(
            f"calltime {role} runs as its own process, which needs PostgreSQL "
            "(DATABASE_URL=postgresql://…); on SQLite `calltime serve` runs the worker and "
            "the scheduler in-process, or add --allow-sqlite on the host with the database file"
        )


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 listens on every network interface.",
)
@click.option(
    "--port",
    default=5000,
    type=click.IntRange(0, 65535),
    show_default=True,
    help="Port to listen on (0: any free port, printed at start-up).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Migrate, seed the demo organisation if empty, enable the simulator for its "
    "operators, print a new random demo-admin password.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=None,
    help="Queue worker threads: model turns of this many operators run at once "
    "[default: CALLTIME_WORKER_THREADS or 8].",
)
@pass_state
def serve_command(state: CliState, host: str, port: int, demo: bool, threads: int | None) -> None:
    """Serve the web app with the worker and scheduler in-process (the embedded mode).

    Works on SQLite (the default) and on PostgreSQL. With Twilio credentials,
    PUBLIC_BASE_URL is required unless --demo is given. With --demo, the simulator is
    on for the demo project's operators and the demo admin gets a new random password,
    printed at start-up.
    """
    from bot.cli.roles import listen, serve

    state.demo = demo
    state.migrates = True
    if not state.verbose:  # the scheduler's job lines would bury the banner
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    server = listen(state.app, host, port)
    serve(state.app, server, demo=demo, threads=threads)


@click.command("worker")
@click.option("--once", is_flag=True, help="Handle what is queued now, then exit.")
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker threads in this process; each runs one turn at a time, and none holds a "
    "database connection while it waits for the model.",
)
@allow_sqlite_option
@pass_state
def worker_command(state: CliState, once: bool, threads: int, allow_sqlite: bool) -> None:
    """Run the queue worker (the Procfile's worker process).

    Needs PostgreSQL, unless --once or --allow-sqlite: on SQLite, serve runs the
    worker in-process.
    """
    from bot.cli.roles import run_worker

    refuse_sqlite(state, "worker", allow_sqlite or once)
    run_worker(state.app, once=once, threads=threads)


@click.command("clock")
@click.option("--once", is_flag=True, help="Run every job once, then exit.")
@allow_sqlite_option
@pass_state
def clock_command(state: CliState, once: bool, allow_sqlite: bool) -> None:
    """Run the scheduler (the Procfile's clock process).

    Needs PostgreSQL, unless --once or --allow-sqlite: on SQLite, serve runs the
    scheduler in-process.
    """
    from bot.cli.roles import run_clock

    refuse_sqlite(state, "clock", allow_sqlite or once)
    run_clock(state.app, once=once)
