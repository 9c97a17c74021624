"""The ``job_runs`` log: one row per scheduler job execution, with counts and errors.

Each job body runs inside :func:`tracked_run`, which writes the row when the job starts
(status ``running``), and finishes it with ``ok`` or ``error``, the counts the job
reported and the error text. Admins read this table to see that the clock is alive.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.models import JobRun
from bot.runtime import Runtime

log = logging.getLogger(__name__)


class RunCounts(dict[str, Any]):
    """Counts a job reports (``sent``, ``claimed`` …); ``add`` increments one."""

    def add(self, key: str, amount: int = 1) -> None:
        self[key] = int(self.get(key, 0)) + amount


@contextmanager
def tracked_run(runtime: Runtime, job_name: str) -> Iterator[RunCounts]:
    """Record one execution of ``job_name`` in ``job_runs``.

    The body fills the yielded counts. An exception is recorded with its traceback
    and re-raised, so APScheduler's own listeners see it too.
    """
    run_id = uuid.uuid4()
    with runtime.db.session() as session:
        session.add(JobRun(id=run_id, job_name=job_name, started_at=runtime.clock.now(), counts={}))
    counts = RunCounts()
    status, error = "ok", None
    try:
        yield counts
    except Exception as exc:
        status = "error"
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.exception("job %s failed", job_name)
        raise
    finally:
        if counts.get("errors") and status == "ok":
            status = "error"
            error = counts.pop("error_text", None) or "some items failed; see counts"
        counts.pop("error_text", None)
        with runtime.db.session() as session:
            run = session.get(JobRun, run_id)
            if run is not None:
                run.finished_at = runtime.clock.now()
                run.status = status
                run.counts = dict(counts)
                run.error = error
