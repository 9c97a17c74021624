"""The assistant inside the real pipeline: queued message → worker → tool loop → reply."""

from __future__ import annotations

from bot.agent.client import MAX_RETRIES
from bot.models import Interaction, Message, ProviderUsage
from bot.whatsapp.intake import inject_inbound
from bot.whatsapp.worker import Worker
from tests.agent_support import rows
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import failure, reply, tool_use

pytest_plugins = ("tests.agent_fixtures",)


def _queue(runtime, text):
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    anita = make_contact(runtime.db, project, "Anita Sharma")
    inbound = inject_inbound(
        runtime, to_number=project.whatsapp_number, from_number=user.phone, body=text
    )
    return user, anita, inbound


def test_free_text_through_the_worker_writes_and_replies(agent_runtime, scripted):
    user, anita, inbound = _queue(agent_runtime, "Anita didn't pick up, her driver answered")
    scripted.add(
        reply(tool_use("log_interaction", {"contact_id": str(anita.id), "outcome": "no_response"})),
        reply("Logged: no answer from Anita."),
    )
    assert Worker(agent_runtime).run_once() == 1

    [message] = rows(agent_runtime, Message, Message.id == inbound.id)
    assert message.status == "done"
    [out] = rows(agent_runtime, Message, Message.reply_to_id == inbound.id)
    assert out.body.split("\nDraft: ")[0] == "Logged: no answer from Anita."
    [interaction] = rows(agent_runtime, Interaction)
    assert interaction.session_id == message.session_id
    usage = rows(agent_runtime, ProviderUsage)
    assert {(u.message_id, u.session_id, u.user_id) for u in usage} == {
        (inbound.id, message.session_id, user.id)
    }


def test_model_down_sends_the_fallback_and_marks_the_message_failed(agent_runtime, scripted):
    _, anita, inbound = _queue(agent_runtime, "Anita didn't pick up, her driver answered")
    scripted.add(
        reply(tool_use("log_interaction", {"contact_id": str(anita.id), "outcome": "no_response"})),
        *[failure(529)] * (MAX_RETRIES + 1),
    )
    Worker(agent_runtime).run_once()

    [message] = rows(agent_runtime, Message, Message.id == inbound.id)
    assert message.status == "failed" and "overloaded" in message.error_message
    [out] = rows(agent_runtime, Message, Message.reply_to_id == inbound.id)
    assert "overloaded" in out.body and "next, due, stats" in out.body
    assert rows(agent_runtime, Interaction) == []
    assert [u.error is None for u in rows(agent_runtime, ProviderUsage)] == [True, False]
