"""Issue 18, point 3: the command line explains itself, and the README's table is its map.

The README's command table is parsed and compared with the click tree both ways: every
command there exists with every option it names and names every required option and
argument; every command of the CLI appears there. Help texts carry no reST markup,
every option says what it is for, and every choice is written in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
#: reST roles and inline literals that click would print verbatim.
REST = re.compile(r"``|:(class|func|meth|data|attr|mod|ref):`")


def commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``group`` with its path, groups included (lazy ones loaded)."""
    for name in group.list_commands(click.Context(group)):
        command = subcommand(group, name)
        assert command is not None and command.name == name, (path, name)
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def subcommand(group: click.Group, name: str) -> click.Command | None:
    """``group``'s command ``name``, the way click finds it when it parses a command line."""
    return group.get_command(click.Context(group), name)


def leaves() -> dict[tuple[str, ...], click.Command]:
    return {path: cmd for path, cmd in commands() if not isinstance(cmd, click.Group)}


@dataclass
class Usage:
    """One command as the README writes it: ``calltime users add --project P …``."""

    text: str
    path: tuple[str, ...] = ()
    options: dict[str, str | None] = field(default_factory=dict)  # option → value written
    positionals: list[str] = field(default_factory=list)


def readme_usages() -> list[Usage]:
    """The backticked commands in the first column of the README's command table."""
    section = README.read_text().split("## Command line", 1)[1].split("\n## ", 1)[0]
    usages = []
    for line in section.splitlines():
        if not line.startswith("| `calltime"):
            continue
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        for n, text in enumerate(re.findall(r"`([^`]+)`", first_cell)):
            usages.append(parse_usage(text if n == 0 else f"calltime {text}"))
    return usages


def parse_usage(text: str) -> Usage:
    """Split ``text`` into the command path, the options (with values) and positionals."""
    tokens = text.replace("\\|", "|").replace("[", " ").replace("]", " ").split()
    assert tokens[0] == "calltime", text
    usage, rest = Usage(text), tokens[1:]
    group: click.Command | None = cli
    while rest and isinstance(group, click.Group) and subcommand(group, rest[0]):
        usage.path += (rest[0],)
        group = subcommand(group, rest.pop(0))
    command = leaves().get(usage.path)
    assert command is not None, f"README: {text!r} is not a command of calltime"
    while rest:
        token = rest.pop(0)
        if not token.startswith("-"):
            usage.positionals.append(token)
            continue
        param = option(command, token)
        takes_value = param is not None and not param.is_flag and not param.count
        value = rest.pop(0) if takes_value and rest and not rest[0].startswith("-") else None
        usage.options[token] = value
    return usage


def option(command: click.Command, name: str) -> click.Option | None:
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


USAGES = readme_usages()


def test_the_readme_table_was_found() -> None:
    assert len(USAGES) >= 30


@pytest.mark.parametrize("usage", USAGES, ids=[u.text for u in USAGES])
def test_every_readme_command_exists_as_written(usage: Usage) -> None:
    command = leaves()[usage.path]
    for name, value in usage.options.items():
        param = option(command, name)
        assert param is not None, f"{usage.text!r}: calltime {' '.join(usage.path)} has no {name}"
        if isinstance(param.type, click.Choice) and value and "|" in value:
            assert set(value.split("|")) == set(param.type.choices), usage.text
    for param in command.params:
        if isinstance(param, click.Option) and param.required:
            assert set(param.opts) & set(usage.options), f"{usage.text!r} lacks {param.opts}"
    required_args = [p for p in command.params if isinstance(p, click.Argument) and p.required]
    assert len(usage.positionals) >= len(required_args), f"{usage.text!r} lacks an argument"


def test_every_command_is_in_the_readme() -> None:
    written = {usage.path for usage in USAGES}
    missing = [" ".join(path) for path in leaves() if path not in written]
    assert not missing, f"commands missing from the README's table: {missing}"


def test_the_checker_catches_a_wrong_table() -> None:
    """The comparison itself can fail: a missing -p and an unknown option are caught."""
    reindex = parse_usage("calltime models reindex")
    with pytest.raises(AssertionError, match="lacks"):
        test_every_readme_command_exists_as_written(reindex)
    with pytest.raises(AssertionError, match="has no --colour"):
        test_every_readme_command_exists_as_written(parse_usage("calltime demo --colour"))
    with pytest.raises(AssertionError, match="not a command"):
        parse_usage("calltime models refresh")


@pytest.mark.parametrize(
    "path", [path for path, _ in commands()], ids=[" ".join(p) for p, _ in commands()]
)
def test_help_is_plain_text_and_every_option_explains_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert not REST.search(result.output), result.output
    command = dict(commands())[path]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"calltime {' '.join(path)} {param.opts[0]} has no help"


def test_choices_and_defaults_are_in_lower_case() -> None:
    for path, command in commands():
        for param in command.params:
            if isinstance(param.type, click.Choice):
                choices = list(param.type.choices)
                assert choices == [c.lower() for c in choices], (path, param.name)
                if isinstance(param.default, str):  # no default is fine too
                    assert param.default in choices, (path, param.name, param.default)


def test_top_level_help_has_version_and_no_rest() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    assert "--version" in output and not REST.search(output)
    serve = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=120).output
    assert "--host TEXT" in serve and "Address to listen on" in serve
    assert "--port INTEGER RANGE" in serve and "Port to listen on" in serve
