"""Files Calltime keeps on disk, readable by their owner only, whatever the umask.

The instance folder holds donor data (the embedded SQLite database, media files) and
the key that signs admin sessions. Folders are made ``0700`` and files ``0600`` at
creation — ``os.open`` with the mode, never "write, then chmod", so there is no moment
in which another local user could open them. A folder or database left readable by an
older version is tightened at start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it ``0700``."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def write_private_file(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` created as ``0600`` (``exclusive``: fail if it exists).

    Raises:
        FileExistsError: ``exclusive`` and the file is already there.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have taken bits from the mode above
        os.write(fd, data)
    finally:
        os.close(fd)


def prepare_sqlite_file(database_url: str) -> None:
    """Create an embedded database file as ``0600`` before SQLite opens it.

    SQLite creates its ``-wal`` and ``-shm`` files with the database file's mode, so
    they are private too. Other URLs (PostgreSQL, in-memory SQLite) are left alone.
    """
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        write_private_file(path, b"", exclusive=True)
    _tighten(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    """Remove group and other access from ``path`` if an older run left it open."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current != mode and path.stat().st_uid == os.getuid():
            log.info("making %s private (mode %o -> %o)", path, current, mode)
            path.chmod(mode)
    except OSError as exc:  # not ours to change: say so, keep running
        log.warning("could not make %s private: %s", path, exc)
