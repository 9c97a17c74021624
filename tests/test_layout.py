"""The layout's rules, checked on the source: no import cycles, dependencies point one way.

Imports are read from the syntax tree, function-level ones included: an import hidden in
a function still makes two modules depend on each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tools", "memory")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, str]]:
    """``(imported module, imported name or "")`` for every import in ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            for alias in node.names:
                yield base, alias.name


def _target(module: str, name: str) -> str | None:
    """The project module an import loads (``from a import b`` may load module ``a.b``)."""
    candidate = f"{module}.{name}" if name else module
    if candidate in MODULES:
        return candidate
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module or None


def dependency_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, imported in _imports(name, path):
            if module.split(".")[0] in PACKAGES:
                target = _target(module, imported)
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_counting_function_level_imports() -> None:
    assert cycles(dependency_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("bot.engine", "bot.admin"),
        ("bot.engine", "bot.whatsapp"),
        ("bot.engine", "bot.agent"),
        ("tools", "bot.admin"),
        ("tools", "bot.whatsapp"),
        ("memory", "bot.admin"),
        ("memory", "bot.whatsapp"),
        ("memory", "tools"),
        ("bot.admin", "bot.app"),
        ("bot.whatsapp", "bot.app"),
    ],
)
def test_dependencies_point_one_way(importer: str, forbidden: str) -> None:
    graph = dependency_graph()
    offending = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if name == importer or name.startswith(importer + ".")
        for target in targets
        if target == forbidden or target.startswith(forbidden + ".")
    )
    assert offending == []


@pytest.mark.parametrize("package", ["tools", "memory"])
def test_tools_and_memory_never_import_flask(package: str) -> None:
    offending = [
        name
        for name, path in MODULES.items()
        if name.split(".")[0] == package
        for module, _ in _imports(name, path)
        if module.split(".")[0] in {"flask", "werkzeug"}
    ]
    assert offending == []


def test_no_module_imports_another_modules_private_names() -> None:
    offending = [
        f"{name}: from {module} import {imported}"
        for name, path in MODULES.items()
        for module, imported in _imports(name, path)
        if module.split(".")[0] in PACKAGES
        and imported.startswith("_")
        and not imported.startswith("__")
        and module != name
    ]
    assert offending == []
