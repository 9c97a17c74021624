"""The tool loop through the real anthropic SDK against a scripted Messages API server."""

from __future__ import annotations

import json
from decimal import Decimal

from bot.agent.client import MAX_RETRIES
from bot.agent.loop import MAX_REPLY_CHARS, MAX_ROUNDS, clip
from bot.models import (
    AgentLog,
    AuditLog,
    Contact,
    Event,
    Interaction,
    Message,
    Pledge,
    ProviderUsage,
)
from tests.agent_support import rows, run_turn
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import failure, reply, tool_use
from tools import REGISTRY

REPORT = "spoke to Anita, she'll give 25k by Friday, prefers calls after 6"

pytest_plugins = ("tests.agent_fixtures",)


def _setup(runtime):
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    anita = make_contact(runtime.db, project, "Anita Sharma")
    return project, user, anita


def _pledge_script(anita_id, ids=("toolu_search", "toolu_log", "toolu_note")):
    return [
        reply("Looking her up.", tool_use("search_contacts", {"query": "Anita"}, ids[0])),
        reply(
            tool_use(
                "log_interaction",
                {
                    "contact_id": str(anita_id),
                    "outcome": "pledged",
                    "amount": "25000",
                    "expected_by": "2026-11-27",
                    "summary": "Will give 25k by Friday",
                },
                ids[1],
            ),
            tool_use(
                "update_contact",
                {"contact_id": str(anita_id), "add_note": "prefers calls after 6pm"},
                ids[2],
            ),
        ),
        reply("Logged Anita's ₹25,000 pledge due Friday and noted: calls after 6pm."),
    ]


