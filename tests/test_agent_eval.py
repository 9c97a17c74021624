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
    assert "planner: rules; 6 cases" in output
    assert "ok        pledge command on the current contact" in output
    assert "ok        free text, read back then confirmed" in output
    assert "MISMATCH  free text the rules cannot read (needs the model)" in output
    assert "missing pledge contact=Anita Sharma, amount=25000" in output
    assert "eval_example      6      5    83.3%                0" in output.splitlines()
    assert output.rstrip().endswith("5/6 matched")


def _found_contact_id(body):
    result = body["messages"][-1]["content"][0]["content"]
    return json.loads(result)["contacts"][0]["id"]


def test_model_mode_uses_the_configured_model(tmp_path, scripted):
    case = {
        "name": "free text",
        "contacts": [{"name": "Anita Sharma"}],
        "message": "spoke to Anita, she'll give 25k by Friday, prefers evening calls",
        "partial": True,
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
    assert "planner: model claude-haiku-4-5; 1 case" in output
    assert output.rstrip().endswith("1/1 matched")
    assert len(scripted.requests) == 3


def test_a_malformed_line_is_reported_and_the_other_cases_still_run(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"message": "na", "partial": true}\nnot json\n{"nomessage": 1}\n'
        '{"message": "next", "setup": "x"}\n'
    )
    code, output = _run([str(path)])
    assert code != 0
    assert "bad.jsonl line 2: not JSON" in output
    assert "bad.jsonl line 3: a case needs a 'message' string" in output
    assert "bad.jsonl line 4: 'setup' is a list" in output
    assert "1/1 matched" in output


def _case(message: str, expect: dict, **extra) -> dict:
    return {
        "name": message,
        "current": "Anita Sharma",
        "message": message,
        "expect": expect,
        **extra,
    }


def test_dates_times_methods_statuses_and_setup_messages_are_scored(tmp_path):
    cases = [
        _case(
            "pledged 25k by fri",
            {
                "interactions": [{"outcome": "pledged"}],
                "pledges": [{"amount": "25000", "expected_by": "2026-11-28"}],
                "followups": [{"due": "2026-11-28 10:00"}],
            },
            category="dates",
        ),
        _case(
            "busy, call back at 6pm",
            {
                "interactions": [{"outcome": "no_response"}],
                "followups": [{"due": "2026-11-26 18:00", "reason": "no_response"}],
            },
            category="dates",
        ),
        _case(
            "paid 50000 by cheque ref 004512",
            {
                "interactions": [{"outcome": "paid"}],
                "payments": [
                    {
                        "amount": "50000",
                        "method": "other",
                        "method_name": "cheque",
                        "reference": "004512",
                    }
                ],
            },
            category="payments",
        ),
        _case(
            "wrong number",
            {
                "interactions": [{"outcome": "wrong_number"}],
                "contacts": [{"status": "inactive"}],
            },
            category="payments",
        ),
        _case("yes", {}, setup=["spoke to Ravi, pledged 10k", "stats"], category="free_text"),
        _case(
            "2",
            {
                "interactions": [{"contact": "Anita Sharma", "outcome": "paid"}],
                "payments": [{"contact": "Anita Sharma", "amount": "5000", "method": "cash"}],
            },
            setup=["Anita ne 5000 cash diya"],
            category="free_text",
        ),
        _case("pledged 25k", {}, current="Ravi Kumar", category="free_text"),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n")
    code, output = _run([str(path), "--rules", "--quiet", "--fail-under", "50"])
    assert "MISMATCH  pledged 25k by fri" in output  # Friday is 27 Nov: the case is wrong
    assert "missing pledge contact=Anita Sharma, amount=25000, expected_by=2026-11-28" in output
    assert (
        "unexpected pledge contact=Anita Sharma, amount=25000.00, expected_by=2026-11-27" in output
    )
    assert "MISMATCH  pledged 25k" in output and "unexpected pledge contact=Ravi Kumar" in output
    rows = {line.split()[0]: line.split()[1:] for line in output.splitlines() if line.strip()}
    assert rows["dates"] == ["2", "1", "50.0%", "1"]
    assert rows["free_text"] == ["3", "2", "66.7%", "1"]
    assert rows["payments"] == ["2", "2", "100.0%", "0"]
    assert rows["all"] == ["7", "5", "71.4%", "2"]
    assert code != 0 and "wrongful writes" in output  # --fail-under fails on a wrongful write
