"""next_contacts: one hand-built case per rule and per exclusion, and a property test."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text

from bot.engine.ranking import next_contacts
from bot.models import Contact, ContactTag, Followup, Pledge, Project, User
from bot.store import ProjectScope
from tests.factories import make_contact, make_project, make_user

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # 10:00 IST, Thursday
YESTERDAY = NOW - timedelta(days=1)
EARLIER_TODAY = NOW - timedelta(hours=3)  # 07:00 IST today


def _add(db, project: Project, model: Any) -> Any:
    with db.session() as session:
        return ProjectScope(session, project.id).insert(model)


def _followup(db, project, contact, due_at, user=None, reason="no_response"):
    return _add(
        db,
        project,
        Followup(
            contact_id=contact.id,
            due_at=due_at,
            status="scheduled",
            reason=reason,
            assigned_to_user_id=user.id if user else None,
        ),
    )


def _rank(db, project: Project, user: User, **kwargs: Any) -> list:
    with db.session() as session:
        return next_contacts(ProjectScope(session, project.id), user, NOW, **kwargs)


def _names(ranked: list) -> list[str]:
    return [r.contact.display_name for r in ranked]


def _setup(db):
    project = make_project(db)
    return project, make_user(db, project), make_user(db, project, "Ravi")


def test_rules_order_followups_pledges_reschedules_then_relationship(db) -> None:
    project, user, _ = _setup(db)
    strong = make_contact(db, project, "Strong Sunil", relationship_strength=5, capacity_band="1L+")
    resched = make_contact(
        db, project, "Resched Rekha", next_suggested_at=NOW - timedelta(minutes=5)
    )
    pledger = make_contact(db, project, "Pledger Pooja", last_contacted_at=NOW - timedelta(days=14))
    _add(
        db,
        project,
        Pledge(
            contact_id=pledger.id,
            amount=Decimal("25000"),
            pledged_at=datetime(2026, 11, 12, 6, tzinfo=UTC),
            expected_by=date(2026, 11, 27),
            status="open",
        ),
    )
    due = make_contact(db, project, "Due Deepak")
    _followup(db, project, due, NOW + timedelta(hours=2), user, reason="reschedule")
    overdue = make_contact(db, project, "Overdue Omar")
    _followup(db, project, overdue, NOW - timedelta(days=2), user)
    ranked = _rank(db, project, user, limit=5)
    assert _names(ranked) == [
        "Overdue Omar",
        "Due Deepak",
        "Pledger Pooja",
        "Resched Rekha",
        "Strong Sunil",
    ]
    assert ranked[0].reasons[0] == "no answer last time – overdue since Tue 24 Nov"
    assert ranked[1].reasons[0] == "asked for a call back – due 12:00 PM today"
    assert ranked[2].reasons[0] == "pledged ₹25,000, unpaid – due Fri 27 Nov"
    assert ranked[2].pledge is not None and ranked[3].reasons[0] == "asked to be called back now"
    assert ranked[4].reasons == ["relationship 5/5", "capacity 1L+"]
    assert all(1 <= len(r.reasons) <= 2 for r in ranked)
    assert strong.id == ranked[4].contact.id and resched.id == ranked[3].contact.id


def test_static_rules_strength_capacity_staleness_and_tags(db) -> None:
    project, user, _ = _setup(db)
    make_contact(db, project, "Recent Ria", last_contacted_at=YESTERDAY)
    make_contact(db, project, "Stale Sam", last_contacted_at=NOW - timedelta(days=60))
    vip = make_contact(db, project, "Vip Vani", last_contacted_at=YESTERDAY)
    _add(db, project, ContactTag(contact_id=vip.id, tag="vip"))
    renewal = make_contact(db, project, "Renewal Raj", last_contacted_at=YESTERDAY)
    _add(db, project, ContactTag(contact_id=renewal.id, tag="renewal"))
    make_contact(db, project, "Band Bina", last_contacted_at=YESTERDAY, capacity_band="25k-1L")
    ranked = _rank(db, project, user, limit=5)
    assert _names(ranked) == ["Vip Vani", "Renewal Raj", "Band Bina", "Stale Sam", "Recent Ria"]
    assert "VIP" in ranked[0].reasons and "renewal due" in ranked[1].reasons
    assert "capacity 25k-1L" in ranked[2].reasons
    assert "last contacted 60 days ago" in ranked[3].reasons


def test_prefer_ids_come_first_and_exclude_ids_are_left_out(db) -> None:
    project, user, _ = _setup(db)
    a = make_contact(db, project, "Alpha", relationship_strength=5)
    b = make_contact(db, project, "Beta", relationship_strength=1)
    c = make_contact(db, project, "Gamma", relationship_strength=1)
    assert _names(_rank(db, project, user, prefer_ids=[c.id, b.id])) == ["Gamma", "Beta", "Alpha"]
    assert _names(_rank(db, project, user, exclude_ids=[a.id])) == ["Beta", "Gamma"]


def test_equal_scores_and_names_are_ordered_by_contact_id(db) -> None:
    """Ties fall to the name, then the contact's id in UUID order, on both engines; the
    ids here are random, so their order is not the order they were made in."""
    project, user, _ = _setup(db)
    made = [make_contact(db, project, "Same Name", id=uuid.uuid4()) for _ in range(8)]
    ranked = _rank(db, project, user, limit=8)
    assert [r.contact.id for r in ranked] == sorted(c.id for c in made)
    excluded, kept = made[0].id, [c.id for c in made[1:]]
    preferred = max(kept)  # last in id order: first only through the preference
    ranked = _rank(db, project, user, limit=8, prefer_ids=[preferred], exclude_ids=[excluded])
    assert [r.contact.id for r in ranked] == [preferred, *sorted(set(kept) - {preferred})]


def test_each_exclusion_even_with_an_overdue_followup(db) -> None:
    project, user, other = _setup(db)
    excluded = [
        make_contact(db, project, "Dnc Dev", status="do_not_contact"),
        make_contact(db, project, "Inactive Ina", status="inactive"),
        make_contact(db, project, "Deleted Dia", deleted_at=YESTERDAY),
        make_contact(db, project, "Today Tara", last_contacted_at=EARLIER_TODAY),
        make_contact(db, project, "Other Otto", assigned_to_user_id=other.id),
    ]
    for contact in excluded:
        _followup(db, project, contact, NOW - timedelta(days=1), user)
        _add(
            db,
            project,
            Pledge(
                contact_id=contact.id,
                amount=Decimal(1000),
                pledged_at=YESTERDAY,
                expected_by=date(2026, 11, 26),
                status="open",
            ),
        )
        _add(db, project, ContactTag(contact_id=contact.id, tag="vip"))
    mine = make_contact(db, project, "Mine Mira", assigned_to_user_id=user.id)
    assert _names(_rank(db, project, user, limit=10, prefer_ids=[c.id for c in excluded])) == [
        "Mine Mira"
    ]
    assert mine.id not in {r.contact.id for r in _rank(db, project, other, limit=10)}


def test_followup_assigned_to_another_operator_gives_no_followup_reason(db) -> None:
    project, user, other = _setup(db)
    shared = make_contact(db, project, "Shared Shyam")
    _followup(db, project, shared, NOW - timedelta(days=1), other)
    ranked = _rank(db, project, user)
    assert ranked[0].followup is None and not any("overdue" in r for r in ranked[0].reasons)


def test_other_projects_are_invisible(db) -> None:
    project, user, _ = _setup(db)
    elsewhere = make_project(db, "Other Trust")
    make_contact(db, elsewhere, "Foreign Farah", relationship_strength=5)
    assert _rank(db, project, user) == []


def test_postgres_reuses_one_plan_for_the_candidate_pools(db) -> None:
    """The pools' statement is planned once per connection, not at every ranking: its
    generic plan is reused once psycopg has prepared it, and the ranking is the same."""
    if db.dialect != "postgresql":
        pytest.skip("plan caching is PostgreSQL's")
    project, user, _ = _setup(db)
    for strength in (5, 3, 1):
        make_contact(db, project, f"Strength {strength}", relationship_strength=strength)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        rankings = [
            [r.contact.display_name for r in next_contacts(scope, user, NOW)] for _ in range(8)
        ]
        plans = session.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%anon_1.pool%'"
            )
        ).all()
    assert rankings == [["Strength 5", "Strength 3", "Strength 1"]] * 8
    assert plans, "the pools' statement was never prepared"
    assert all(custom == 0 and generic > 0 for generic, custom in plans)


def _pools_statement(db, project: Project, user: User) -> tuple[str, Any]:
    """The pools' statement and its parameters, as one ranking runs it."""
    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "anon_1.pool" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.session() as session:
            next_contacts(ProjectScope(session, project.id), user, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    [found] = seen
    return found


def test_the_strength_and_tag_pools_read_their_partial_indexes(db) -> None:
    """The strength and tag pools repeat their indexes' WHERE as literal SQL (migration
    0012). With bound parameters, PostgreSQL's generic plan (the one the prepared pools
    run on) could use neither partial index, nor SQLite the tags' one."""
    project, user, _ = _setup(db)
    make_contact(db, project, "Strong", relationship_strength=5)
    statement, parameters = _pools_statement(db, project, user)
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " ".join(str(row[-1]) for row in rows)
        else:  # the generic plan the pools run on once prepared, no bound value known
            if int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) < 160000:
                pytest.skip("EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16")
            names: dict[str, str] = {}
            generic = re.sub(
                r"%\((\w+)\)s", lambda m: names.setdefault(m[1], f"${len(names) + 1}"), statement
            )
            conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables
            rows = conn.exec_driver_sql("EXPLAIN (GENERIC_PLAN) " + generic.replace("%%", "%"))
            plan = " ".join(str(row[0]) for row in rows)
    assert "ix_contacts_project_id_relationship_strength_id" in plan
    assert "ix_contact_tags_project_id_tag" in plan


