"""``calltime eval FILE.jsonl``: score the planner on operator messages with expected records."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from bot.agent.evaluation import load_cases, run_case
from bot.app import build_settings
from bot.migrate import upgrade
from bot.runtime import Runtime


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rules", "rules_only", is_flag=True, help="Use the rules planner even when a key is set."
)
def eval_command(file: Path, rules_only: bool) -> None:
    """Run the operator messages in FILE through the planner against a scratch database.

    Uses the model when ANTHROPIC_API_KEY is set (unless --rules), else the rules
    planner. Prints each mismatch and how many cases matched.
    """
    try:
        cases = load_cases(file)
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="calltime-eval-") as scratch:
        settings = build_settings(
            {"database_url": f"sqlite:///{scratch}/eval.db", "instance_path": Path(scratch)}
        )
        if rules_only:
            settings = settings.model_copy(update={"anthropic_api_key": None})
        runtime = Runtime.from_settings(settings)
        upgrade(runtime.db.engine)
        mode = "model " + settings.llm_model if settings.anthropic_api_key else "rules"
        click.echo(f"planner: {mode}; {len(cases)} case(s)")
        try:
            results = [run_case(runtime, i, case) for i, case in enumerate(cases, start=1)]
        finally:
            runtime.db.dispose()
    for result in results:
        if result.matched:
            click.echo(f"ok        {result.name}")
            continue
        click.echo(f"MISMATCH  {result.name}")
        for problem in result.problems:
            click.echo(f"          {problem}")
        click.echo(f"          reply: {result.reply[:200]!r}")
    matched = sum(r.matched for r in results)
    click.echo(f"{matched}/{len(results)} matched")
