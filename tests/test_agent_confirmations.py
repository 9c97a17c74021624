"""The assistant's write tools follow the engine's risk rules: a risky write is held for
the operator's ``yes``, which the server settles without the model."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from bot.models import AgentLog, Followup, Interaction, Pledge
from bot.store import ProjectScope
from tests.agent_support import rows, run_turn
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import reply, tool_use
from tests.undo_support import difference, snapshot

pytest_plugins = ("tests.agent_fixtures",)


def _setup(runtime):
    project = make_project(runtime.db)
    return project, make_user(runtime.db, project, "Priya Nair")


def _result(scripted, request: int = 1, block: int = 0) -> dict:
    return json.loads(scripted.requests[request]["messages"][-1]["content"][block]["content"])


def test_an_implausible_pledge_is_held_until_the_operator_says_yes(agent_runtime, scripted):
    project, user = _setup(agent_runtime)
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    scripted.add(
        reply(tool_use("record_pledge", {"contact_id": str(anita.id), "amount": "5000000000"})),
        reply("Please check: Anita Sharma – pledged ₹5,00,00,00,000. Reply yes to save."),
    )
    run_turn(agent_runtime, project, user, "Anita pledged 500 crore, her driver answered first")

    held = _result(scripted)
    assert held["status"] == "needs_confirmation" and held["saved"] is False
    assert held["question"].splitlines()[:2] == [
        "Please check before I save: Anita Sharma – pledged ₹5,00,00,00,000.",
        "- ₹5,00,00,00,000 is above this project's ceiling of ₹10,00,000.",
    ]
    assert rows(agent_runtime, Pledge) == []
    assert [(g.action, g.status) for g in rows(agent_runtime, AgentLog)] == [
        ("record_pledge", "ok")
    ]

    answered = run_turn(agent_runtime, project, user, "yes")
    saved, draft = answered.reply.text.split("\n", 1)
    assert saved == "Saved: pledge ₹5,00,00,00,000 from Anita Sharma."
    assert draft.startswith("Draft: Hi Anita, thank you so much for your pledge of ₹5,00,00,00,000")
    assert len(scripted.requests) == 2  # settled by the server, not the model
    [pledge] = rows(agent_runtime, Pledge)
    assert pledge.amount == Decimal("5000000000.00")

    undone = run_turn(agent_runtime, project, user, "undo")
    assert undone.reply.text == "Undone: 1 pledge."
    assert rows(agent_runtime, Pledge) == []


def test_a_second_pledge_through_the_assistant_offers_to_update_the_open_one(
    agent_runtime, scripted
):
    project, user = _setup(agent_runtime)
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    with agent_runtime.db.session() as session:
        ProjectScope(session, project.id).insert(
            Pledge(
                contact_id=anita.id,
                amount=Decimal(25000),
                pledged_at=agent_runtime.clock.now() - timedelta(days=2),
            )
        )
    call = {
        "contact_id": str(anita.id),
        "outcome": "pledged",
        "amount": "25000",
        "expected_by": "2026-11-27",
    }
    scripted.add(reply(tool_use("log_interaction", call)), reply("Update it, or add a second?"))
    run_turn(agent_runtime, project, user, "spoke to Anita, she confirmed 25k by friday")

    held = _result(scripted)
    assert held["status"] == "needs_confirmation"
    assert held["question"].splitlines()[-3:] == [
        "1. Update the open pledge to ₹25,000, expected by Fri 27 Nov",
        "2. Add a second pledge of ₹25,000 (₹50,000 pledged in all)",
        "Reply 1–2, or no to cancel.",
    ]
    assert rows(agent_runtime, Interaction) == []

    answered = run_turn(agent_runtime, project, user, "1")
    assert answered.reply.text.startswith(
        "Logged Anita Sharma: pledged; open pledge updated to ₹25,000, expected by Fri 27 Nov"
    )
    [pledge] = rows(agent_runtime, Pledge)
    assert (pledge.amount, pledge.expected_by) == (Decimal(25000), date(2026, 11, 27))


def test_one_held_write_per_turn_and_plain_writes_go_through(agent_runtime, scripted):
    project, user = _setup(agent_runtime)
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    ravi = make_contact(agent_runtime.db, project, "Ravi Rao")
    scripted.add(
        reply(
            tool_use("record_pledge", {"contact_id": str(anita.id), "amount": "5000000000"}),
            tool_use("record_payment", {"contact_id": str(ravi.id), "amount": "5000000000"}),
            tool_use("log_interaction", {"contact_id": str(ravi.id), "outcome": "spoke"}),
        ),
        reply("Anita's pledge needs your yes."),
    )
    run_turn(agent_runtime, project, user, "Anita pledged 500 crore, Ravi paid 500 crore too")

    assert _result(scripted, block=0)["status"] == "needs_confirmation"
    second = scripted.requests[1]["messages"][-1]["content"][1]
    assert second["is_error"] and "already waiting for the operator's answer" in second["content"]
    assert _result(scripted, block=2)["summary"].startswith("Logged Ravi Rao: spoke")
    assert [(g.action, g.status) for g in rows(agent_runtime, AgentLog)] == [
        ("record_pledge", "ok"),
        ("record_payment", "refused"),
        ("log_interaction", "ok"),
    ]
    assert rows(agent_runtime, Pledge) == [] and len(rows(agent_runtime, Interaction)) == 1


def test_undo_puts_back_everything_the_assistants_turn_wrote(agent_runtime, scripted):
    """The assistant's path: every row of the turn, derived rows included, comes back."""
    project, user = _setup(agent_runtime)
    db = agent_runtime.db
    anita = make_contact(db, project, "Anita Sharma", capacity_band="25k-1L")
    with db.session() as session:
        overdue, later = (  # the outcome closes the first, the assistant the second
            ProjectScope(session, project.id).insert(
                Followup(
                    contact_id=anita.id,
                    due_at=agent_runtime.clock.now() + timedelta(hours=hours),
                    status="scheduled",
                    reason="call back",
                    assigned_to_user_id=user.id,
                )
            )
            for hours in (-2, 30)
        )
    ref = {"contact_id": str(anita.id)}
    scripted.add(
        reply(
            tool_use("log_interaction", ref | {"outcome": "pledged", "amount": "25000"}),
            tool_use("update_contact", ref | {"add_note": "prefers Hindi", "capacity_band": "1L+"}),
            tool_use(
                "store_memory", {"content": "Prefers Hindi", "memory_type": "contact_profile"} | ref
            ),
            tool_use(
                "schedule_followup", ref | {"due_at": "2026-11-30T11:00:00", "reason": "thank"}
            ),
            tool_use("complete_followup", {"followup_id": str(later.id)}),
        ),
        reply("Logged Anita's pledge of ₹25,000."),
    )
    before = snapshot(db, project.id)
    run_turn(agent_runtime, project, user, "Anita pledged 25k, prefers Hindi, thank her monday")
    assert [g.status for g in rows(agent_runtime, AgentLog)] == ["ok"] * 5
    assert {
        f.status for f in rows(agent_runtime, Followup, Followup.id.in_([overdue.id, later.id]))
    } == {"done"}
    assert difference(before, snapshot(db, project.id))  # the turn wrote

    undone = run_turn(agent_runtime, project, user, "undo")
    assert undone.reply.text == (
        "Undone: 1 interaction, 1 pledge, 2 follow-ups, 1 contact change; reopened 2 follow-ups."
    )
    assert difference(before, snapshot(db, project.id)) == {}
