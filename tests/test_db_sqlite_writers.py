"""SQLite writers of different processes meet at a lock file before SQLite's own lock.

Another process is played by a second open file description of the same lock file
(``flock`` locks belong to the open file, so it conflicts exactly as another process
would), or by a real second process.
"""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.db import Database, _OtherProcesses


def _holding(lock_path: str) -> int:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


@pytest.fixture
def db(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with database.session() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield database
    database.dispose()


def test_a_write_waits_while_another_process_holds_the_lock_file(
    db: Database, tmp_path: Path
) -> None:
    lock_path = str(tmp_path / "w.db-writer.lock")
    assert stat.S_IMODE(os.stat(lock_path).st_mode) == 0o600  # made by the first write
    other = _holding(lock_path)
    done = threading.Event()

    def write() -> None:
        with db.session(urgent=True) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        # SQLite's own lock is free: only the lock file keeps this writer waiting.
        assert not done.wait(0.3)
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    assert done.wait(5)
    writer.join()
    with db.session(read_only=True) as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_stuck_holder_makes_the_writer_fail_at_its_deadline(tmp_path: Path) -> None:
    line = _OtherProcesses(str(tmp_path / "s.db"))
    other = _holding(line.path)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            line.acquire(started + 0.1, urgent=True)
    finally:
        os.close(other)
    line.acquire(time.monotonic() + 1, urgent=False)  # free again: taken at once
    line.release()


def test_writers_of_two_processes_both_land(db: Database, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    child = (
        "import sys\n"
        "from sqlalchemy import text\n"
        "from bot.db import Database\n"
        "db = Database(sys.argv[1])\n"
        "for n in range(200):\n"
        "    with db.session() as s:\n"
        "        s.execute(text('INSERT INTO t VALUES (2)'))\n"
        "db.dispose()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", child, url])
    for _ in range(200):
        with db.session(urgent=True) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
    assert proc.wait(timeout=60) == 0
    with db.session(read_only=True) as session:
        counts = dict(session.execute(text("SELECT n, count(*) FROM t GROUP BY n")).all())
    assert counts == {1: 200, 2: 200}


def test_disposing_the_engine_closes_the_lock_file(db: Database, tmp_path: Path) -> None:
    lock_path = os.path.realpath(tmp_path / "w.db-writer.lock")

    def open_lock_files() -> int:
        fds = Path("/proc/self/fd").iterdir()
        return sum(1 for fd in fds if os.path.realpath(fd) == lock_path)

    assert open_lock_files() == 1
    db.dispose()
    assert open_lock_files() == 0
    with db.session() as session:  # still usable: the next write opens it again
        session.execute(text("INSERT INTO t VALUES (3)"))
    assert open_lock_files() == 1
