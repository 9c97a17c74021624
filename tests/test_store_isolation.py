"""Every data-access function of ProjectScope keeps projects apart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.models import AuditLog, Base, Contact, Event, Pledge
from bot.store import NotFound, ProjectScope
from tests.factories import make_contact, make_project
from tests.tenancy_guard import violation

TENANT_MODELS = sorted(
    (
        m
        for m in Base.registry.mappers
        if "project_id" in m.columns and m.class_.__tablename__ != "projects"
    ),
    key=lambda m: m.class_.__tablename__,  # a stable order: every xdist worker collects alike
)


@pytest.fixture
def two_projects(db):
    a, b = make_project(db, "A"), make_project(db, "B")
    contact_b = make_contact(db, b, "Bina of B")
    with db.session() as session:
        pledge_b = ProjectScope(session, b.id).insert(
            Pledge(contact_id=contact_b.id, amount=Decimal("25000"))
        )
    return a, b, contact_b, pledge_b


@pytest.mark.parametrize("mapper", TENANT_MODELS, ids=lambda m: m.class_.__tablename__)
def test_select_filters_by_project_for_every_table(mapper) -> None:
    import uuid

    from sqlalchemy.orm import Session

    stmt = ProjectScope(Session(), uuid.uuid4()).select(mapper.class_)
    assert f"{mapper.class_.__tablename__}.project_id = " in str(stmt.compile())


def test_reads_never_see_another_project(db, two_projects) -> None:
    a, b, contact_b, pledge_b = two_projects
    with db.session() as session:
        scope_a = ProjectScope(session, a.id)
        for model, row in ((Contact, contact_b), (Pledge, pledge_b)):
            assert scope_a.get(model, row.id) is None
            assert scope_a.get(model, str(row.id)) is None
            assert scope_a.all(model) == []
            assert scope_a.first(model) is None
            assert scope_a.count(model) == 0
            assert list(session.scalars(scope_a.select(model))) == []
            with pytest.raises(NotFound):
                scope_a.require(model, row.id)
        scope_b = ProjectScope(session, b.id)
        assert scope_b.get(Contact, contact_b.id) is not None
        assert scope_b.count(Pledge) == 1
        assert ProjectScope(session, a.id).get(Contact, "not-a-uuid") is None


def test_writes_never_touch_another_project(db, two_projects) -> None:
    a, b, contact_b, pledge_b = two_projects
    with db.session() as session:
        scope_a = ProjectScope(session, a.id, actor="user:intruder")
        contact = session.get(Contact, contact_b.id)
        with pytest.raises(PermissionError):
            scope_a.update(contact, status="do_not_contact")
        with pytest.raises(PermissionError):
            scope_a.delete(session.get(Pledge, pledge_b.id))
        with pytest.raises(PermissionError):
            scope_a.insert(Contact(project_id=b.id, display_name="planted"))
        session.rollback()
    with db.session() as session:
        assert session.get(Contact, contact_b.id).status == "active"
        assert session.get(Pledge, pledge_b.id) is not None
        assert (
            session.scalar(
                select(func.count()).select_from(Contact).where(Contact.display_name == "planted")
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.changed_by == "user:intruder")
            )
            == 0
        )


def test_insert_update_delete_are_audited_and_events_scoped(db) -> None:
    project = make_project(db)
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="user:42")
        contact = scope.insert(Contact(display_name="Kavya"))
        scope.update(contact, relationship_strength=5)
        scope.update(contact, relationship_strength=5)  # no change → no audit row
        scope.delete(contact)
        scope.emit("contact.updated", contact_id=contact.id)
    with db.session() as session:
        rows = ProjectScope(session, project.id).audit_rows()
        assert [(r.action, r.changed_by) for r in rows] == [
            ("insert", "user:42"),
            ("update", "user:42"),
            ("delete", "user:42"),
        ]
        assert rows[1].old_values == {"relationship_strength": 3} and rows[1].new_values == {
            "relationship_strength": 5
        }
        event = session.scalar(select(Event))
        assert event.project_id == project.id
        assert event.data == {"project_id": str(project.id), "contact_id": str(contact.id)}


@pytest.mark.parametrize(
    ("statement", "breaks_the_rule"),
    [
        ("SELECT contacts.id FROM contacts WHERE contacts.display_name = ?", True),
        ("SELECT count(*) FROM pledges JOIN contacts ON contacts.id = pledges.contact_id", True),
        ("UPDATE followups SET status=? WHERE followups.status = ?", True),
        ("SELECT contacts.id FROM contacts WHERE contacts.project_id = ? AND x = ?", False),
        ("SELECT contacts.id FROM contacts WHERE contacts.id = ?", False),
        ("SELECT memories.id FROM memories WHERE memories.rowid IN (?, ?)", False),
        ("UPDATE pledges SET status=? WHERE pledges.id = ?", False),
        ("INSERT INTO pledges (id, amount) VALUES (?, ?)", False),
        ("SELECT projects.id FROM projects WHERE projects.whatsapp_number = ?", False),
        ("SELECT job_runs.id FROM job_runs", False),
    ],
)
def test_the_tenancy_rule_the_suite_enforces(statement: str, breaks_the_rule: bool) -> None:
    assert violation(statement) is breaks_the_rule
