"""SQLite settings every connection gets, and who pays for a WAL checkpoint."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.db import CHECKPOINT_PAGES, URGENT_CHECKPOINT_PAGES, WAL_SIZE_LIMIT, Database


def _pragma(session: Session, name: str) -> int:
    return int(session.execute(text(f"PRAGMA {name}")).scalar_one())


def test_the_webhooks_writes_leave_checkpoints_to_other_writers(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        for _ in range(2):  # the same pooled connection switches back and forth
            with db.session(urgent=True) as session:
                assert _pragma(session, "wal_autocheckpoint") == URGENT_CHECKPOINT_PAGES
            with db.session() as session:
                assert _pragma(session, "wal_autocheckpoint") == CHECKPOINT_PAGES
        with db.session() as session:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert _pragma(session, "journal_size_limit") == WAL_SIZE_LIMIT
            assert _pragma(session, "busy_timeout") < 15_000  # under Twilio's webhook limit
    finally:
        db.dispose()
