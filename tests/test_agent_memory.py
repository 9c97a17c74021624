"""Memory tools through the memory service."""

from __future__ import annotations

import json

from bot.models import AgentLog, AuditLog, Memory
from bot.store import ProjectScope
from memory.kb import add_document
from tests.agent_support import rows, run_turn
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import reply, tool_use

pytest_plugins = ("tests.agent_fixtures",)


def test_store_then_recall_a_memory_and_search_the_kb(agent_runtime, scripted):
    db = agent_runtime.db
    project = make_project(db)
    user = make_user(db, project)
    anita = make_contact(db, project, "Anita Sharma")
    with db.session() as session:
        add_document(
            ProjectScope(session, project.id),
            "Objections",
            "When a donor says the economy is tight, offer a monthly UPI plan.",
        )
    scripted.add(
        reply(
            tool_use(
                "store_memory",
                {
                    "content": "Anita prefers calls after 6pm",
                    "memory_type": "contact_profile",
                    "contact_id": str(anita.id),
                },
                "toolu_store",
            )
        ),
        reply("Noted."),
        reply(
            tool_use("search_memory", {"query": "when to call Anita", "contact_id": str(anita.id)}),
            tool_use("search_kb", {"query": "economy is tight"}),
        ),
        reply("Call Anita after 6pm; offer a monthly UPI plan."),
    )
    first = run_turn(agent_runtime, project, user, "remember Anita prefers calls after 6")
    run_turn(agent_runtime, project, user, "when should I call Anita and what if money is tight?")

    [memory] = rows(agent_runtime, Memory)
    assert (memory.contact_id, memory.session_id) == (anita.id, first.session_id)
    audit = rows(agent_runtime, AuditLog, AuditLog.table_name == "memories")
    assert {a.changed_by for a in audit} == {f"agent:{first.session_id}"}
    recalled, kb = (r["content"] for r in scripted.requests[3]["messages"][-1]["content"])
    assert json.loads(recalled)["memories"][0]["content"] == "Anita prefers calls after 6pm"
    assert "monthly UPI plan" in json.loads(kb)["passages"][0]["text"]
    assert [g.status for g in rows(agent_runtime, AgentLog)] == ["ok", "ok", "ok"]
