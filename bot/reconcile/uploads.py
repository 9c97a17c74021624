"""Statements uploaded on the dashboard, kept until the admin has reviewed them.

Nothing is written to the database on upload: the file and how to read it are kept
under ``instance/statements/<project>/<batch>.csv`` (+ ``.json``), readable by the
owner only, and the review is rebuilt from them on every visit — so it always shows
the current state (a line confirmed meanwhile shows as recorded).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Upload:
    """A kept statement: its batch id, text and how it is read."""

    batch_id: uuid.UUID
    text: str
    meta: dict[str, Any]


def _folder(instance: Path, project_id: uuid.UUID) -> Path:
    return instance / "statements" / str(project_id)


def _private_write(path: Path, data: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)


def save_upload(
    instance: Path, project_id: uuid.UUID, text: str, *, meta: dict[str, Any], now: datetime
) -> uuid.UUID:
    """Keep an uploaded statement; returns its new batch id."""
    batch_id = uuid.uuid4()
    folder = _folder(instance, project_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _private_write(folder / f"{batch_id}.csv", text)
    _private_write(
        folder / f"{batch_id}.json", json.dumps({**meta, "uploaded_at": now.isoformat()})
    )
    return batch_id


def load_upload(instance: Path, project_id: uuid.UUID, batch_id: str) -> Upload | None:
    """The statement kept for ``batch_id`` in this project, or ``None`` (never another's)."""
    try:
        batch = uuid.UUID(batch_id)
    except ValueError:
        return None
    folder = _folder(instance, project_id)
    try:
        text = (folder / f"{batch}.csv").read_text(encoding="utf-8")
        meta = json.loads((folder / f"{batch}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Upload(batch, text, meta)


def recent_uploads(instance: Path, project_id: uuid.UUID, limit: int = 10) -> list[Upload]:
    """The project's latest kept statements, newest first."""
    folder = _folder(instance, project_id)
    if not folder.is_dir():
        return []
    metas = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    found = (load_upload(instance, project_id, p.stem) for p in metas[:limit])
    return [u for u in found if u is not None]
