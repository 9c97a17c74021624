"""``calltime eval FILES…``: score the planner on operator messages with expected records."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.engine.wording import plural

if TYPE_CHECKING:
    from bot.agent.evaluation import CaseResult


@click.command("eval")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--rules", "rules_only", is_flag=True, help="Use the rules planner even when a key is set."
)
@click.option("--quiet", is_flag=True, help="Print only mismatches and the table.")
@click.option(
    "--fail-under",
    type=float,
    default=None,
    help="Exit 1 when exact records fall below this percentage or any write was wrongful.",
)
def eval_command(
    files: tuple[Path, ...], rules_only: bool, quiet: bool, fail_under: float | None
) -> None:
    """Run the operator messages in FILES through the planner against a scratch database.

    Uses the model when ANTHROPIC_API_KEY is set (unless --rules), else the rules
    planner. Prints each mismatch, a table per category (cases, exact records, wrongful
    writes) and how many cases matched. A malformed line is reported and skipped.
    """
    # The planner and the agent: loaded only when an evaluation runs (``--help`` stays quick).
    from bot.agent.eval_scoring import table
    from bot.agent.evaluation import load_cases

    cases, errors = [], []
    for file in files:
        found, bad = load_cases(file)
        cases += found
        errors += bad
    for error in errors:
        click.echo(f"SKIPPED   {error}", err=True)
    results = _run(cases, rules_only)
    for result in results:
        _report(result, quiet)
    click.echo("\n".join(table([(r.category, r.score) for r in results])))
    matched = sum(r.matched for r in results)
    click.echo(f"{matched}/{len(results)} matched")
    wrongful = sum(bool(r.score.wrongful) for r in results)
    if errors:
        raise click.ClickException(f"{plural(len(errors), 'malformed case line')} skipped")
    if fail_under is not None and (wrongful or 100 * matched < fail_under * len(results)):
        raise click.ClickException(f"below {fail_under}% exact or wrongful writes")


def _run(cases: list[dict[str, Any]], rules_only: bool) -> list[CaseResult]:
    from bot.agent.evaluation import EVAL_NOW, run_case
    from bot.app import build_settings
    from bot.clock import FrozenClock
    from bot.migrate import upgrade
    from bot.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="calltime-eval-") as scratch:
        settings = build_settings(
            {"database_url": f"sqlite:///{scratch}/eval.db", "instance_path": Path(scratch)}
        )
        if rules_only:
            settings = settings.model_copy(update={"anthropic_api_key": None})
        runtime = Runtime.from_settings(settings, FrozenClock(EVAL_NOW))
        upgrade(runtime.db.engine)
        mode = "model " + settings.llm_model if settings.anthropic_api_key else "rules"
        click.echo(f"planner: {mode}; {plural(len(cases), 'case')}")
        try:
            return [run_case(runtime, i, case) for i, case in enumerate(cases, start=1)]
        finally:
            runtime.db.dispose()


def _report(result: CaseResult, quiet: bool) -> None:
    if result.matched:
        if not quiet:
            click.echo(f"ok        {result.name}")
        return
    click.echo(f"MISMATCH  {result.name}")
    for problem in result.problems:
        click.echo(f"          {problem}")
    click.echo(f"          reply: {result.reply[:200]!r}")
