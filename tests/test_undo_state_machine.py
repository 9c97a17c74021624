"""Random call-time sessions: after every ``undo`` the database is exactly as it was before
the undone turn (issue 14). A hypothesis state machine, on SQLite and PostgreSQL.

Each example plays one operator on a fresh project (a cheap reset: a new project in the
test's database, no new database) with four donors — one with a capacity band, one with
an open pledge and an overdue reminder, one another operator called half an hour ago,
one do-not-contact — and sends random ``next``/``find``/outcomes/payments/``due``/
``done N``/``snooze N``/corrections of the last entry/answers to read-backs/``undo``,
moving the clock now and then.

The model keeps a stack of the turns that wrote (``audit_log`` rows under their turn id)
with the snapshot taken before each. ``undo`` must then restore that snapshot exactly —
every project table but the append-only logs, derived rows included — mark exactly that
turn's audit rows reverted and leave every other audit row as it was; or, when that
turn is older than 30 minutes, change nothing. A write that bypassed the audit shows up
as a difference at the next ``undo``.

Every example ends by undoing, one by one, the turns still inside the 30-minute window.
``CALLTIME_UNDO_EXAMPLES`` (default 200) and ``CALLTIME_UNDO_STEPS`` (default 4) run it
longer; examples are derandomized so CI sees the same ones every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.directory.org import add_user, create_project
from bot.models import Contact, Followup, Interaction, Pledge
from bot.runtime import Runtime
from bot.store import ProjectScope
from tests.conftest import DEFAULT_NOW
from tests.engine_support import Operator
from tests.factories import unique_mobile
from tests.undo_support import audit_marks, difference, snapshot, turn_wrote

EXAMPLES = int(os.environ.get("CALLTIME_UNDO_EXAMPLES", "200"))
STEPS = int(os.environ.get("CALLTIME_UNDO_STEPS", "4"))
UNDO_WINDOW = timedelta(minutes=30)
DAY = timedelta(days=1)

DONORS = ["anita", "bina", "chitra", "dev"]
OUTCOMES = [
    "na",
    "spoke: call after 6",
    "declined",
    "pledged 10k",
    "pledged 25k by fri",
    "pledged 2 lakh",
    "pledged 500 crore",
    "paid 5000 upi",
    "paid 25000 cash",
    "paid 3L bank",
    "call back tomorrow 5pm",
    "wrong number",
    "dnc",
    "note: prefers Hindi",
]
COMMANDS = ["next", "skip", "find zubin", "due", "done 1", "done 2", "snooze 1 2h", "paid 1 5000"]
#: Corrections of the last entry (read back; a later "yes" replaces the entry).
CORRECTIONS = ["sorry, 20k not 25k", "actually it was cash not upi", "make it by 10th instead"]
ANSWERS = ["yes", "haan", "no", "1", "2"]


@dataclass
class WritingTurn:
    """A turn that wrote: its id, when it was sent, and the database before it."""

    turn_id: Any
    at: datetime
    before: dict[str, Any]


def _seed(runtime: Runtime) -> Operator:
    """A fresh project: one operator, four donors, another operator's recent call."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        project = create_project(session, "Asha Trust", unique_mobile())
        scope = ProjectScope(session, project.id, actor="test")
        priya = add_user(scope, "Priya Nair", unique_mobile(), "USER")
        rahul = add_user(scope, "Rahul Mehta", unique_mobile(), "USER")
        anita, bina, chitra, _ = (
            scope.insert(Contact(display_name=name, **fields))
            for name, fields in (
                ("Anita Sharma", {"capacity_band": "5k-25k"}),
                ("Bina Shah", {}),
                ("Chitra Iyer", {}),
                ("Dev Dnc", {"status": "do_not_contact"}),
            )
        )
        scope.insert(Pledge(contact_id=bina.id, amount=Decimal(25000), pledged_at=now - DAY * 3))
        scope.insert(
            Followup(
                contact_id=bina.id,
                due_at=now - DAY,
                status="due",
                reason="send_payment_link",
                assigned_to_user_id=priya.id,
            )
        )
        scope.insert(
            Interaction(
                contact_id=chitra.id,
                channel="call",
                direction="outbound",
                outcome="no_response",
                occurred_at=now - timedelta(minutes=30),
                created_by_user_id=rahul.id,
            )
        )
    return Operator(runtime, project, priya)


