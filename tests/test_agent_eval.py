"""``calltime eval``: cases through the planner on a scratch database."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from tests.scripted_llm import DUMMY_KEY, reply, tool_use

pytest_plugins = ("tests.agent_fixtures",)

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "eval_example.jsonl"


def _run(args, env=None):
    result = CliRunner(env=env).invoke(cli, ["eval", *args])
    return result.exit_code, result.output


def test_rules_mode_reports_matches_and_mismatches(tmp_path):
    code, output = _run([str(EXAMPLE), "--rules"])
    assert code == 0, output
    assert "planner: rules; 5 case(s)" in output
    assert "ok        pledge command on the current contact" in output
    assert "MISMATCH  free-text report (needs the model)" in output
    assert "pledges: expected [('Anita Sharma', '25000.00')], got []" in output
    assert output.rstrip().endswith("4/5 matched")


def _found_contact_id(body):
    result = body["messages"][-1]["content"][0]["content"]
    return json.loads(result)["contacts"][0]["id"]


def test_model_mode_uses_the_configured_model(tmp_path, scripted):
    case = {
        "name": "free text",
        "contacts": [{"name": "Anita Sharma"}],
        "message": "spoke to Anita, she'll give 25k by Friday",
        "expect": {"pledges": [{"contact": "Anita Sharma", "amount": "25000"}]},
    }
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(case) + "\n")
    scripted.add(
        reply(tool_use("search_contacts", {"query": "Anita"})),
        lambda body: reply(
            tool_use(
                "log_interaction",
                {"contact_id": _found_contact_id(body), "outcome": "pledged", "amount": "25000"},
            )
        ),
        reply("Logged Anita's pledge."),
    )
    env = {"ANTHROPIC_API_KEY": DUMMY_KEY, "ANTHROPIC_BASE_URL": scripted.url}
    code, output = _run([str(path)], env)
    assert code == 0, output
    assert "planner: model claude-haiku-4-5; 1 case(s)" in output
    assert output.rstrip().endswith("1/1 matched")
    assert len(scripted.requests) == 3


def test_a_bad_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"message": "na"}\nnot json\n')
    code, output = _run([str(path)])
    assert code != 0 and "line 2: not JSON" in output
