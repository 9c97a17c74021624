"""A call the operator plans is a follow-up, never a call logged.

``will call Ravi Kumar at 6pm``, ``remind me to call Meera at 5pm``, ``Ravi Kumar ko 6
baje call karna``: no call happened, so ``yes`` writes the follow-up (and the contact's
suggested time) and no interaction. A call back the donor asked for (``call back
monday``, ``she asked me to call at 6``, ``remind me at 4pm`` said of the current
contact) is still the call's outcome. The reading is checked without a database; the
writes, the read-back and undo on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.engine.reading import read_report
from bot.engine.report import PLAN, merge
from bot.models import Contact, Followup, Interaction
from bot.store import ProjectScope
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # Thursday 26 Nov 2026, 10:00 IST
IST = ZoneInfo("Asia/Kolkata")


def ist(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=IST).astimezone(UTC)


def _merged(text: str) -> dict[str, Any] | None:
    args, problems = merge(read_report(text, NOW, IST))
    assert problems == [], problems
    return args


@pytest.mark.parametrize(
    ("text", "due", "donor"),
    [
        ("will call Ravi Kumar at 6pm", ist(26, 18), "Ravi Kumar"),
        ("I'll call Shanti Trust tomorrow evening", ist(27, 18), "Shanti Trust"),
        ("remind me to call Meera at 5pm", ist(26, 17), "Meera"),
        ("reminder: call Ravi Kumar at 6pm", ist(26, 18), "Ravi Kumar"),
        ("pls remind me abt Ravi Kumar at 4:30", ist(26, 16, 30), "Ravi Kumar"),
        ("need to follow up with Anita Rao next week", ist(30, 10), "Anita Rao"),
        ("I have to call Anita Sharma back on monday", ist(30, 10), "Anita Sharma"),
        ("set a reminder for Meera at 5pm", ist(26, 17), "Meera"),
        ("Add followup for Meera Iyer on 30/11 at 4pm", ist(30, 16), "Meera Iyer"),
        ("Schedule a call with Vikram Singh on friday 4pm", ist(27, 16), "Vikram Singh"),
        ("todo: call Ravi Kumar monday", ist(30, 10), "Ravi Kumar"),
        ("call Vikram on monday", ist(30, 10), "Vikram"),
        ("follow up Ravi Kumar 1st dec", ist(1, 10, month=12), "Ravi Kumar"),
        ("remind me tmrw 9am to chase Vikram", ist(27, 9), "Vikram"),
        ("Ravi Kumar ko 6 baje call karna", ist(26, 18), "Ravi Kumar"),
        ("Meera ji ko monday subah call karna", ist(30, 10), "Meera"),
        ("kal Meera ko phone karna hai", ist(27, 10), "Meera"),
    ],
)
def test_a_planned_call_is_a_follow_up_only(text: str, due: datetime, donor: str) -> None:
    reading = read_report(text, NOW, IST)
    assert _merged(text) == {"outcome": PLAN, "followup_at": due}
    assert reading.unread == [donor]  # the plan's own words are not taken for a name


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("call back monday", {"outcome": "reschedule", "followup_at": ist(30, 10)}),
        ("remind me at 4pm", {"outcome": "reschedule", "followup_at": ist(26, 16)}),
        ("follow up next week", {"outcome": "reschedule", "followup_at": ist(30, 10)}),
        ("call her back monday morning 11", {"outcome": "reschedule", "followup_at": ist(30, 11)}),
        ("kal shaam call karna", {"outcome": "reschedule", "followup_at": ist(27, 18)}),
        ("somvar ko call karna", {"outcome": "reschedule", "followup_at": ist(30, 10)}),
        ("she asked me to call at 6pm", {"outcome": "reschedule", "followup_at": ist(26, 18)}),
        ("he said will call back tomorrow", {"outcome": "reschedule", "followup_at": ist(27, 10)}),
        # a call happened: the plan only dates the follow-up
        (
            "no answer, will call again at 6pm",
            {"outcome": "no_response", "followup_at": ist(26, 18)},
        ),
        (
            "koi jawab nahi, kal subah try karunga",
            {"outcome": "no_response", "followup_at": ist(27, 10)},
        ),
        (
            "spoke, will call her again friday",
            {"outcome": "reschedule", "followup_at": ist(27, 10)},
        ),
    ],
)
def test_a_call_back_the_donor_asked_for_is_still_the_calls_outcome(
    text: str, args: dict[str, Any]
) -> None:
    assert _merged(text) == args


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db)
    operator = Operator(runtime, project, make_user(db, project, "Priya Nair"))
    for name in ("Anita Sharma", "Ravi Kumar", "Meera Iyer"):
        make_contact(db, project, name)
    make_contact(db, project, "Kabir Shah", status="do_not_contact")
    return operator


def _ravi(db, op: Operator) -> tuple[Contact, list[Followup], list[Interaction]]:
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        ravi = scope.first(Contact, Contact.display_name == "Ravi Kumar")
        assert ravi is not None
        return ravi, scope.all(Followup), scope.all(Interaction)


def test_yes_to_a_plan_writes_the_follow_up_and_undo_removes_it(op: Operator, db) -> None:
    op.say("find anita")
    before = row_counts(db, op.project.id)
    asked = op.say("will call Ravi Kumar at 6pm")
    assert asked.text.splitlines()[0] == (
        "Record for Ravi Kumar: a reminder to call Thu 26 Nov 6:00 PM (no call logged)?"
    )
    assert row_counts(db, op.project.id) == before
    saved = op.say("yes")
    assert saved.text == "Reminder set: call Ravi Kumar Thu 26 Nov 6:00 PM. No call logged."
    ravi, followups, interactions = _ravi(db, op)
    assert interactions == []
    assert [(f.contact_id, f.due_at, f.reason, f.interaction_id) for f in followups] == [
        (ravi.id, ist(26, 18), "reschedule", None)
    ]
    assert ravi.next_suggested_at == ist(26, 18)
    assert ravi.last_contacted_at is None  # no call happened
    assert op.say("undo").text == "Undone: 1 follow-up, 1 contact change."
    ravi, followups, _ = _ravi(db, op)
    assert followups == [] and ravi.next_suggested_at is None
    after = row_counts(db, op.project.id)
    assert [after[t] for t in ("interactions", "followups")] == [0, 0]


def test_a_plan_for_a_do_not_contact_donor_is_refused(op: Operator, db) -> None:
    before = row_counts(db, op.project.id)
    reply = op.say("remind me to call Kabir Shah at 4pm")
    assert reply.text == "Nothing recorded – Kabir Shah is marked do-not-contact."
    assert op.say("yes").text.startswith("Nothing is waiting for a yes or no")
    assert row_counts(db, op.project.id) == before
