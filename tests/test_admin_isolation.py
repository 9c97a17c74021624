"""An admin of one project can neither see nor change another project's data."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from bot.directory.contacts_csv import import_contacts
from bot.models import (
    AuditLog,
    Campaign,
    CampaignGoal,
    Contact,
    Message,
    ModelPrice,
    Project,
    Team,
    TeamMember,
    User,
)
from bot.reconcile.uploads import save_upload
from bot.store import ProjectScope
from tests.admin_support import csrf_token, login, seed_project
from tests.reconcile_support import STATEMENTS

LIST_PAGES = (
    "/admin/",
    "/admin/conversations",
    "/admin/usage",
    "/admin/usage.csv",
    "/admin/logs",
    "/admin/followups",
    "/admin/pledges",
    "/admin/payments",
    "/admin/feedback",
    "/admin/contacts",
    "/admin/contacts/export.csv",
    "/admin/contacts/import",
    "/admin/payments/reconcile",
    "/admin/attention",
    "/admin/payments.csv",
    "/admin/pledges.csv?status=any",
    "/admin/operators",
    "/admin/campaigns",
)
# Routes that take no tenant id (auth pages, forms posting to lists).
NO_ID_ROUTES = {
    "/admin/login",
    "/admin/login/<token>",
    "/admin/logout",
    "/admin/usage/prices",
    "/admin/teams",
}
# POST-only routes taking a tenant id (tested by posting the other project's id).
POST_ID_ROUTES = {
    "/admin/attention/replies/<message_id>/retry",
    "/admin/contacts/import/<import_id>/undo",
    "/admin/teams/<team_id>",
    "/admin/campaigns/<campaign_id>/goals",
    "/admin/campaigns/<campaign_id>/goals/<goal_id>/remove",
}


@pytest.fixture
def worlds(db, clock, client):
    mine = seed_project(db, clock.now(), "Asha")
    theirs = seed_project(db, clock.now(), "Bharat")
    assert login(client, mine.admin_email).status_code == 302
    return mine, theirs


@pytest.fixture
def their_batch(app, clock, worlds) -> str:
    """A bank statement the other project's admin uploaded for review."""
    text = (STATEMENTS / "hdfc.csv").read_text(encoding="utf-8")
    instance = app.extensions["calltime"].settings.instance_path
    batch = save_upload(instance, worlds[1].project_id, text, meta={}, now=clock.now())
    return str(batch)


@pytest.fixture
def their_unsent_reply(db, worlds) -> uuid.UUID:
    """A failed turn and a refused reply in the other project (its "needs attention")."""
    theirs = worlds[1]
    with db.session() as session:
        scope = ProjectScope(session, theirs.project_id, actor="test")
        failed = scope.insert(
            Message(
                direction="inbound",
                session_id=theirs.session_id,
                from_number="+919800000001",
                to_number="+14155238886",
                body="Bharat boom",
                status="failed",
                error_message="Bharat planner exploded",
            )
        )
        reply = scope.insert(
            Message(
                direction="outbound",
                reply_to_id=failed.id,
                from_number="+14155238886",
                to_number="+919800000001",
                body="Bharat reply",
                status="failed",
                error_code="21211",
            )
        )
        return reply.id


def _id_urls(theirs, batch: str) -> dict[str, list[str]]:
    """Every id-taking admin route (GET), filled with the other project's ids."""
    return {
        "/admin/conversations/<session_id>": [f"/admin/conversations/{theirs.session_id}"],
        "/admin/contacts/<contact_id>": [f"/admin/contacts/{theirs.contact_id}"],
        "/admin/payments/reconcile/<batch_id>": [f"/admin/payments/reconcile/{batch}"],
        "/admin/payments/reconcile/<batch_id>/review.csv": [
            f"/admin/payments/reconcile/{batch}/review.csv"
        ],
        "/admin/operators/<user_id>": [
            f"/admin/operators/{theirs.operator_id}",
            f"/admin/operators/{theirs.admin_id}",
        ],
        "/admin/campaigns/<campaign_id>": [f"/admin/campaigns/{theirs.campaign_id}"],
    }


