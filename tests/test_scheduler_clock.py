"""The morning brief, idle sessions, the APScheduler wiring and ``calltime nudge``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from bot.cli import cli
from bot.clock import FrozenClock
from bot.db import Database
from bot.directory.org import add_campaign, set_goal
from bot.models import ChatSession, JobRun, Message, User
from bot.runtime import Runtime
from bot.scheduler.brief import run_morning_briefs
from bot.scheduler.clock import JOBS, build_scheduler, run_all_once, start_background
from bot.scheduler.housekeeping import run_close_idle_sessions
from bot.store import ProjectScope
from tests.factories import make_project, make_user
from tests.scheduler_support import (
    add_followup,
    contact,
    hours,
    operators,
    wired_runtime_for,
    wrote_at,
)
from tests.twilio_double import TwilioDouble


@pytest.fixture
def twilio_api() -> Iterator[TwilioDouble]:
    with TwilioDouble() as double:
        yield double


def test_morning_brief_once_a_day_with_goal_due_count_and_top_three(
    db_url: str, tmp_path: Path, clock: FrozenClock, twilio_api: TwilioDouble
) -> None:
    runtime = wired_runtime_for(db_url, tmp_path, clock, twilio_api)
    db, now = runtime.db, clock.now()  # 10:00 in Kolkata; briefs are due from 08:30
    project = make_project(db)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        drive = add_campaign(scope, "Winter drive")
        set_goal(scope, drive, date(2026, 11, 26), "100000")
    priya = make_user(db, project, "Priya Nair")
    [late_riser] = operators(db, project, 1, morning_brief_at="11:00")
    wrote_at(db, project, priya, now - hours(3))
    anita, bharat = contact(db, project, "Anita Rao"), contact(db, project, "Bharat Shah")
    contact(db, project, "Chitra Das")
    add_followup(db, project, anita, priya, now - hours(1))
    add_followup(db, project, bharat, priya, now + hours(4))
    add_followup(db, project, bharat, priya, now + hours(30))

    assert run_morning_briefs(runtime) == 1
    [brief] = twilio_api.bodies_to(priya.phone)
    assert brief.startswith("Good morning, Priya!")
    assert "Today's goal (Winter drive): ₹1,00,000" in brief
    assert "Follow-ups due today: 2." in brief
    assert "1. Anita Rao" in brief and "Call first:" in brief
    assert twilio_api.bodies_to(late_riser.phone) == []

    clock.advance(minutes=30)
    assert run_morning_briefs(runtime) == 0  # once a day
    clock.advance(hours=1)  # 11:30: the late riser's turn, outside the 24-hour window
    assert run_morning_briefs(runtime) == 1
    with db.session() as session:
        waiting = session.scalar(
            select(Message).where(Message.user_id == late_riser.id, Message.direction == "outbound")
        )
    assert waiting is not None and waiting.status == "deferred"
    assert len(twilio_api.messages) == 1
    runtime.db.dispose()


def test_idle_sessions_are_closed_and_the_run_logged(
    runtime: Runtime, db: Database, clock: FrozenClock
) -> None:
    project = make_project(db)
    priya = make_user(db, project)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        stale = scope.insert(
            ChatSession(user_id=priya.id, state_json={}, last_activity_at=clock.now() - hours(13))
        )
        fresh = scope.insert(
            ChatSession(user_id=priya.id, state_json={}, last_activity_at=clock.now() - hours(1))
        )
    assert run_close_idle_sessions(runtime) == 1
    with db.session() as session:
        assert session.get(ChatSession, stale.id).closed_at == clock.now()
        assert session.get(ChatSession, fresh.id).closed_at is None
        run = session.scalar(select(JobRun).where(JobRun.job_name == "idle_sessions"))
    assert run is not None and run.counts == {"closed": 1} and run.status == "ok"


def test_scheduler_wiring_coalesces_and_never_starts_in_create_app(
    app: Flask, runtime: Runtime
) -> None:
    assert not any("scheduler" in key for key in app.extensions)
    scheduler = build_scheduler(runtime)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"nudges", "morning_brief", "idle_sessions", "leaderboards"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == 300
    assert not scheduler.running


def test_clock_once_runs_every_job_and_logs_each(runtime: Runtime, db: Database) -> None:
    assert run_all_once(runtime) == {spec.name: "ok" for spec in JOBS}
    with db.session() as session:
        runs = list(session.scalars(select(JobRun)))
    assert sorted(r.job_name for r in runs) == sorted(spec.name for spec in JOBS)
    assert all(r.status == "ok" and r.finished_at is not None for r in runs)


def test_calltime_nudge_prints_what_it_sent(
    db_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)  # the CLI runs on the system clock
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    with db.session() as session:
        row = session.get(User, priya.id)
        row.quiet_hours_start = row.quiet_hours_end = "00:00"  # any hour will do
    add_followup(db, project, contact(db, project, "Anita Rao"), priya, now - hours(1))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli-instance"))

    result = CliRunner().invoke(cli, ["nudge"])

    assert result.exit_code == 0, result.output
    assert "nudged=1" in result.output
    assert "→ Priya Nair: 1 follow-up [deferred]" in result.output
    assert "1. Anita Rao – no answer last time" in result.output
    again = CliRunner().invoke(cli, ["nudge"])
    assert "no digests sent" in again.output


def test_calltime_clock_once_and_the_in_process_scheduler(
    db_url: str, runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli-instance"))
    result = CliRunner().invoke(cli, ["clock", "--once"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.endswith(": ok")] == [
        f"{spec.name}: ok" for spec in JOBS
    ]
    scheduler = start_background(runtime)
    try:
        assert scheduler.running and len(scheduler.get_jobs()) == len(JOBS)
    finally:
        scheduler.shutdown(wait=True)
