"""The candidate pools behind ``next_contacts``, fetched in one statement.

Each pool is a short indexed walk that stops after :data:`POOL` rows: follow-ups due
today or overdue, open pledges near ``expected_by``, reschedules whose time has come,
the strongest relationships (strength 4 or 5), the longest uncontacted and
``vip``/``renewal`` tags (plus the contacts a nudge asked to offer first). The strength
and tag pools repeat their partial indexes' conditions as literal SQL (migration 0012):
PostgreSQL's generic plan, which the prepared pools run on, can use a partial index only
so, and SQLite the tags' one. The pools are one ``UNION ALL`` of
subqueries, so a ranking costs one round trip instead of one per pool, and the statement
is built once per process with bound parameters (building and hashing it took longer
than running it). Every row carries its contact's tag bits, looked up through the
``(contact_id, tag)`` index for the pooled rows only.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Select,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)

from bot.engine.when import local_day_bounds
from bot.models import Contact, ContactTag, Followup, Pledge, User
from bot.models.contacts import RANKED, RANKED_TAGS, STRONG
from bot.models.types import uuid_hex
from bot.store import ProjectScope

POOL = 60
PLEDGE_WINDOW_DAYS = 3
#: The pools, in the order their rows are scored.
POOLS = ("prefer", "followup", "pledge", "reschedule", "strength", "stale", "tagged")
TAGS = RANKED_TAGS
CONTACT_COLUMNS = (
    Contact.id,
    Contact.display_name,
    Contact.relationship_strength,
    Contact.capacity_band,
    Contact.last_contacted_at,
)
FOLLOWUP_COLUMNS = (Followup.id, Followup.due_at, Followup.reason)
PLEDGE_COLUMNS = (Pledge.id, Pledge.amount, Pledge.pledged_at, Pledge.expected_by)
#: A row's ``tag_bits`` (bit i: TAGS[i]) → its tags, made once.
TAG_SETS = tuple(
    frozenset(tag for bit, tag in enumerate(TAGS) if bits & (1 << bit))
    for bits in range(1 << len(TAGS))
)
EXTRA_LABELS = ("followup_id", "due_at", "reason", "pledge_id", "amount", "pledged_at", "expected")


def eligible() -> list[Any]:
    """SQL conditions every suggested contact must meet (binds ``day_start``, ``user_id``)."""
    return [
        Contact.status == "active",
        Contact.deleted_at.is_(None),
        or_(
            Contact.last_contacted_at.is_(None), Contact.last_contacted_at < bindparam("day_start")
        ),
        or_(
            Contact.assigned_to_user_id.is_(None),
            Contact.assigned_to_user_id == bindparam("user_id"),
        ),
    ]


def _pool_select(name: str, own: tuple[Any, ...] = ()) -> Any:
    """A pool's columns: ``pool``, the contact's, then the follow-up's and pledge's, those
    not in ``own`` as typed NULLs, so every pool has one shape and each value its type."""
    extra = [c if c in own else cast(null(), c.type) for c in FOLLOWUP_COLUMNS + PLEDGE_COLUMNS]
    return select(
        literal(POOLS.index(name)).label("pool"),
        *(c.label(f"contact_{c.key}") for c in CONTACT_COLUMNS),
        *(c.label(label) for c, label in zip(extra, EXTRA_LABELS, strict=True)),
    )


def _pool(
    name: str, where: list[Any], order: list[Any], *, source: Any = None, limit: int = POOL
) -> Any:
    """One pool as a subquery: ``pool``, the contact's, follow-up's and pledge's columns.

    ``source`` (Followup or Pledge) is joined to its contact (:func:`_pool_select` makes
    the columns).
    """
    stmt = _pool_select(name, {Followup: FOLLOWUP_COLUMNS, Pledge: PLEDGE_COLUMNS}.get(source, ()))
    if source is not None:
        stmt = stmt.select_from(source).join(Contact, Contact.id == source.contact_id)
        where = [source.project_id == bindparam("project_id"), *where]
    stmt = stmt.where(Contact.project_id == bindparam("project_id"), *where)
    return stmt.order_by(*order).limit(limit).subquery()


def _tag_pool(tag: str, where: list[Any]) -> Any:
    """The first :data:`POOL` eligible contacts tagged ``tag``, in contact order.

    Only ``contact_tags`` is in the walk's FROM, so it runs along
    ``(project_id, tag, contact_id)`` and stops after a pool's worth whatever the
    statistics say: joined to ``contacts`` instead, SQLite with an import's sampled
    statistics walked the project's 100,000 contacts by name (60 ms a ranking). The
    conditions are literal SQL: the partial index is read only when the query repeats
    its WHERE. One pool per tag; a contact with both is kept once (:func:`_shaped`).
    """
    eligible = exists().where(
        Contact.id == ContactTag.contact_id,
        Contact.project_id == bindparam("project_id"),
        *where,
    )
    walk = (
        select(ContactTag.contact_id)
        .where(
            ContactTag.project_id == bindparam("project_id"),
            text(f"contact_tags.{RANKED}"),
            text(f"contact_tags.tag = '{tag}'"),
            eligible,
        )
        .order_by(ContactTag.contact_id)
        .limit(POOL)
        .subquery()
    )
    return (
        _pool_select("tagged")
        .select_from(walk)
        .join(Contact, Contact.id == walk.c.contact_id)
        .subquery()
    )


@cache
def candidate_statement(with_prefer: bool) -> Select[Any]:
    """The pools as one statement; binds ``project_id``, ``user_id``, ``now``, ``day_start``,
    ``day_end``, ``horizon`` (and ``prefer``, a list of contact ids)."""
    where = eligible()
    mine = or_(
        Followup.assigned_to_user_id.is_(None),
        Followup.assigned_to_user_id == bindparam("user_id"),
    )
    followups = [Followup.status.in_(("scheduled", "due")), Followup.due_at < bindparam("day_end")]
    pledges = [Pledge.status == "open", Pledge.expected_by <= bindparam("horizon")]
    pools = [
        _pool(
            "followup", [*followups, mine, *where], [Followup.due_at, Followup.id], source=Followup
        ),
        _pool("pledge", [*pledges, *where], [Pledge.expected_by, Pledge.id], source=Pledge),
        _pool(
            "reschedule",
            [*where, Contact.next_suggested_at <= bindparam("now")],
            [Contact.next_suggested_at, Contact.id],
        ),
        # Strengths 4 and 5, through the partial index whose WHERE this repeats.
        _pool(
            "strength",
            [text(STRONG), *where],
            [Contact.relationship_strength.desc(), Contact.id.desc()],
        ),
        _pool("stale", where, [Contact.last_contacted_at, Contact.id]),
        *(_tag_pool(tag, where) for tag in TAGS),
    ]
    if with_prefer:
        prefer = Contact.id.in_(bindparam("prefer", expanding=True))
        pools.insert(0, _pool("prefer", [prefer, *where], [Contact.id]))
    union = union_all(*(select(pool) for pool in pools)).subquery()
    bits = func.coalesce(
        func.sum(case((ContactTag.tag == TAGS[0], 1), (ContactTag.tag == TAGS[1], 2))), 0
    )
    tag_bits = (
        select(bits)
        .where(
            ContactTag.project_id == bindparam("project_id"),
            ContactTag.contact_id == union.c.contact_id,
            ContactTag.tag.in_(TAGS),
        )
        .scalar_subquery()
    )
    # The contact's key as 32 lowercase hex digits, the same text on both engines: the
    # ranking keys and orders its few hundred candidates by it and makes a UUID only for
    # the winners (making one per pooled row, and hashing it, was a tenth of a ranking).
    key = uuid_hex(union.c.contact_id)
    columns = [key.label(c.key) if c.key == "contact_id" else c for c in union.c]
    return select(*columns, tag_bits.label("tag_bits"))


def pool_rows(
    scope: ProjectScope, user: User, now: datetime, tz: Any, prefer: list[uuid.UUID]
) -> tuple[dict[str, list[Any]], dict[str, frozenset[str]]]:
    """Each pool's rows in its own order, and the pooled contacts' ``vip``/``renewal`` tags.

    A follow-up row is ``(followup id, due_at, reason, *contact)``, a pledge row
    ``(pledge id, amount, pledged_at, expected_by, *contact)`` and any other row the
    contact's columns (:data:`CONTACT_COLUMNS`), whose first is the contact's key as
    ``uuid.hex`` text (:func:`contact_key`); the tags are keyed the same way.
    """
    day_start, day_end = local_day_bounds(now, tz)
    params: dict[str, Any] = {
        "project_id": scope.project_id,
        "user_id": user.id,
        "now": now,
        "day_start": day_start,
        "day_end": day_end,
        "horizon": now.astimezone(tz).date() + timedelta(days=PLEDGE_WINDOW_DAYS),
    }
    if prefer:
        params["prefer"] = prefer
    # Core, not the ORM: plain rows, and the ORM's per-row loading was a third of the cost.
    statement = candidate_statement(bool(prefer))
    conn = scope.session.connection()
    if conn.dialect.name != "postgresql":
        rows = conn.execute(statement, params).all()
    else:
        # PostgreSQL kept planning this statement afresh at every call (~1.7 ms of ~15:
        # its cost guess for a generic plan of seven LIMITed walks is high), though the
        # generic plan walks the same indexes. Once psycopg has prepared the statement
        # on a connection, its generic plan is made once and reused.
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        rows = conn.execute(statement, params).all()
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = DEFAULT")
    tags: dict[str, frozenset[str]] = {}
    by_pool: dict[str, list[Any]] = {name: [] for name in POOLS}
    for row in rows:
        contact = tuple(row[1 : 1 + len(CONTACT_COLUMNS)])
        followup, pledge = row[6:9], row[9:13]
        by_pool[POOLS[row.pool]].append((row, contact, followup, pledge))
        tags[contact[0]] = TAG_SETS[row.tag_bits]
    return {name: _shaped(name, entries) for name, entries in by_pool.items()}, tags


def contact_key(contact_id: uuid.UUID) -> str:
    """A contact's key as pooled rows carry it; it sorts as the UUID does."""
    return contact_id.hex


def _shaped(name: str, entries: list[Any]) -> list[Any]:
    """One pool's rows in its ORDER BY (a union's order is free) and its row shape."""
    if name == "followup":
        entries.sort(key=lambda e: (e[0].due_at, e[0].followup_id))
        return [(*followup, *contact) for _, contact, followup, _ in entries]
    if name == "pledge":
        entries.sort(key=lambda e: (e[0].expected, e[0].pledge_id))
        return [(*pledge, *contact) for _, contact, _, pledge in entries]
    if name == "tagged":
        # Up to len(TAGS) rows per contact, in contact order: keep each contact once.
        entries = list({e[1][0]: e for e in sorted(entries, key=lambda e: e[1][0])}.values())
        return [contact for _, contact, _, _ in entries[:POOL]]
    return [contact for _, contact, _, _ in entries]