def _id_posts(batch: str) -> dict[str, str]:
    """Every id-taking admin route that only takes POST, filled with the other project's ids."""
    base = f"/admin/payments/reconcile/{batch}"
    return {
        "/admin/payments/reconcile/<batch_id>/confirm": f"{base}/confirm",
        "/admin/payments/reconcile/<batch_id>/lines/<int:line>": f"{base}/lines/6",
        "/admin/payments/reconcile/<batch_id>/undo": f"{base}/undo",
    }


def test_every_admin_route_is_covered(app, worlds, their_batch) -> None:
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")}
    rules.discard("/admin/static/<path:filename>")
    covered = {url.split("?")[0] for url in LIST_PAGES} | NO_ID_ROUTES | POST_ID_ROUTES
    covered |= set(_id_urls(worlds[1], their_batch)) | set(_id_posts(their_batch))
    assert rules <= covered, f"add isolation cases for {rules - covered}"


def test_other_projects_ids_answer_404(client, worlds, their_batch) -> None:
    _, theirs = worlds
    for urls in _id_urls(theirs, their_batch).values():
        for url in urls:
            assert client.get(url).status_code == 404, url
    assert client.get("/admin/contacts/not-an-id").status_code == 404
    token = csrf_token(client)
    for url in _id_posts(their_batch).values():
        response = client.post(url, data={"csrf_token": token, "line": "6"})
        assert response.status_code == 404, url


def test_list_pages_show_nothing_of_the_other_project(client, worlds, their_unsent_reply) -> None:
    mine, theirs = worlds
    for url in LIST_PAGES:
        body = client.get(url).get_data(as_text=True)
        assert "Bharat" not in body, url
    filtered = [
        f"/admin/logs?session={theirs.session_id}",
        f"/admin/logs?operator={theirs.operator_id}",
        f"/admin/conversations?operator={theirs.operator_id}",
        f"/admin/followups?operator={theirs.operator_id}",
        f"/admin/contacts?q={theirs.contact_phone}",
        "/admin/contacts?q=Bharat",
    ]
    for url in filtered:
        response = client.get(url)
        rows = response.get_data(as_text=True).split("<tbody>", 1)[1]
        assert response.status_code == 200 and "Bharat" not in rows, url
    assert "Asha Donor" in client.get("/admin/contacts").get_data(as_text=True)


def test_other_projects_rows_cannot_be_changed(client, worlds, db) -> None:
    mine, theirs = worlds
    token = csrf_token(client)
    with db.session() as session:
        audits_before = session.scalar(select(func.count()).select_from(AuditLog))
    response = client.post(
        f"/admin/contacts/{theirs.contact_id}",
        data={"csrf_token": token, "status": "do_not_contact"},
    )
    assert response.status_code == 404
    # Assigning my contact to their operator is refused too.
    url = f"/admin/contacts/{mine.contact_id}"
    client.post(url, data={"csrf_token": token, "assigned_to_user_id": str(theirs.operator_id)})
    client.post(
        "/admin/usage/prices",
        data={
            "csrf_token": token,
            "model": "claude-x",
            "input": "1",
            "output": "1",
            "cache_read": "0",
            "cache_write": "0",
        },
    )
    with db.session() as session:
        assert session.get(Contact, theirs.contact_id).status == "active"
        assert session.get(Contact, mine.contact_id).assigned_to_user_id is None
        price = session.scalars(select(ModelPrice)).one()
        assert price.project_id == mine.project_id
        new_audits = session.scalars(
            select(AuditLog).order_by(AuditLog.timestamp).offset(audits_before)
        ).all()
        assert {a.project_id for a in new_audits} == {mine.project_id}


def test_other_projects_admin_session_is_theirs_alone(app, worlds) -> None:
    mine, theirs = worlds
    other = app.test_client()
    login(other, theirs.admin_email)
    assert other.get(f"/admin/contacts/{mine.contact_id}").status_code == 404
    assert other.get(f"/admin/contacts/{theirs.contact_id}").status_code == 200


