"""Calltime's processes for the benchmarks, started as the Procfile (or ``serve``) runs them.

Every process gets its own process group, so stopping one stops its children (gunicorn's
workers), and nothing outlives a benchmark: :func:`stop` sends SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: The Procfile's web tier: 2 gunicorn workers × 4 threads.
#: The Procfile's ``web`` options (its configuration module, 2 workers × 4 threads).
WEB = ["-c", "python:bot.gunicorn_hooks", "--workers", "2", "--threads", "4"]


def bench_env(**values: str) -> dict[str, str]:
    """This process's environment without Twilio or Anthropic settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ANTHROPIC_"))}
    env.update(values)
    return env


def _wait_for_http(url: str, procs: list[subprocess.Popen[bytes]], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)  # any answer means it is up
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(procs)
    raise RuntimeError(f"{what} did not start within 60 s")


def start_gunicorn(app_spec: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn with the Procfile's web settings on ``port``, once it answers HTTP."""
    command = [str(BIN / "gunicorn"), *WEB, "--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    proc = subprocess.Popen(
        [*command, "--graceful-timeout", "5", "--log-level", "warning", app_spec],
        env=env,
        cwd=ROOT,
        start_new_session=True,  # its own process group, so stopping it stops its workers
    )
    _wait_for_http(f"http://127.0.0.1:{port}/", [proc], f"gunicorn ({app_spec})")
    return proc


def start_serve(env: dict[str, str], port: int, threads: int, log: Path) -> subprocess.Popen[bytes]:
    """``calltime serve --threads N`` (the embedded mode), once ``/healthz`` answers."""
    command = [str(BIN / "calltime"), "serve", "--port", str(port), "--threads", str(threads)]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _wait_for_http(f"http://127.0.0.1:{port}/healthz", [proc], "calltime serve")
    return proc


def start_workers(
    env: dict[str, str], threads: int, log: Path, processes: int
) -> list[subprocess.Popen[bytes]]:
    """``processes`` × ``calltime worker --threads N``, once every process polls the queue."""
    # Workers run at a lower CPU priority, as on a host where they share cores with the
    # web tier: acknowledging Twilio comes first, the queue absorbs the rest.
    command = ["nice", "-n", "10", str(BIN / "calltime"), "worker", "--threads", str(threads)]
    if env.get("DATABASE_URL", "").startswith("sqlite"):
        command.append("--allow-sqlite")  # the benchmark's processes share one host
    with log.open("ab") as out:
        procs = [
            subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for _ in range(processes)
        ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count(" started") >= processes:
            return procs
        time.sleep(0.2)
    stop(procs)
    raise RuntimeError(f"calltime workers did not start within 60 s; see {log}")


def _signal(proc: subprocess.Popen[bytes], signum: int) -> None:
    """Signal ``proc``'s process group (gunicorn and its workers; a worker alone)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group, then SIGKILL whatever still runs after 20 s."""
    for proc in procs:
        _signal(proc, signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        _signal(proc, signal.SIGKILL)  # stragglers of the group, even if the leader exited
        proc.wait(timeout=10)