#: ``sqlite_stat1`` as a 100,000-contact import leaves it (sampled, 1,000 rows an index).
IMPORTED_STATISTICS = (
    ("contact_identities", "ix_contact_identities_contact_id", "100920 1"),
    ("contact_identities", "sqlite_autoindex_contact_identities_1", "99200 1"),
    ("contact_identities", "sqlite_autoindex_contact_identities_2", "99600 1001 1001 1"),
    ("contact_tags", "ix_contact_tags_project_id_tag_contact_id", "6636 1001 1001 1"),
    ("contact_tags", "sqlite_autoindex_contact_tags_1", "12628 1"),
    ("contact_tags", "sqlite_autoindex_contact_tags_2", "12750 1 1"),
    ("contacts", "ix_contacts_project_id_assigned_to_user_id", "8811 1001 1001"),
    ("contacts", "ix_contacts_project_id_display_name", "93024 1001 1"),
    ("contacts", "ix_contacts_project_id_last_contacted_at_id", "95904 1001 501 1"),
    ("contacts", "ix_contacts_project_id_relationship_strength_id", "32680 1001 1001 1"),
    ("contacts", "ix_contacts_project_id_status", "1976 1001 1001"),
    ("contacts", "sqlite_autoindex_contacts_1", "78336 1"),
)


