"""Whom to call now: a deterministic, explainable ranking.

Candidates come from small indexed pools (so the query cost does not grow with the
contact list; see :mod:`bot.engine.candidate_pools`): follow-ups due today or overdue,
open pledges near ``expected_by``, reschedules whose time has come, the strongest
relationships, the longest uncontacted, and ``vip``/``renewal`` tags. Each candidate is
then scored with :data:`WEIGHTS` and carries its one or two strongest reasons.

Never returned: ``do_not_contact``/``inactive``/deleted contacts, contacts already
contacted today (operator's timezone), and contacts assigned to another operator.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.engine.amounts import format_money
from bot.engine.candidate_pools import CONTACT_COLUMNS, POOLS, TAGS, pool_rows
from bot.engine.timezones import operator_tz
from bot.engine.when import local_day_bounds
from bot.models import Contact, Followup, Pledge, Project, User
from bot.store import NotFound, ProjectScope

#: Points per rule; the reasons shown are the highest-scoring ones.
WEIGHTS = {
    "preferred": 5000,
    "followup_overdue": 1000,
    "followup_due": 800,
    "pledge_due": 600,
    "reschedule": 500,
    "tag_vip": 60,
    "tag_renewal": 45,
    "per_strength": 20,
    "per_stale_day": 0.5,
}
CAPACITY_POINTS = {"1L+": 60, "25k-1L": 40, "5k-25k": 20}
STALE_CAP_DAYS = 90


@dataclass
class RankedContact:
    """A suggestion: the contact, why (human words), and the score behind it."""

    contact: Contact
    reasons: list[str]
    score: float
    followup: Followup | None = None
    pledge: Pledge | None = None


@dataclass
class _Candidate:
    """Scoring state for one contact, built from plain columns (no ORM objects)."""

    row: Any  # (id, display_name, relationship_strength, capacity_band, last_contacted_at)
    scored: list[tuple[float, str]] = field(default_factory=list)
    followup_id: uuid.UUID | None = None
    pledge_id: uuid.UUID | None = None
    score: float = 0.0
    tag_bits: int = 0  # 1: vip, 2: renewal (see candidate_pools.pool_rows)


def _local_day(moment: datetime, tz: Any) -> str:
    return f"{moment.astimezone(tz):%a %d %b}".replace(" 0", " ")


def _candidates(
    scope: ProjectScope, user: User, now: datetime, tz: Any, prefer: list[uuid.UUID]
) -> dict[uuid.UUID, _Candidate]:
    day_start = local_day_bounds(now, tz)[0]
    found: dict[uuid.UUID, _Candidate] = {}
    for row in pool_rows(scope, user, now, tz, prefer):
        candidate = found.get(row.contact_id)
        if candidate is None:
            contact = tuple(row[1 : 1 + len(CONTACT_COLUMNS)])
            candidate = found[row.contact_id] = _Candidate(contact, tag_bits=row.tag_bits)
        pool = POOLS[row.pool]
        if pool == "followup":
            overdue = row.due_at < day_start
            hours = max((now - row.due_at).total_seconds() / 3600, 0)
            points = WEIGHTS["followup_overdue" if overdue else "followup_due"] + min(hours, 72)
            reason = _followup_reason(row.reason, row.due_at, tz, overdue)
            candidate.scored.append((points, reason))
            candidate.followup_id = candidate.followup_id or row.followup_id
        elif pool == "pledge":
            why = (
                f"pledged {format_money(row.amount)} on {_local_day(row.pledged_at, tz)}, "
                f"unpaid; due {row.expected:%a %d %b}".replace(" 0", " ")
            )
            candidate.scored.append((WEIGHTS["pledge_due"], why))
            candidate.pledge_id = row.pledge_id
        elif pool == "reschedule":
            candidate.scored.append((WEIGHTS["reschedule"], "asked to be called back now"))
    return found


def _followup_reason(reason: str | None, due_at: datetime, tz: Any, overdue: bool) -> str:
    what = {
        "no_response": "no answer last time",
        "reschedule": "asked for a call back",
        "send_payment_link": "payment reminder",
    }.get(reason or "", reason or "follow-up")
    local = due_at.astimezone(tz)
    when = _local_day(due_at, tz) if overdue else f"{local:%I:%M %p}".lstrip("0") + " today"
    return f"{what} – {'overdue since' if overdue else 'due'} {when}"


def _static_points(candidate: _Candidate, now: datetime) -> None:
    _, _, strength, band, last = candidate.row
    candidate.scored.append((WEIGHTS["per_strength"] * strength, f"relationship {strength}/5"))
    if band in CAPACITY_POINTS:
        candidate.scored.append((CAPACITY_POINTS[band], f"capacity {band}"))
    for bit, tag in enumerate(TAGS):
        if candidate.tag_bits & (1 << bit):
            candidate.scored.append(
                (WEIGHTS[f"tag_{tag}"], "VIP" if tag == "vip" else "renewal due")
            )
    days = STALE_CAP_DAYS if last is None else min((now - last).days, STALE_CAP_DAYS)
    words = "never contacted" if last is None else f"last contacted {days} days ago"
    candidate.scored.append((WEIGHTS["per_stale_day"] * days, words))


def next_contacts(
    scope: ProjectScope,
    user: User,
    now: datetime,
    *,
    limit: int = 3,
    prefer_ids: Iterable[uuid.UUID] = (),
    exclude_ids: Iterable[uuid.UUID] = (),
) -> list[RankedContact]:
    """The ``limit`` best contacts for ``user`` to call at ``now``, best first.

    Args:
        prefer_ids: contacts to offer first when still eligible (nudged follow-ups).
        exclude_ids: contacts to leave out this time (skipped in the session).
    """
    tz = operator_tz(user, scope.session.get(Project, scope.project_id))
    prefer = list(dict.fromkeys(prefer_ids))
    found = _candidates(scope, user, now, tz, prefer)
    for contact_id in exclude_ids:
        found.pop(contact_id, None)
    for contact_id, candidate in found.items():
        _static_points(candidate, now)
        candidate.score = round(sum(points for points, _ in candidate.scored), 2)
        if contact_id in prefer:
            candidate.score += WEIGHTS["preferred"] - prefer.index(contact_id)
    best = sorted(found.values(), key=lambda c: (-c.score, c.row[1], str(c.row[0])))[:limit]
    return _ranked(scope, best)


def _ranked(scope: ProjectScope, best: list[_Candidate]) -> list[RankedContact]:
    """Load the rows behind the winning candidates (one statement per table)."""
    contacts = _by_id(scope, Contact, [c.row[0] for c in best])
    followups = _by_id(scope, Followup, [c.followup_id for c in best if c.followup_id])
    pledges = _by_id(scope, Pledge, [c.pledge_id for c in best if c.pledge_id])
    ranked = []
    for candidate in best:
        if candidate.row[0] not in contacts:
            raise NotFound(f"contacts {candidate.row[0]} not found")
        ranked.append(
            RankedContact(
                contact=contacts[candidate.row[0]],
                reasons=[r for _, r in sorted(candidate.scored, key=lambda i: -i[0])[:2]],
                score=candidate.score,
                followup=followups.get(candidate.followup_id),
                pledge=pledges.get(candidate.pledge_id),
            )
        )
    return ranked


def _by_id(scope: ProjectScope, model: Any, ids: list[uuid.UUID]) -> dict[Any, Any]:
    return {row.id: row for row in scope.all(model, model.id.in_(ids))} if ids else {}
