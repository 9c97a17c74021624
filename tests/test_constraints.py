"""The database refuses what the data model forbids: a named constraint, no partial write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.directory.org import add_campaign, add_team
from bot.models import CampaignGoal, Contact, ContactIdentity, Interaction, Pledge, TeamMember
from bot.store import ProjectScope
from tests.factories import make_contact, make_project, make_user


def _refused(db, build, constraint: str, model) -> None:
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(model))
    with pytest.raises(IntegrityError) as info, db.session() as session:
        build(session)
    message = str(info.value.orig)
    if db.dialect == "postgresql" or not constraint.startswith("uq_"):
        assert constraint in message, message
    else:  # SQLite names the columns of a failed UNIQUE, not the constraint
        assert f"UNIQUE constraint failed: {model.__tablename__}." in message, message
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(model)) == before


def test_duplicate_identity_refused(db) -> None:
    project = make_project(db)
    contact = make_contact(db, project, phone="+919811111111")

    def build(session) -> None:
        scope = ProjectScope(session, project.id)
        other = scope.insert(Contact(display_name="Other"))
        scope.insert(ContactIdentity(contact_id=other.id, type="phone", value="+919811111111"))

    _refused(db, build, "uq_contact_identities_project_id_type_value", ContactIdentity)
    with db.session() as session:  # the whole unit of work rolled back: no orphan contact
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
        assert contact.id is not None


def test_same_identity_in_two_projects_is_fine(db) -> None:
    make_contact(db, make_project(db, "A"), phone="+919822222222")
    make_contact(db, make_project(db, "B"), phone="+919822222222")


def test_duplicate_goal_refused(db) -> None:
    project = make_project(db)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        campaign = add_campaign(scope, "Winter")
        scope.insert(
            CampaignGoal(
                campaign_id=campaign.id, date=date(2026, 11, 26), target_amount=Decimal(1000)
            )
        )

    def build(session) -> None:
        ProjectScope(session, project.id).insert(
            CampaignGoal(campaign_id=campaign.id, date=date(2026, 11, 26), target_amount=Decimal(5))
        )

    _refused(db, build, "uq_campaign_goals_campaign_id_date", CampaignGoal)


def test_duplicate_team_member_refused(db) -> None:
    project = make_project(db)
    user = make_user(db, project)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        team = add_team(scope, "Evening")
        scope.insert(TeamMember(team_id=team.id, user_id=user.id))

    def build(session) -> None:
        ProjectScope(session, project.id).insert(TeamMember(team_id=team.id, user_id=user.id))

    _refused(db, build, "uq_team_members_team_id_user_id", TeamMember)


@pytest.mark.parametrize(
    ("model", "fields", "constraint"),
    [
        (
            Interaction,
            {"channel": "pigeon", "direction": "outbound", "outcome": "spoke"},
            "ck_interactions_channel",
        ),
        (
            Interaction,
            {"channel": "call", "direction": "sideways", "outcome": "spoke"},
            "ck_interactions_direction",
        ),
        (
            Interaction,
            {"channel": "call", "direction": "outbound", "outcome": "maybe"},
            "ck_interactions_outcome",
        ),
        (Pledge, {"amount": Decimal(100), "status": "hoped"}, "ck_pledges_status"),
        (Pledge, {"amount": Decimal(-5)}, "ck_pledges_amount"),
    ],
)
def test_invalid_enum_or_value_refused(db, model, fields, constraint) -> None:
    project = make_project(db)
    contact = make_contact(db, project)

    def build(session) -> None:
        ProjectScope(session, project.id).insert(model(contact_id=contact.id, **fields))

    _refused(db, build, constraint, model)


def test_contact_status_and_strength_checked(db) -> None:
    project = make_project(db)

    def bad_status(session) -> None:
        ProjectScope(session, project.id).insert(Contact(display_name="X", status="sleeping"))

    def bad_strength(session) -> None:
        ProjectScope(session, project.id).insert(Contact(display_name="X", relationship_strength=9))

    _refused(db, bad_status, "ck_contacts_status", Contact)
    _refused(db, bad_strength, "ck_contacts_relationship_strength", Contact)