def machine_for(runtime: Runtime) -> type[RuleBasedStateMachine]:
    """The state machine class, bound to this test's runtime and database."""

    class UndoMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            runtime.clock.set(DEFAULT_NOW)  # type: ignore[attr-defined]
            self.op = _seed(runtime)
            self.db = runtime.db
            self.current = snapshot(self.db, self.op.project.id)
            self.written: list[WritingTurn] = []

        def _say(self, text: str) -> str:
            before, at = self.current, self.op.clock.now()
            reply = self.op.say(text)
            if turn_wrote(self.db, self.op.last_message_id):
                self.written.append(WritingTurn(self.op.last_message_id, at, before))
                self.current = snapshot(self.db, self.op.project.id)
            if reply.text.startswith("Corrected."):
                event("a correction replaced an entry")
            return reply.text

        @rule(
            donor=st.sampled_from(DONORS),
            outcome=st.sampled_from(OUTCOMES),
            answer=st.sampled_from(ANSWERS),
        )
        def report(self, donor: str, outcome: str, answer: str) -> None:
            """Select a donor and report an outcome; answer the read-back if there is one."""
            self._say(f"find {donor}")
            if self._say(outcome).startswith(("Please check", "Which donor")):
                self._say(answer)

        @rule(
            donor=st.sampled_from(DONORS),
            entry=st.sampled_from(["pledged 25k by fri", "pledged 10k", "paid 5000 upi"]),
            text=st.sampled_from(CORRECTIONS),
            answer=st.sampled_from(["yes", "haan", "no"]),
        )
        def correct(self, donor: str, entry: str, text: str, answer: str) -> None:
            """Report a pledge or payment, then correct it and answer the read-back."""
            self._say(f"find {donor}")
            if self._say(entry).startswith(("Please check", "Which donor")):
                self._say("yes")
            if self._say(text).startswith("Correct the last entry"):
                self._say(answer)

        @rule(text=st.sampled_from(COMMANDS + OUTCOMES + ANSWERS + CORRECTIONS))
        def command(self, text: str) -> None:
            """A command on the current contact or the listed follow-ups, or a stray answer."""
            self._say(text)

        @rule(minutes=st.sampled_from([1, 4, 12, 31]))
        def wait(self, minutes: int) -> None:
            self.op.clock.advance(minutes=minutes)

        @precondition(lambda self: bool(self.written))
        @rule()
        def undo(self) -> None:
            marks = audit_marks(self.db, self.op.project.id)
            expected = self.written[-1] if self.written else None
            fresh = expected is not None and self.op.clock.now() - expected.at <= UNDO_WINDOW
            pending = self.op.state().pending
            if pending is not None and self.op.clock.now() <= pending.expires_at:
                # An undo word answering a read-back cancels the question, nothing else.
                assert self.op.say("undo").text == "Cancelled – nothing was saved."
                assert difference(self.current, snapshot(self.db, self.op.project.id)) == {}
            # An expired read-back is dropped first, with a note in front of the answer.
            text = self.op.say("undo").text.split(")\n", 1)[-1]
            after = snapshot(self.db, self.op.project.id)
            event("undo restored a turn" if fresh else "undo had nothing recent to undo")
            if not fresh:
                assert text.startswith(("Nothing to undo", "Your last change is more than 30"))
                assert difference(self.current, after) == {}
                return
            assert expected is not None and text.startswith("Undone: "), text
            assert difference(expected.before, after) == {}, text
            below = self.written[-2].turn_id if len(self.written) > 1 else None
            self._check_audit(marks, expected.turn_id, below)
            self.written.pop()
            self.current = after

        def teardown(self) -> None:
            """Undo every turn still inside the window, newest first, checking each."""
            while self.written and self.op.clock.now() - self.written[-1].at <= UNDO_WINDOW:
                self.undo()

        def _check_audit(
            self, marks: dict[Any, tuple[Any, bool]], turn_id: Any, below: Any
        ) -> None:
            """Exactly the undone turn's audit rows are newly marked reverted; when it was
            a correction, the turn it corrected (the one below it) stands again."""
            now = audit_marks(self.db, self.op.project.id)
            for row_id, (turn, reverted) in marks.items():
                if turn == below and now[row_id] == (turn, False):
                    continue  # the corrected entry is back
                assert now[row_id] == (turn, reverted or turn == turn_id), (row_id, turn)
            assert any(turn == turn_id for turn, _ in marks.values())

    return UndoMachine


# Long by design (200 examples per engine): more room than the suite's 300 s per test.
@pytest.mark.timeout(900)
def test_undo_restores_the_database_after_any_sequence(runtime) -> None:
    run_state_machine_as_test(
        machine_for(runtime),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
