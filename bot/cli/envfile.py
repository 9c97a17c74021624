"""The ``.env`` file every ``calltime`` command reads first, before any command is loaded."""

from __future__ import annotations

from pathlib import Path

import click
from dotenv import load_dotenv


def load_env_file(directory: Path | None = None) -> Path | None:
    """Read ``.env`` in ``directory`` (default: the working directory) into the environment.

    Variables already set in the environment win over the file, so a deployment's real
    settings are never overridden by a stray file. Returns the file read, if any.
    """
    path = (directory or Path.cwd()) / ".env"
    if not path.is_file():
        return None
    try:
        load_dotenv(path, override=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    return path