def test_the_tag_pools_walk_their_index_under_an_imports_statistics(db) -> None:
    """With the sampled statistics an import leaves, a tag pool joined to ``contacts``
    was driven from the project's contacts by name: 60 ms a ranking on 100,000 contacts
    instead of 10. Each tag pool now walks ``(project_id, tag, contact_id)`` alone."""
    if db.dialect != "sqlite":
        pytest.skip("sqlite_stat1 is SQLite's")
    project, user, _ = _setup(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # makes sqlite_stat1
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        for row in IMPORTED_STATISTICS:
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", row)
    db.engine.dispose()  # statistics are read when a connection loads the schema
    statement, parameters = _pools_statement(db, project, user)
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    plan = [str(row[-1]) for row in rows]
    walks = [step for step in plan if "ix_contact_tags_project_id_tag_contact_id" in step]
    assert len(walks) == 2, plan  # one per ranked tag
    assert not any("ix_contacts_project_id_display_name" in step for step in plan), plan


# -- property: no excluded contact is ever returned ---------------------------------------
contact_specs = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["active", "active", "inactive", "do_not_contact"]),
        "deleted": st.booleans(),
        "last": st.sampled_from([None, "today", "yesterday", "old"]),
        "assigned": st.sampled_from([None, "me", "other"]),
        "followup": st.sampled_from([None, "overdue", "due", "future"]),
        "pledge": st.booleans(),
        "tag": st.sampled_from([None, "vip", "renewal"]),
        "strength": st.integers(1, 5),
        "next_at": st.booleans(),
    }
)
LAST = {None: None, "today": EARLIER_TODAY, "yesterday": YESTERDAY, "old": NOW - timedelta(days=40)}
DUE = {
    "overdue": NOW - timedelta(days=1),
    "due": NOW + timedelta(hours=3),
    "future": NOW + timedelta(days=3),
}


def _build(scope: ProjectScope, spec: dict[str, Any], n: int, me: User, other: User) -> Contact:
    assigned = {None: None, "me": me.id, "other": other.id}[spec["assigned"]]
    contact = scope.insert(
        Contact(
            display_name=f"C{n}",
            status=spec["status"],
            relationship_strength=spec["strength"],
            deleted_at=YESTERDAY if spec["deleted"] else None,
            last_contacted_at=LAST[spec["last"]],
            assigned_to_user_id=assigned,
            next_suggested_at=NOW - timedelta(hours=1) if spec["next_at"] else None,
        )
    )
    if spec["followup"]:
        scope.insert(
            Followup(
                contact_id=contact.id,
                due_at=DUE[spec["followup"]],
                status="scheduled",
                assigned_to_user_id=me.id,
            )
        )
    if spec["pledge"]:
        scope.insert(
            Pledge(
                contact_id=contact.id,
                amount=Decimal(500),
                pledged_at=YESTERDAY,
                expected_by=date(2026, 11, 27),
                status="open",
            )
        )
    if spec["tag"]:
        scope.insert(ContactTag(contact_id=contact.id, tag=spec["tag"]))
    return contact


def _excluded(contact: Contact, me: User) -> bool:
    return (
        contact.status != "active"
        or contact.deleted_at is not None
        or (
            contact.last_contacted_at is not None
            and contact.last_contacted_at >= EARLIER_TODAY - timedelta(hours=1)
        )
        or contact.assigned_to_user_id not in (None, me.id)
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(contact_specs, min_size=1, max_size=10), prefer=st.booleans())
def test_property_no_excluded_contact_is_ever_returned(
    db, specs: list[dict[str, Any]], prefer: bool
) -> None:
    project = make_project(db)
    me, other = make_user(db, project), make_user(db, project, "Other")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        contacts = [_build(scope, spec, n, me, other) for n, spec in enumerate(specs)]
        ranked = next_contacts(
            scope, me, NOW, limit=50, prefer_ids=[c.id for c in contacts] if prefer else ()
        )
    returned = {r.contact.id for r in ranked}
    assert not any(_excluded(c, me) for c in contacts if c.id in returned)
    assert returned == {c.id for c in contacts if not _excluded(c, me)}
