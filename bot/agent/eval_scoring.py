"""Scoring ``calltime eval`` cases: the records a case expects against what was written.

``expect`` lists, per kind, the rows the case should leave behind; a kind not listed is
expected to stay empty (``"partial": true`` on a case checks only the kinds listed).
Each expected row names only the fields that matter; ``contact`` defaults to the case's
current contact.

=============== ===============================================================
kind            fields
=============== ===============================================================
interactions    ``outcome``
pledges         ``amount``, ``expected_by`` (``YYYY-MM-DD``), ``status``
payments        ``amount``, ``method``, ``method_name`` (kept in notes), ``reference``,
                ``paid_on`` (the local day paid, ``YYYY-MM-DD``)
followups       ``due`` (local ``YYYY-MM-DD HH:MM``), ``reason``; or a count
contacts        ``status`` (only contacts whose status changed)
notes           ``contains`` (only contacts whose notes changed)
=============== ===============================================================

A case is *exact* when every expected row was written and nothing else; a *wrongful
write* is a row written that the case did not expect (a pledge on the wrong donor, a
write where none was due, a wrong amount).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KINDS = ("interactions", "pledges", "payments", "followups", "contacts", "notes")


@dataclass
class Score:
    """The comparison of one case."""

    missing: list[str] = field(default_factory=list)
    wrongful: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.missing or self.wrongful or self.other)

    def problems(self) -> list[str]:
        return (
            [f"missing {m}" for m in self.missing]
            + [f"unexpected {w}" for w in self.wrongful]
            + self.other
        )


def _same(field_name: str, wanted: Any, found: Any) -> bool:
    if field_name == "amount" and wanted is not None:
        return found is not None and Decimal(str(wanted)) == Decimal(str(found))
    if field_name == "contains":
        return str(wanted).lower() in str(found or "").lower()
    return str(wanted) == str(found)


def _fits(wanted: dict[str, Any], row: dict[str, Any]) -> bool:
    return all(_same(key, value, row.get(key)) for key, value in wanted.items())


def score(case: dict[str, Any], found: dict[str, list[dict[str, Any]]], reply: str) -> Score:
    """Compare the rows written (``found``, by kind) with the case's ``expect``."""
    expect = case.get("expect") or {}
    result = Score()
    for kind in KINDS:
        if kind not in expect and case.get("partial"):
            continue
        wanted = expect.get(kind, [])
        if isinstance(wanted, int):
            if wanted != len(found[kind]):
                bucket = result.wrongful if len(found[kind]) > wanted else result.missing
                bucket.append(f"{kind}: {len(found[kind])} written, {wanted} expected")
            continue
        rows = list(found[kind])
        for entry in wanted:
            entry = {"contact": case.get("current"), **entry}
            match = next((row for row in rows if _fits(entry, row)), None)
            if match is None:
                result.missing.append(f"{kind[:-1]} {_show(entry)}")
            else:
                rows.remove(match)
        result.wrongful += [f"{kind[:-1]} {_show(row)}" for row in rows]
    needle = expect.get("reply_contains")
    if needle and needle.lower() not in reply.lower():
        result.other.append(f"reply does not contain {needle!r}")
    return result


def _show(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in row.items() if v is not None)


@dataclass
class Tally:
    cases: int = 0
    exact: int = 0
    wrongful: int = 0


def table(results: list[tuple[str, Score]]) -> list[str]:
    """Per category: cases, exact records, wrongful writes; then the total."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for category, result in results:
        for key in (category, "all"):
            tally = tallies[key]
            tally.cases += 1
            tally.exact += result.exact
            tally.wrongful += bool(result.wrongful)
    width = max([len(c) for c in tallies] + [8])
    lines = [f"{'category':<{width}}  cases  exact  exact %  wrongful writes"]
    for category in [*sorted(c for c in tallies if c != "all"), "all"]:
        t = tallies[category]
        share = 100 * t.exact / t.cases if t.cases else 0.0
        lines.append(
            f"{category:<{width}}  {t.cases:>5}  {t.exact:>5}  {share:>6.1f}%  {t.wrongful:>15}"
        )
    return lines
