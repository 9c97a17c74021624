"""APScheduler wiring: which jobs run when, in the clock process or inside ``serve``.

``create_app`` never builds a scheduler (every gunicorn worker would run each job).
``calltime clock`` runs :func:`build_scheduler` blocking; ``calltime serve`` starts a
background one next to the web server. Every job coalesces missed runs into one, never
overlaps itself, and tolerates five minutes of lateness.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import Runtime
from bot.scheduler.brief import run_morning_briefs
from bot.scheduler.housekeeping import run_close_idle_sessions, run_leaderboards
from bot.scheduler.nudges import run_nudges

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its name (the ``job_runs.job_name``), body and trigger."""

    name: str
    func: Callable[[Runtime], Any]
    trigger: Callable[[], BaseTrigger]


JOBS: tuple[JobSpec, ...] = (
    JobSpec("nudges", run_nudges, lambda: IntervalTrigger(minutes=1, timezone=UTC)),
    JobSpec("morning_brief", run_morning_briefs, lambda: IntervalTrigger(minutes=5, timezone=UTC)),
    JobSpec(
        "idle_sessions", run_close_idle_sessions, lambda: IntervalTrigger(minutes=15, timezone=UTC)
    ),
    # Hourly upserts of yesterday's and today's rows: yesterday's are final by morning
    # in every timezone, today's give a live board.
    JobSpec("leaderboards", run_leaderboards, lambda: CronTrigger(minute=55, timezone=UTC)),
)


def _guarded(spec: JobSpec, runtime: Runtime) -> None:
    """Run one job; its failure is already in ``job_runs``, so the scheduler keeps going."""
    try:
        spec.func(runtime)
    except Exception:
        log.exception("scheduled job %s failed", spec.name)


def build_scheduler(runtime: Runtime, *, blocking: bool = False) -> BaseScheduler:
    """A scheduler holding every Calltime job (not started)."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=UTC, job_defaults=JOB_DEFAULTS)
    for spec in JOBS:
        scheduler.add_job(
            _guarded,
            spec.trigger(),
            args=[spec, runtime],
            id=spec.name,
            name=spec.name,
            replace_existing=True,
            **JOB_DEFAULTS,
        )
    return scheduler


def run_all_once(runtime: Runtime) -> dict[str, str]:
    """Run every job once, in order (``calltime clock --once``); job name → ok/error."""
    results = {}
    for spec in JOBS:
        try:
            spec.func(runtime)
            results[spec.name] = "ok"
        except Exception as exc:
            log.exception("job %s failed", spec.name)
            results[spec.name] = f"error: {exc}"
    return results


def start_background(runtime: Runtime) -> BaseScheduler:
    """Start the jobs in a background thread of this process (``calltime serve``)."""
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("scheduler started in-process with %d jobs", len(JOBS))
    return scheduler
