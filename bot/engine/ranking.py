"""Whom to call now: a deterministic, explainable ranking.

Candidates come from small indexed pools (so the query cost does not grow with the
contact list): follow-ups due today or overdue, open pledges near ``expected_by``,
reschedules whose time has come, the strongest relationships, the longest
uncontacted, and ``vip``/``renewal`` tags. Each candidate is then scored with
:data:`WEIGHTS` and carries its one or two strongest reasons.

Never returned: ``do_not_contact``/``inactive``/deleted contacts, contacts already
contacted today (operator's timezone), and contacts assigned to another operator.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from bot.engine.amounts import format_inr
from bot.engine.timezones import operator_tz
from bot.engine.when import local_day_bounds
from bot.models import Contact, ContactTag, Followup, Pledge, Project, User
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
POOL = 150
PLEDGE_WINDOW_DAYS = 3
STALE_CAP_DAYS = 90


@dataclass
class RankedContact:
    """A suggestion: the contact, why (human words), and the score behind it."""

    contact: Contact
    reasons: list[str]
    score: float
    followup: Followup | None = None
    pledge: Pledge | None = None
    _scored: list[tuple[float, str]] = field(default_factory=list, repr=False)


def eligible(user: User, day_start: datetime) -> list[Any]:
    """SQL conditions every suggested contact must meet."""
    return [
        Contact.status == "active",
        Contact.deleted_at.is_(None),
        or_(Contact.last_contacted_at.is_(None), Contact.last_contacted_at < day_start),
        or_(Contact.assigned_to_user_id.is_(None), Contact.assigned_to_user_id == user.id),
    ]


def _contacts(scope: ProjectScope, where: list[Any], order: Sequence[Any]) -> list[Contact]:
    return scope.all(Contact, *where, order_by=list(order), limit=POOL)


def _joined(scope: ProjectScope, model: Any, cond: list[Any], where: list[Any], order: Any):  # type: ignore[no-untyped-def]
    stmt = (
        select(model, Contact)
        .join(Contact, Contact.id == model.contact_id)
        .where(model.project_id == scope.project_id, Contact.project_id == scope.project_id)
        .where(*cond, *where)
        .order_by(*order)
        .limit(POOL)
    )
    return [tuple(row) for row in scope.session.execute(stmt)]


def _local_day(moment: datetime, tz: Any) -> str:
    return f"{moment.astimezone(tz):%a %d %b}".replace(" 0", " ")


def _candidates(scope: ProjectScope, user: User, now: datetime, tz: Any,
                prefer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, RankedContact]:  # fmt: skip
    day_start, day_end = local_day_bounds(now, tz)
    where = eligible(user, day_start)
    found: dict[uuid.UUID, RankedContact] = {}

    def add(contact: Contact, points: float, reason: str | None) -> RankedContact:
        ranked = found.setdefault(contact.id, RankedContact(contact, [], 0.0))
        if reason is not None:
            ranked._scored.append((points, reason))
        return ranked

    prefer = list(dict.fromkeys(prefer_ids))
    if prefer:
        for contact in scope.all(Contact, Contact.id.in_(prefer), *where):
            add(contact, 0, None)
    followups = _joined(
        scope, Followup,
        [Followup.status.in_(("scheduled", "due")), Followup.due_at < day_end,
         or_(Followup.assigned_to_user_id.is_(None), Followup.assigned_to_user_id == user.id)],
        where, [Followup.due_at, Followup.id],
    )  # fmt: skip
    for followup, contact in followups:
        overdue = followup.due_at < day_start
        key = "followup_overdue" if overdue else "followup_due"
        hours = max((now - followup.due_at).total_seconds() / 3600, 0)
        why = _followup_reason(followup, tz, overdue)
        ranked = add(contact, WEIGHTS[key] + min(hours, 72), why)
        ranked.followup = ranked.followup or followup
    horizon = now.astimezone(tz).date() + timedelta(days=PLEDGE_WINDOW_DAYS)
    pledges = _joined(scope, Pledge, [Pledge.status == "open", Pledge.expected_by <= horizon],
                      where, [Pledge.expected_by, Pledge.id])  # fmt: skip
    for pledge, contact in pledges:
        why = (f"pledged {format_inr(pledge.amount)} on {_local_day(pledge.pledged_at, tz)}, "
               f"unpaid; due {pledge.expected_by:%a %d %b}".replace(" 0", " "))  # fmt: skip
        add(contact, WEIGHTS["pledge_due"], why).pledge = pledge
    for contact in _contacts(scope, [*where, Contact.next_suggested_at <= now],
                             [Contact.next_suggested_at, Contact.id]):  # fmt: skip
        add(contact, WEIGHTS["reschedule"], "asked to be called back now")
    for order in ([Contact.relationship_strength.desc(), Contact.id.desc()],
                  [Contact.last_contacted_at, Contact.id]):  # fmt: skip
        for contact in _contacts(scope, where, order):
            add(contact, 0, None)
    tagged = _contacts(scope, [*where, Contact.id.in_(
        select(ContactTag.contact_id).where(ContactTag.project_id == scope.project_id,
                                            ContactTag.tag.in_(("vip", "renewal"))))],
        [Contact.id])  # fmt: skip
    for contact in tagged:
        add(contact, 0, None)
    return found


def _followup_reason(followup: Followup, tz: Any, overdue: bool) -> str:
    what = {"no_response": "no answer last time", "reschedule": "asked for a call back",
            "send_payment_link": "payment reminder"}.get(followup.reason or "", followup.reason or "follow-up")  # fmt: skip
    local = followup.due_at.astimezone(tz)
    when = _local_day(followup.due_at, tz) if overdue else f"{local:%I:%M %p}".lstrip("0") + " today"
    return f"{what} – {'overdue since' if overdue else 'due'} {when}"


def _static_points(ranked: RankedContact, tags: set[str], now: datetime) -> None:
    contact = ranked.contact
    ranked._scored.append((WEIGHTS["per_strength"] * contact.relationship_strength,
                           f"relationship {contact.relationship_strength}/5"))  # fmt: skip
    if contact.capacity_band in CAPACITY_POINTS:
        ranked._scored.append((CAPACITY_POINTS[contact.capacity_band],
                               f"capacity {contact.capacity_band}"))  # fmt: skip
    for tag in ("vip", "renewal"):
        if tag in tags:
            ranked._scored.append((WEIGHTS[f"tag_{tag}"], "VIP" if tag == "vip" else "renewal due"))
    last = contact.last_contacted_at
    days = STALE_CAP_DAYS if last is None else min((now - last).days, STALE_CAP_DAYS)
    words = "never contacted" if last is None else f"last contacted {days} days ago"
    ranked._scored.append((WEIGHTS["per_stale_day"] * days, words))


def next_contacts(
    scope: ProjectScope, user: User, now: datetime, *, limit: int = 3,
    prefer_ids: Iterable[uuid.UUID] = (), exclude_ids: Iterable[uuid.UUID] = (),
) -> list[RankedContact]:  # fmt: skip
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
    tags: dict[uuid.UUID, set[str]] = {}
    if found:
        rows = scope.session.execute(
            select(ContactTag.contact_id, ContactTag.tag).where(
                ContactTag.project_id == scope.project_id, ContactTag.contact_id.in_(list(found))
            )
        )
        for contact_id, tag in rows:
            tags.setdefault(contact_id, set()).add(tag)
    for ranked in found.values():
        _static_points(ranked, tags.get(ranked.contact.id, set()), now)
        ranked.score = round(sum(points for points, _ in ranked._scored), 2)
        if ranked.contact.id in prefer:
            ranked.score += WEIGHTS["preferred"] - prefer.index(ranked.contact.id)
        best = sorted(ranked._scored, key=lambda item: -item[0])
        ranked.reasons = [reason for _, reason in best[:2]]
    ordered = sorted(found.values(), key=lambda r: (-r.score, r.contact.display_name, str(r.contact.id)))
    return ordered[:limit]
