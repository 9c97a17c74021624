"""Whom to call now: a deterministic, explainable ranking.

Candidates come from small indexed pools (so the query cost does not grow with the
contact list): follow-ups due today or overdue, open pledges near ``expected_by``,
reschedules whose time has come, the strongest relationships, the longest
uncontacted, and ``vip``/``renewal`` tags (one statement for all of them, see
:mod:`bot.engine.candidate_pools`). Each candidate is then scored with
:data:`WEIGHTS` and carries its one or two strongest reasons.

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
from bot.engine.candidate_pools import contact_key, pool_rows
from bot.engine.timezones import operator_tz
from bot.engine.when import local_day_bounds
from bot.engine.wording import day_text, time_text
from bot.models import Contact, Followup, Pledge, Project, User
from bot.store import ProjectScope

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


#: A scored rule: its points, its kind and what its words need. Words are written only
#: for the winners (:func:`_words`), not for the few hundred candidates scored.
Scored = tuple[float, str, Any]


@dataclass
class _Candidate:
    """Scoring state for one contact, built from plain columns (no ORM objects)."""

    row: Any  # (key, display_name, relationship_strength, capacity_band, last_contacted_at)
    scored: list[Scored] = field(default_factory=list)
    followup_id: uuid.UUID | None = None
    pledge_id: uuid.UUID | None = None
    score: float = 0.0

    @property
    def contact_id(self) -> uuid.UUID:
        return uuid.UUID(hex=self.row[0])


def _candidates(
    scope: ProjectScope, user: User, now: datetime, tz: Any, pools: dict[str, list[Any]]
) -> dict[str, _Candidate]:
    """The pooled contacts by key (:func:`~bot.engine.candidate_pools.contact_key`)."""
    day_start = local_day_bounds(now, tz)[0]
    found: dict[str, _Candidate] = {}

    def add(row: Any, points: float = 0, kind: str = "", detail: Any = None) -> _Candidate:
        candidate = found.get(row[0])
        if candidate is None:
            candidate = found[row[0]] = _Candidate(tuple(row))
        if kind:
            candidate.scored.append((points, kind, detail))
        return candidate

    for row in pools["prefer"]:
        add(row)
    for followup_id, due_at, reason, *row in pools["followup"]:
        overdue = due_at < day_start
        hours = max((now - due_at).total_seconds() / 3600, 0)
        points = WEIGHTS["followup_overdue" if overdue else "followup_due"] + min(hours, 72)
        candidate = add(row, points, "followup", (reason, due_at, overdue))
        candidate.followup_id = candidate.followup_id or followup_id
    for pledge_id, amount, _pledged_at, expected_by, *row in pools["pledge"]:
        add(row, WEIGHTS["pledge_due"], "pledge", (amount, expected_by)).pledge_id = pledge_id
    for row in pools["reschedule"]:
        add(row, WEIGHTS["reschedule"], "reschedule")
    for name in ("strength", "stale", "tagged"):
        for row in pools[name]:
            add(row)
    return found


def _words(kind: str, detail: Any, tz: Any) -> tuple[str, str]:
    """A scored rule in words: in full, and without its date (a card shows one date)."""
    if kind == "followup":
        reason, due_at, overdue = detail
        what = {
            "no_response": "no answer last time",
            "reschedule": "asked for a call back",
            "send_payment_link": "payment reminder",
        }.get(reason or "", reason or "follow-up")
        when = day_text(due_at, tz) if overdue else f"{time_text(due_at.astimezone(tz))} today"
        return f"{what} – {'overdue since' if overdue else 'due'} {when}", what
    if kind == "pledge":
        amount, expected_by = detail
        what = f"pledged {format_money(amount)}, unpaid"
        return f"{what} – due {day_text(expected_by)}", what
    if kind == "strength":
        words = f"relationship {detail}/5"
    elif kind == "capacity":
        words = f"capacity {detail}"
    elif kind == "tag":
        words = "VIP" if detail == "vip" else "renewal due"
    elif kind == "stale":
        words = "never contacted" if detail is None else f"last contacted {detail} days ago"
    else:  # reschedule
        words = "asked to be called back now"
    return words, words


def _static_points(candidate: _Candidate, tags: frozenset[str], now: datetime) -> None:
    _, _, strength, band, last = candidate.row
    scored = candidate.scored
    scored.append((WEIGHTS["per_strength"] * strength, "strength", strength))
    if band in CAPACITY_POINTS:
        scored.append((CAPACITY_POINTS[band], "capacity", band))
    for tag in ("vip", "renewal"):
        if tag in tags:
            scored.append((WEIGHTS[f"tag_{tag}"], "tag", tag))
    if last is None:
        scored.append((WEIGHTS["per_stale_day"] * STALE_CAP_DAYS, "stale", None))
    else:
        days = min((now - last).days, STALE_CAP_DAYS)
        scored.append((WEIGHTS["per_stale_day"] * days, "stale", days))


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
    pools, tags = pool_rows(scope, user, now, tz, prefer)
    found = _candidates(scope, user, now, tz, pools)
    for contact_id in exclude_ids:
        found.pop(contact_key(contact_id), None)
    preferred = [contact_key(contact_id) for contact_id in prefer]
    untagged: frozenset[str] = frozenset()
    for key, candidate in found.items():
        _static_points(candidate, tags.get(key, untagged), now)
        candidate.score = round(sum(scored[0] for scored in candidate.scored), 2)
        if key in preferred:
            candidate.score += WEIGHTS["preferred"] - preferred.index(key)
    # Ties go to the name, then the key: same-length lowercase hex orders as the UUID.
    best = sorted(found.values(), key=lambda c: (-c.score, c.row[1], c.row[0]))[:limit]
    loaded = _load_winners(scope, best)  # noqa: F841 (held so the identity map keeps them)
    return [_ranked(scope, candidate, tz) for candidate in best]


def _ranked(scope: ProjectScope, candidate: _Candidate, tz: Any) -> RankedContact:
    """Load the rows behind a winning candidate, and say its two strongest reasons."""
    best = [
        _words(kind, detail, tz)
        for _, kind, detail in sorted(candidate.scored, key=lambda item: -item[0])[:2]
    ]
    # One date in the "Why" line: a second reason drops its date when the first has one.
    reasons = [best[0][0], best[1][1] if best[0][0] != best[0][1] else best[1][0]][: len(best)]
    return RankedContact(
        contact=scope.require(Contact, candidate.contact_id),
        reasons=reasons,
        score=candidate.score,
        followup=scope.get(Followup, candidate.followup_id) if candidate.followup_id else None,
        pledge=scope.get(Pledge, candidate.pledge_id) if candidate.pledge_id else None,
    )


def _load_winners(scope: ProjectScope, best: list[_Candidate]) -> list[Any]:
    """Load the winners' rows in one statement per table, so :func:`_ranked` finds them
    in the session (its lookups by primary key then run no SQL)."""
    wanted = (
        (Contact, [c.contact_id for c in best]),
        (Followup, [c.followup_id for c in best if c.followup_id]),
        (Pledge, [c.pledge_id for c in best if c.pledge_id]),
    )
    return [scope.all(model, model.id.in_(ids)) for model, ids in wanted if ids]