def test_other_projects_replies_cannot_be_retried(client, worlds, db, their_unsent_reply) -> None:
    token = csrf_token(client)
    for url in (
        f"/admin/attention/replies/{their_unsent_reply}/retry",
        "/admin/attention/replies/not-an-id/retry",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    with db.session() as session:
        row = session.get(Message, their_unsent_reply)
        assert (row.status, row.lease_until) == ("failed", None)
        audits = session.scalars(
            select(AuditLog).where(AuditLog.record_id == str(their_unsent_reply))
        ).all()
        assert [a.changed_by for a in audits] == ["test"]  # only the seed's insert


def test_other_projects_imports_cannot_be_undone(client, worlds, db) -> None:
    _, theirs = worlds
    with db.session() as session:
        project = session.get(Project, theirs.project_id)
        report = import_contacts(
            session, project, "display_name,phone\nBharat Import,9876500123\n", actor="test"
        )
    token = csrf_token(client)
    for url in (
        f"/admin/contacts/import/{report.import_id}/undo",
        "/admin/contacts/import/not-an-id/undo",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert "Bharat Import" not in client.get("/admin/contacts/import").get_data(as_text=True)
    assert str(report.import_id) not in client.get("/admin/contacts/import").get_data(as_text=True)
    with db.session() as session:
        assert session.scalar(select(Contact).where(Contact.display_name == "Bharat Import"))


def test_other_projects_people_and_campaigns_cannot_be_changed(client, worlds, db) -> None:
    """Their operators, teams, campaigns and goals answer 404 to every form; my forms
    refuse their team ids; nothing of theirs changes and no audit entry is theirs."""
    mine, theirs = worlds
    token = csrf_token(client, "/admin/operators")
    with db.session() as session:
        audits_before = session.scalar(select(func.count()).select_from(AuditLog))
    posts = {
        f"/admin/operators/{theirs.operator_id}": {"role": "ADMIN", "active": "no"},
        f"/admin/operators/{theirs.admin_id}": {"role": "USER"},
        f"/admin/teams/{theirs.team_id}": {"name": "Renamed"},
        f"/admin/campaigns/{theirs.campaign_id}": {"status": "paused"},
        f"/admin/campaigns/{theirs.campaign_id}/goals": {"date": "2026-11-27", "amount": "5"},
        f"/admin/campaigns/{theirs.campaign_id}/goals/{theirs.goal_id}/remove": {},
        # my campaign, their goal
        f"/admin/campaigns/{mine.campaign_id}/goals/{theirs.goal_id}/remove": {},
        "/admin/operators/not-an-id": {"role": "USER"},
        "/admin/campaigns/not-an-id/goals": {"date": "2026-11-27", "amount": "5"},
    }
    for url, form in posts.items():
        assert client.post(url, data={"csrf_token": token, **form}).status_code == 404, url
    joined = client.post(
        "/admin/operators",
        data={
            "csrf_token": token,
            "full_name": "Sneaky",
            "phone": "+919811122233",
            "role": "USER",
            "team": str(theirs.team_id),
        },
    )
    assert joined.status_code == 400
    assert f"no team &#39;{theirs.team_id}&#39; in Asha" in joined.get_data(as_text=True)
    moved = client.post(
        f"/admin/operators/{mine.operator_id}",
        data={"csrf_token": token, "team": str(theirs.team_id)},
        follow_redirects=True,
    )
    assert "no team" in moved.get_data(as_text=True)
    with db.session() as session:
        assert session.get(User, theirs.operator_id).role == "USER"
        assert session.get(User, theirs.operator_id).is_active
        assert session.get(User, theirs.admin_id).role == "ADMIN"
        assert session.get(Team, theirs.team_id).name == "Bharat Callers"
        assert session.get(Campaign, theirs.campaign_id).status == "active"
        assert session.get(CampaignGoal, theirs.goal_id) is not None
        assert session.scalar(select(User).where(User.full_name == "Sneaky")) is None
        members = session.scalars(select(TeamMember).where(TeamMember.user_id == mine.operator_id))
        assert [m.team_id for m in members] == [mine.team_id]
        assert session.scalar(select(func.count()).select_from(AuditLog)) == audits_before
