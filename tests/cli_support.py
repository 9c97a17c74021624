"""Running the real ``calltime`` console script: in a pipe, or on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

CALLTIME = str(Path(sys.executable).parent / "calltime")
#: Variables of the developer's shell that would change what a command does.
OWN_PREFIXES = ("TWILIO_", "ANTHROPIC_", "CALLTIME_", "ZERODB_", "HF_")
OWN_NAMES = {"DATABASE_URL", "PUBLIC_BASE_URL", "MEMORY_BACKEND", "SECRET_KEY"}


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without Calltime's settings, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(OWN_PREFIXES) and key not in OWN_NAMES
    }
    env["CALLTIME_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.update(extra)
    return env


def calltime(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``calltime ARGS…`` with standard output and error captured (not a terminal)."""
    return subprocess.run(
        [CALLTIME, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def assert_one_line_error(
    result: subprocess.CompletedProcess[str], *fragments: str, after_log: bool = False
) -> str:
    """Exit 1, no traceback, and standard error is one ``Error:`` line holding ``fragments``
    (``after_log``: log lines of the work done before it may precede it)."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    if after_log:
        assert all(" INFO " in line for line in lines[:-1]), result.stderr
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def on_terminal(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> tuple[int, str, str]:
    """``calltime ARGS…`` with standard error on a pseudo-terminal.

    Returns the exit code, standard output (a pipe) and what was drawn on the terminal.
    """
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [CALLTIME, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=slave, text=True
    )
    os.close(slave)
    drawn = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the process closed its end of the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    stdout = proc.stdout.read() if proc.stdout else ""
    return proc.wait(timeout=30), stdout, drawn.decode(errors="replace")
