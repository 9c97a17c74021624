"""Routing around the model: commands and feedback never call it; free text does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.engine.amounts import find_amounts
from bot.models import Interaction, ProviderUsage, RlhfInteraction
from bot.turn.feedback import parse_feedback
from tests.agent_support import rows, run_turn
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import reply

pytest_plugins = ("tests.agent_fixtures",)


def test_commands_make_no_model_call_even_with_a_key(agent_runtime, scripted):
    project = make_project(agent_runtime.db)
    user = make_user(agent_runtime.db, project)
    make_contact(agent_runtime.db, project, "Anita Sharma")
    for command in ("next", "due", "stats", "help", "undo"):
        turn = run_turn(agent_runtime, project, user, command)
        assert turn.reply.text, command

    assert scripted.requests == []
    assert rows(agent_runtime, ProviderUsage) == []


def test_free_text_without_a_key_gets_the_rules_answer(runtime):
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    turn = run_turn(runtime, project, user, "can you remind me what to say to lapsed donors")
    assert turn.reply.text and rows(runtime, ProviderUsage) == []
    assert rows(runtime, Interaction) == []


def test_feedback_after_a_rules_draft_is_stored_without_a_model_call(agent_runtime, scripted):
    project = make_project(agent_runtime.db)
    user = make_user(agent_runtime.db, project)
    nothing = run_turn(agent_runtime, project, user, "👍")
    assert "no recent draft" in nothing.reply.text
    assert rows(agent_runtime, RlhfInteraction) == []

    draft = "Namaste Anita ji, thank you for your support…"
    turn = run_turn(
        agent_runtime,
        project,
        user,
        "👎 too formal",
        state={"last_prompt_type": "next", "last_draft": draft},
    )

    assert scripted.requests == []
    [rating] = rows(agent_runtime, RlhfInteraction)
    assert (rating.prompt_type, rating.rating, rating.comment) == ("next", 1, "too formal")
    assert (rating.provider, rating.model, rating.draft) == (None, "rules", draft)
    assert (rating.user_id, rating.session_id) == (user.id, turn.session_id)
    assert turn.state.last_prompt_type is None


def test_feedback_on_a_model_reply_names_provider_and_model(agent_runtime, scripted):
    project = make_project(agent_runtime.db)
    user = make_user(agent_runtime.db, project)
    scripted.add(reply("Here is a draft for Anita: Hi Anita! Thank you so much for …"))
    run_turn(agent_runtime, project, user, "draft something for Anita")
    run_turn(agent_runtime, project, user, "too long")

    assert len(scripted.requests) == 1
    [rating] = rows(agent_runtime, RlhfInteraction)
    assert (rating.prompt_type, rating.rating, rating.comment) == ("free", 2, "too long")
    assert (rating.provider, rating.model) == ("anthropic", "claude-haiku-4-5")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("👍", (5, None)),
        ("👍🏽", (5, None)),
        ("👎 too long", (1, "too long")),
        ("Too long", (2, "too long")),
        ("wrong tone!", (2, "wrong tone")),
        ("too long a call with Anita, she pledged", None),
        ("next", None),
    ],
)
def test_parse_feedback(text, expected):
    assert parse_feedback(text) == expected


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("she'll give 25k by Friday", "25000"),
        ("pledged 25,000", "25000"),
        ("paid ₹1,500 via upi", "1500"),
        ("2.5 lakh next month", "250000"),
        ("1 cr someday", "10000000"),
    ],
)
def test_amounts_the_operator_wrote(text, amount):
    assert Decimal(amount) in find_amounts(text)
