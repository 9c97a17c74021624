"""Keeping the planner's row estimates in step with a growing contact import.

PostgreSQL plans each query from the statistics ``ANALYZE`` last gathered, and
autovacuum gathers them at most about once a minute. During a bulk import into a
young project the planner so believes the contact tables hold a few rows while they
grow by hundreds of rows a batch. It then reads the batch's owner lookup through the
wrong index and compares every identity of the project with every value of the batch:
measured at 20,000 imported contacts, 0.56 s a batch instead of 3.5 ms, and a 100,000-row
import that took 101 s instead of about 40.

:class:`ImportStatistics` analyses the three tables an import writes whenever the rows
it has written since the last analysis outnumber the rows the planner was last told
of, so the estimates stay within a factor of two of the truth (about seven analyses
for 100,000 rows into an empty project, none for 500 rows into a large one). ``ANALYZE``
takes a lock that conflicts only with vacuum, index builds and other analyses: the
webhook and other operators' writes never wait for it.

SQLite without ``sqlite_stat1`` plans from fixed heuristics that take every project for
ten contacts: ``project_id = ? AND id IN (…)`` then walks the project's index instead of
looking the ids up by key, and a contact's identities were read through the project's
whole ``(project_id, type, value)`` index. There ``ANALYZE`` samples at most
:data:`ANALYSIS_LIMIT` rows per index (a few milliseconds under the write lock, which the
caller releases at once); migration 0012 analysed databases that already held contacts.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: The tables an import writes to, analysed together.
TABLES = ("contacts", "contact_identities", "contact_tags")
#: An import of fewer rows than this never analyses: estimates this small cannot mislead.
MIN_ROWS = 1000
#: Rows SQLite's ANALYZE samples per index: 3 ms for 100,000 contacts (a full analysis
#: takes 106 ms). A sampled index reports at most this many rows per project, which
#: still outnumbers the 500 ids an import batch looks up at once, so key lookups win.
ANALYSIS_LIMIT = 1000


class ImportStatistics:
    """Counts the rows an import writes and analyses the tables as they double."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.since = 0
        self.known = self._planned_rows()

    def _planned_rows(self) -> float:
        """The row count the planner last learned for ``contacts`` (0 if never analysed)."""
        if self.sqlite:
            if not self.session.scalar(
                text("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'")
            ):
                return 0.0
            # Each index's stat begins with its row count; a partial index holds fewer
            # rows than the table, the primary key's index all of them.
            rows = self.session.scalar(
                text("SELECT max(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = 'contacts'")
            )
            return float(rows or 0)
        rows = self.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'contacts'::regclass")
        )
        return max(float(rows or 0), 0.0)

    def wrote(self, rows: int) -> bool:
        """Count ``rows`` more contacts written; analyse if that doubled the estimate.

        Call after a batch is committed. Returns whether the tables were analysed (the
        caller commits to release the analysis' lock at once).
        """
        self.since += rows
        if self.since < max(self.known, MIN_ROWS):
            return False
        if self.sqlite:
            self.session.execute(text(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
            for table in TABLES:  # SQLite analyses one table (or all) per statement
                self.session.execute(text(f"ANALYZE {table}"))
        else:
            self.session.execute(text("ANALYZE " + ", ".join(TABLES)))
        self.known += self.since
        self.since = 0
        return True
