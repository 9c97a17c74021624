"""Outcomes logged by the engine reach memory, and ``undo`` takes the derived rows back."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Interaction, Memory, VectorRecord
from tests.engine_support import Operator
from tests.factories import make_contact, make_project, make_user


def test_logged_outcome_is_embedded_summarised_and_undone(runtime) -> None:
    project = make_project(runtime.db)
    make_contact(runtime.db, project, "Anita Sharma")
    operator = Operator(runtime, project, make_user(runtime.db, project))
    operator.say("find Anita")
    operator.say("pledged 25k by fri")
    with runtime.db.session() as session:
        interaction = session.scalar(select(Interaction))
        vector = session.scalar(
            select(VectorRecord).where(VectorRecord.namespace == "interactions")
        )
        summary = session.scalar(
            select(Memory).where(Memory.memory_type == "contact_history_summary")
        )
        assert vector.vector_id == f"interaction:{interaction.id}:summary"
        assert "25,000" in vector.content
        assert summary.contact_id == interaction.contact_id and "25,000" in summary.content
    assert operator.say("undo").text.startswith("Undone: 1 interaction, 1 pledge")
    with runtime.db.session() as session:
        assert session.scalar(select(Interaction)) is None
        assert (
            session.scalar(select(VectorRecord).where(VectorRecord.namespace == "interactions"))
            is None
        )
        assert (
            session.scalar(select(Memory).where(Memory.memory_type == "contact_history_summary"))
            is None
        )
