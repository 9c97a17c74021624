"""Two clock processes nudging at once: every follow-up is nudged exactly once."""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.engine.session_commands import DUE_PAGE
from bot.models import Followup
from bot.runtime import Runtime
from bot.scheduler.claims import NudgeReport
from bot.scheduler.nudges import run_nudges
from tests.factories import make_project
from tests.scheduler_support import bulk_followups, hours, operators, wired_runtime_for, wrote_at
from tests.twilio_double import TwilioDouble

FOLLOWUPS = 1000
OPERATORS = 40
LISTED = re.compile(r"^\d+\. (Donor \d{5}) –", re.MULTILINE)


def test_two_clocks_nudge_each_followup_exactly_once(
    db_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race is PostgreSQL's")
    with TwilioDouble() as twilio:
        clocks = [wired_runtime_for(db_url, tmp_path / name, clock, twilio) for name in ("a", "b")]
        db, now = clocks[0].db, clock.now()
        project = make_project(db)
        team = operators(db, project, OPERATORS)
        for user in team:
            wrote_at(db, project, user, now - hours(1))
        ids = bulk_followups(db, project, team, FOLLOWUPS, now - hours(1))

        reports = run_concurrently(clocks)
        for runtime in clocks:
            runtime.db.dispose()
        sent = list(twilio.messages)

    nudged = [fid for report in reports for d in report.digests for fid in d.followup_ids]
    assert sorted(nudged) == sorted(ids)  # all of them, none twice
    assert all(report.failed == 0 for report in reports)
    assert sum(len(report.digests) for report in reports) == OPERATORS
    with db.session() as session:
        rows = list(session.scalars(select(Followup)))
    assert len(rows) == FOLLOWUPS
    assert all(r.nudged_at == now and r.nudge_message_id is not None for r in rows)
    # Each digest lists its first page; the rest are counted ("20 more – send more").
    listed = Counter(name for message in sent for name in LISTED.findall(message["Body"]))
    assert len(listed) == OPERATORS * DUE_PAGE and set(listed.values()) == {1}
    per_operator = FOLLOWUPS // OPERATORS
    assert all(f"{per_operator - DUE_PAGE} more – send more." in m["Body"] for m in sent)
    digests = {(r.assigned_to_user_id, r.nudge_message_id) for r in rows}
    assert len(digests) == OPERATORS  # one digest per operator, whichever clock sent it
    assert len({message["To"] for message in sent}) == OPERATORS


def run_concurrently(clocks: list[Runtime]) -> list[NudgeReport]:
    """Start one nudge run per runtime at the same moment, each in its own thread."""
    start = threading.Barrier(len(clocks))
    reports: list[NudgeReport | BaseException] = [NudgeReport() for _ in clocks]

    def run(index: int) -> None:
        start.wait()
        try:
            reports[index] = run_nudges(clocks[index], worker=f"clock-{index}")
        except BaseException as exc:  # surfaced by the assertion below
            reports[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clocks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [r for r in reports if isinstance(r, BaseException)]
    assert not errors, errors
    return [r for r in reports if isinstance(r, NudgeReport)]
