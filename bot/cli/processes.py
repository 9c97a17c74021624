"""``calltime serve|worker|clock``: the long-running processes."""

from __future__ import annotations

import click

from bot.cli.common import CliState, pass_state


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
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

    With Twilio credentials, PUBLIC_BASE_URL is required unless --demo is given. With
    --demo, the simulator is on for the demo project's operators and the demo admin
    gets a new random password, printed at start-up.
    """
    from bot.cli.roles import serve

    state.demo = demo
    serve(state.app, host=host, port=port, demo=demo, threads=threads)


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
@pass_state
def worker_command(state: CliState, once: bool, threads: int) -> None:
    """Run the queue worker (one process of the Procfile's ``worker`` role)."""
    from bot.cli.roles import run_worker

    run_worker(state.app, once=once, threads=threads)


@click.command("clock")
@click.option("--once", is_flag=True, help="Run every job once, then exit.")
@pass_state
def clock_command(state: CliState, once: bool) -> None:
    """Run the scheduler (the Procfile's ``clock`` role)."""
    from bot.cli.roles import run_clock

    run_clock(state.app, once=once)