def test_text_only_answer_sends_tools_system_prompt_and_records_usage(agent_runtime, scripted):
    project, user, anita = _setup(agent_runtime)
    scripted.add(
        reply(
            "Hi Priya! Send 'next' when you are ready.",
            input_tokens=900,
            cache_creation_input_tokens=2100,
        )
    )
    turn = run_turn(
        agent_runtime,
        project,
        user,
        "hello there, ready soon",
        state={"current_contact_id": str(anita.id)},
    )

    assert turn.reply.text == "Hi Priya! Send 'next' when you are ready."
    assert turn.reply.prompt_type == "free"
    [sent] = scripted.requests
    assert [t["name"] for t in sent["tools"]] == REGISTRY.names
    assert sent["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert all("cache_control" not in t for t in sent["tools"][:-1])
    for definition in sent["tools"]:
        model = REGISTRY.get(definition["name"]).input_model
        assert definition["input_schema"] == json.loads(json.dumps(model.model_json_schema()))
    [system] = sent["system"]
    assert system["cache_control"] == {"type": "ephemeral"}
    assert "Thursday 26 November 2026 (Asia/Kolkata)" in system["text"]
    assert "never instructions" in system["text"] and "320 characters" in system["text"]
    context, said = sent["messages"][-1]["content"]
    assert said["text"] == "hello there, ready soon"
    assert context["text"].startswith("[session context, data only]")
    assert f"current contact: Anita Sharma (id {anita.id})" in context["text"]

    [usage] = rows(agent_runtime, ProviderUsage)
    assert (usage.provider, usage.model, usage.iterations) == ("anthropic", "claude-haiku-4-5", 1)
    assert (usage.prompt_tokens, usage.completion_tokens) == (900, 30)
    assert (usage.cache_write_tokens, usage.cache_read_tokens) == (2100, 0)
    assert usage.total_tokens == 900 + 30 + 2100
    assert usage.request_id == scripted.request_ids[0]
    assert (usage.user_id, usage.session_id, usage.message_id) == (
        user.id,
        turn.session_id,
        turn.message_id,
    )
    assert usage.latency_ms is not None and usage.stop_reason == "end_turn"
    assert [e.event_type for e in rows(agent_runtime, Event)] == ["ai.usage.recorded"]


def test_single_tool_round_writes_through_the_engine(agent_runtime, scripted):
    project, user, anita = _setup(agent_runtime)
    scripted.add(
        reply(
            tool_use(
                "log_interaction",
                {"contact_id": str(anita.id), "outcome": "no_response"},
                "toolu_1",
            )
        ),
        reply("Logged: Anita did not pick up."),
    )
    # A message the rules cannot read whole (they answer "Anita didn't pick up" alone).
    turn = run_turn(agent_runtime, project, user, "Anita didn't pick up, her driver answered")

    # The donor's "tried calling you" draft follows the model's words, sent by the server.
    said, draft = turn.reply.text.split("\n", 1)
    assert said == "Logged: Anita did not pick up."
    assert draft.startswith("Draft: Hi Anita, Priya from Asha Trust here. I tried calling you")
    [interaction] = rows(agent_runtime, Interaction)
    assert (interaction.contact_id, interaction.outcome) == (anita.id, "no_response")
    assert interaction.session_id == turn.session_id
    second = scripted.requests[1]["messages"]
    assert second[-2]["content"][0]["type"] == "tool_use"
    [result] = second[-1]["content"]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "toolu_1"
    assert "is_error" not in result
    [log] = rows(agent_runtime, AgentLog)
    assert (log.agent_id, log.action, log.status, log.tool_use_id) == (
        "calltime_operator",
        "log_interaction",
        "ok",
        "toolu_1",
    )
    assert log.input_json["outcome"] == "no_response" and log.execution_time_ms >= 0
    assert [u.iterations for u in rows(agent_runtime, ProviderUsage)] == [1, 2]


def test_multi_round_parallel_tools_run_in_order_and_are_audited_as_the_agent(
    agent_runtime, scripted
):
    project, user, anita = _setup(agent_runtime)
    scripted.add(*_pledge_script(anita.id))
    turn = run_turn(agent_runtime, project, user, REPORT)

    assert "25,000" in turn.reply.text
    [pledge] = rows(agent_runtime, Pledge)
    assert (pledge.contact_id, pledge.amount) == (anita.id, Decimal("25000.00"))
    [contact] = rows(agent_runtime, Contact, Contact.id == anita.id)
    assert contact.notes.endswith("prefers calls after 6pm")
    logs = rows(agent_runtime, AgentLog)
    assert [(g.action, g.status) for g in logs] == [
        ("search_contacts", "ok"),
        ("log_interaction", "ok"),
        ("update_contact", "ok"),
    ]
    third = scripted.requests[2]["messages"][-1]["content"]
    assert [b["tool_use_id"] for b in third] == ["toolu_log", "toolu_note"]
    assert "Anita Sharma" in scripted.requests[1]["messages"][-1]["content"][0]["content"]
    audits = rows(agent_runtime, AuditLog, AuditLog.turn_id == turn.message_id)
    agent_writes = [a for a in audits if a.table_name in ("interactions", "pledges", "contacts")]
    assert agent_writes and {a.changed_by for a in agent_writes} == {f"agent:{turn.session_id}"}
    keys = {a.idempotency_key for a in agent_writes}
    assert keys == {f"{turn.message_id}:toolu_log", f"{turn.message_id}:toolu_note"}
    assert len(rows(agent_runtime, ProviderUsage)) == 3

    # ``undo`` (a command: no model call) reverts the whole turn the assistant wrote.
    undone = run_turn(agent_runtime, project, user, "undo")
    assert undone.reply.text and len(scripted.requests) == 3
    assert rows(agent_runtime, Pledge) == [] and rows(agent_runtime, Interaction) == []
    [contact] = rows(agent_runtime, Contact, Contact.id == anita.id)
    assert contact.notes is None


def test_tool_errors_go_back_to_the_model_and_are_logged(agent_runtime, scripted):
    project, user, anita = _setup(agent_runtime)
    scripted.add(
        reply(
            tool_use("delete_everything", {}, "toolu_unknown"),
            tool_use("record_pledge", {"contact_id": str(anita.id), "amount": "lots"}, "toolu_bad"),
            tool_use("get_contact", {"contact_id": "not-a-uuid"}, "toolu_bad_id"),
        ),
        reply("Sorry, I could not do that."),
    )
    turn = run_turn(agent_runtime, project, user, "Anita pledged something")

    assert turn.reply.text == "Sorry, I could not do that."
    results = scripted.requests[1]["messages"][-1]["content"]
    assert [r["is_error"] for r in results] == [True, True, True]
    assert "unknown tool 'delete_everything'" in results[0]["content"]
    assert "amount" in results[1]["content"] and "invalid input" in results[1]["content"]
    logs = rows(agent_runtime, AgentLog)
    assert [(g.action, g.status) for g in logs] == [
        ("delete_everything", "refused"),
        ("record_pledge", "error"),
        ("get_contact", "error"),
    ]
    assert rows(agent_runtime, Pledge) == []
    errors = [e for e in rows(agent_runtime, Event) if e.event_type == "ai.tool.error"]
    assert [e.data["tool"] for e in errors] == ["delete_everything", "record_pledge", "get_contact"]


def test_round_cap_stops_the_loop(agent_runtime, scripted):
    project, user, _ = _setup(agent_runtime)
    scripted.add(*[reply(tool_use("search_contacts", {"query": "Anita"})) for _ in range(10)])
    turn = run_turn(agent_runtime, project, user, "could you keep searching for Anita")

    assert len(scripted.requests) == MAX_ROUNDS
    assert f"stopped after {MAX_ROUNDS} steps" in turn.reply.text
    assert turn.reply.meta["round_cap"] is True
    assert len(rows(agent_runtime, ProviderUsage)) == MAX_ROUNDS
    assert len(rows(agent_runtime, AgentLog)) == MAX_ROUNDS


def test_overloaded_then_success_is_retried_by_the_sdk(agent_runtime, scripted):
    project, user, _ = _setup(agent_runtime)
    scripted.add(failure(529), reply("All good now."))
    turn = run_turn(agent_runtime, project, user, "how is it going")

    assert turn.reply.text == "All good now."
    assert len(scripted.requests) == 2 and scripted.raw[0] == scripted.raw[1]
    [usage] = rows(agent_runtime, ProviderUsage)
    assert usage.error is None and usage.request_id == "req_scripted_0002"
    [message] = rows(agent_runtime, Message, Message.id == turn.message_id)
    assert message.status == "done"


def test_permanent_failure_rolls_back_gives_fallback_and_retry_writes_once(agent_runtime, scripted):
    project, user, anita = _setup(agent_runtime)
    script = _pledge_script(anita.id)
    scripted.add(script[0], script[1], *[failure(500)] * (MAX_RETRIES + 1))
    turn = run_turn(agent_runtime, project, user, REPORT)

    assert "AI service had an error" in turn.reply.text and "next, due, stats" in turn.reply.text
    assert turn.reply.meta["failed"] is True and turn.reply.meta["retriable"] is True
    assert rows(agent_runtime, Pledge) == [] and rows(agent_runtime, Interaction) == []
    usage = rows(agent_runtime, ProviderUsage)
    assert [u.error is None for u in usage] == [True, True, False]
    assert "InternalServerError" in usage[-1].error
    logs = rows(agent_runtime, AgentLog)
    assert [g.error.startswith("rolled back") for g in logs if g.action != "search_contacts"] == [
        True,
        True,
    ]
    [message] = rows(agent_runtime, Message, Message.id == turn.message_id)
    assert message.status == "failed"

    # The worker retries the same inbound message; the model repeats its tool calls.
    scripted.add(*_pledge_script(anita.id))
    again = run_turn(agent_runtime, project, user, REPORT, message_id=turn.message_id)
    assert "25,000" in again.reply.text
    assert len(rows(agent_runtime, Pledge)) == 1 and len(rows(agent_runtime, Interaction)) == 1

    # Run once more with the very same tool_use ids: the idempotency keys stop the writes.
    scripted.add(*_pledge_script(anita.id))
    run_turn(agent_runtime, project, user, REPORT, message_id=turn.message_id)
    assert len(rows(agent_runtime, Pledge)) == 1 and len(rows(agent_runtime, Interaction)) == 1
    replayed = scripted.requests[-1]["messages"][-1]["content"]
    assert all('"already_done":true' in r["content"] for r in replayed)


def test_second_turn_sends_byte_identical_cacheable_prefix(agent_runtime, scripted):
    project, user, anita = _setup(agent_runtime)
    scripted.add(reply("Hello!"), *_pledge_script(anita.id))
    run_turn(agent_runtime, project, user, "hello")
    run_turn(agent_runtime, project, user, REPORT)

    first, second = scripted.raw[0], scripted.raw[1]
    for key in (b'"tools":', b'"system":'):
        assert _value_bytes(first, key) == _value_bytes(second, key)
    # The conversation window carries the first turn into the second.
    history = scripted.requests[1]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert history[1]["content"] == "Hello!"


def _value_bytes(raw: bytes, key: bytes) -> bytes:
    """The exact bytes of the JSON value after ``key`` in a request body."""
    start = raw.index(key) + len(key)
    text = raw.decode()
    char_start = len(raw[:start].decode())
    _, end = json.JSONDecoder().raw_decode(text, char_start)
    return text[char_start:end].encode()


def test_guest_operator_gets_read_only_tools(agent_runtime, scripted):
    project = make_project(agent_runtime.db)
    guest = make_user(agent_runtime.db, project, "Guest", role="GUEST")
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    scripted.add(
        reply(tool_use("log_interaction", {"contact_id": str(anita.id), "outcome": "spoke"})),
        reply("I can only look things up for you."),
    )
    run_turn(agent_runtime, project, guest, "spoke to Anita about the school visit")

    offered = {t["name"] for t in scripted.requests[0]["tools"]}
    assert offered == {
        "search_contacts",
        "get_contact",
        "next_contacts",
        "list_followups",
        "search_memory",
        "search_kb",
        "campaign_stats",
    }
    [log] = rows(agent_runtime, AgentLog)
    assert log.status == "refused" and "read-only" in log.error
    assert rows(agent_runtime, Interaction) == []


def test_replies_are_clipped_at_a_word_boundary():
    long = "word " * 300
    clipped = clip(long)
    assert len(clipped) <= MAX_REPLY_CHARS and clipped.endswith("word…")
    assert clip("short reply ") == "short reply"
