"""The read-back mechanism: a pending write waits for yes/haan (or a number), nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.engine import commands
from bot.engine.confirm import read_answer
from bot.engine.records import update_contact
from bot.models import Contact
from bot.turn.context import Reply, TurnContext
from bot.turn.state import PendingConfirmation
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user


def _note(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    contact = ctx.scope.require(Contact, payload["contact_id"])
    note = payload["notes"][choice - 1] if choice else payload["notes"][0]
    update_contact(ctx.scope, ctx.user, contact, notes=note)
    return Reply(f"Saved note: {note}")


@pytest.fixture
def op(runtime, db, monkeypatch) -> Operator:
    monkeypatch.setitem(commands.CONFIRMERS, "test_note", _note)
    project = make_project(db)
    return Operator(runtime, project, make_user(db, project, "Priya Nair"))


def _ask(op: Operator, contact: Contact, *, options: list[str] | None = None, ttl: int = 15):
    op.set_state(
        pending=PendingConfirmation(
            kind="test_note",
            question="Save the note?",
            payload={"contact_id": str(contact.id), "notes": ["first", "second"]},
            options=options or [],
            expires_at=op.clock.now() + timedelta(minutes=ttl),
        )
    )


def _notes(db, contact: Contact) -> str | None:
    with db.session() as session:
        return session.get(Contact, contact.id).notes


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", "yes"),
        ("Haan ji 🙏", "yes"),
        ("OK.", "yes"),
        ("no", "no"),
        ("nahi", "no"),
        ("cancel!", "no"),
        ("2", 2),
        ("3", None),
        ("next", None),
        ("yes pledged 5k", None),
        ("👍", "yes"),
        ("hanji", "yes"),
        ("haan haan", "yes"),
        ("yes pls", "yes"),
        ("yess", "yes"),
        ("k", "yes"),
        ("na", "no"),
        ("na ji", "no"),
        ("na na", "no"),
        ("undo", "no"),
        ("oops", "no"),
        ("galti ho gayi", "no"),
        ("maybe", None),
        ("done", None),
    ],
)
def test_read_answer(text: str, answer: object) -> None:
    assert read_answer(text, options=2) == answer


def test_yes_writes_and_clears_the_question(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    _ask(op, contact)
    assert op.say("haan").text == "Saved note: first"
    assert _notes(db, contact) == "first"
    assert op.state().pending is None
    assert op.say("yes").text != "Saved note: first"  # nothing left to confirm


def test_no_writes_nothing(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    _ask(op, contact)
    before = row_counts(db, op.project.id)
    assert op.say("no").text == "Cancelled – nothing was saved."
    assert row_counts(db, op.project.id) == before
    assert op.state().pending is None


def test_anything_else_drops_the_question_and_is_answered_as_usual(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    _ask(op, contact)
    before = row_counts(db, op.project.id)
    reply = op.say("help")
    assert reply.text.startswith("(Not saved: the earlier read-back was not confirmed.)\n")
    assert "Calltime commands" in reply.text
    assert row_counts(db, op.project.id) == before
    op.say("yes")
    assert _notes(db, contact) is None


def test_an_expired_question_is_never_applied(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    _ask(op, contact, ttl=15)
    op.clock.advance(minutes=16)
    reply = op.say("yes")
    assert reply.text.startswith("(The earlier question expired; nothing was saved from it.)")
    assert _notes(db, contact) is None


def test_a_number_picks_an_option_and_yes_alone_does_not(op: Operator, db) -> None:
    contact = make_contact(db, op.project, "Anita Sharma")
    _ask(op, contact, options=["first note", "second note"])
    assert op.say("2").text == "Saved note: second"
    assert _notes(db, contact) == "second"
    _ask(op, contact, options=["first note", "second note"])
    op.say("yes")
    assert _notes(db, contact) == "second"
    assert op.state().pending is None


def test_na_or_undo_answering_a_read_back_cancels_it_and_nothing_else(op: Operator, db) -> None:
    """ "na" (no) logged a no-answer, and "undo" deleted the entry saved before the question."""
    make_contact(db, op.project, "Anita Sharma")
    op.say("find anita")
    op.say("pledged 25k")
    saved = row_counts(db, op.project.id)
    for answer in ("na", "undo", "galti"):
        assert op.say("pledged 50 lakh").text.startswith("Please check before I save")
        assert op.say(answer).text == "Cancelled – nothing was saved.", answer
        assert row_counts(db, op.project.id) == saved, answer
    assert op.say("undo").text.startswith("Undone")  # with nothing waiting, undo undoes
    assert row_counts(db, op.project.id)["pledges"] == 0
