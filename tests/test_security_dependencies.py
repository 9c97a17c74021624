"""Issue 17, point 11: every dependency is pinned with hashes, past known fixes, and the
test environment was installed from the lock (``make test`` does it)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: Versions with known vulnerabilities that the lower bounds must exclude.
VULNERABLE = {
    "gunicorn": "22.0.0",  # CVE-2024-6827, fixed in 23.0.0
    "werkzeug": "3.0.5",  # CVE-2024-49766 / 49767, fixed in 3.0.6
    "jinja2": "3.1.5",  # CVE-2025-27516, fixed in 3.1.6
    "h11": "0.14.0",  # CVE-2025-43859, fixed in 0.16.0
    "requests": "2.32.3",  # CVE-2024-47081, fixed in 2.32.4
    "urllib3": "2.4.0",  # CVE-2025-50181, fixed in 2.5.0
}


def _locked(name: str) -> dict[str, tuple[Requirement, list[str]]]:
    """``requirements/<name>.txt`` as {package: (requirement, hashes)}."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split("\\", 1)[0].strip()
        if not first or first.startswith("#"):
            continue
        requirement = Requirement(first)
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        entries[canonicalize_name(requirement.name)] = (requirement, hashes)
    return entries


def _pinned(requirement: Requirement) -> str:
    [spec] = list(requirement.specifier)
    assert spec.operator == "==", requirement
    return spec.version


def _declared(extras: tuple[str, ...]) -> list[Requirement]:
    project = PYPROJECT["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "calltime":
                found += _declared(tuple(requirement.extras))
            else:
                found.append(requirement)
    return found


@pytest.mark.parametrize(("lock", "extras"), [("base", ()), ("dev", ("dev",))])
def test_every_dependency_is_pinned_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    locked = _locked(lock)
    assert locked, f"requirements/{lock}.txt is empty"
    for name, (requirement, hashes) in locked.items():
        assert hashes, f"{name} has no hash in requirements/{lock}.txt"
        _pinned(requirement)
    for requirement in _declared(extras):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} (pyproject) is not in requirements/{lock}.txt"
        assert requirement.specifier.contains(_pinned(locked[name][0]), prereleases=True)


def test_lower_bounds_exclude_versions_with_known_vulnerabilities() -> None:
    declared = {canonicalize_name(r.name): r.specifier for r in _declared(("dev",))}
    for name, bad in VULNERABLE.items():
        assert not declared.get(name, SpecifierSet()).contains(bad), f"{name} {bad} allowed"
        pinned = _pinned(_locked("base")[name][0])
        assert not SpecifierSet(f"<={bad}").contains(pinned), f"{name} pinned at {pinned}"
    anthropic = declared["anthropic"]
    assert any(spec.operator == "<" for spec in anthropic), "anthropic needs an upper bound"


def test_the_test_environment_was_installed_from_the_lock() -> None:
    environment = default_environment()
    for name, (requirement, _) in _locked("dev").items():
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        assert metadata.version(name) == _pinned(requirement), f"{name} is not the locked one"


def test_make_installs_with_hash_checking() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for lock in ("base", "dev", "audit"):
        assert re.search(rf"\$\(PIP_LOCKED\) -r requirements/{lock}\.txt", makefile), lock
    assert "PIP_LOCKED := --quiet --require-hashes --no-deps" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert re.search(r"^audit: ", makefile, re.M) and "pip-audit" in makefile
