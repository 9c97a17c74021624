"""Running the campaign from the dashboard: operators, teams, campaigns and daily goals.

The forms call the CLI's functions (bot/directory/org.py), so a bad phone, a duplicate,
an unknown team or a bad amount or date is refused with the words ``calltime`` prints,
and changes nothing; every accepted change is audited as the signed-in admin.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.models import AuditLog, Campaign, CampaignGoal, Team, TeamMember, User
from tests.admin_support import PASSWORD_HASH, csrf_token, login, seed_project


@pytest.fixture
def world(db, clock, client):
    seeded = seed_project(db, clock.now(), "Asha")
    assert login(client, seeded.admin_email).status_code == 302
    return seeded


@pytest.fixture
def calltime(db_url, tmp_path):
    """Run ``calltime …`` against the dashboard's database; returns (exit code, output)."""
    env = {"DATABASE_URL": db_url, "CALLTIME_INSTANCE_PATH": str(tmp_path / "cli-instance")}

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.output

    return run


def audit_count(db) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditLog)) or 0)


def row_counts(db) -> tuple[int, ...]:
    with db.session() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (User, Team, TeamMember, Campaign, CampaignGoal)
        )


def operator_phone(db, world) -> str:
    with db.session() as session:
        return session.get(User, world.operator_id).phone


ADD = "/admin/operators"
REFUSALS = [
    # (what, CLI arguments, dashboard form URL, form, the message both give)
    (
        "bad phone",
        ["users", "add", "-p", "Asha", "--name", "Ravi", "--phone", "12345"],
        ADD,
        {"full_name": "Ravi", "phone": "12345", "role": "USER"},
        "'12345' is not a valid phone number for region IN",
    ),
    (
        "unreadable phone",
        ["users", "add", "-p", "Asha", "--name", "Ravi", "--phone", "call me"],
        ADD,
        {"full_name": "Ravi", "phone": "call me", "role": "USER"},
        "cannot read 'call me' as a phone number",
    ),
    (
        "duplicate phone",
        ["users", "add", "-p", "Asha", "--name", "Ravi", "--phone", "{operator_phone}"],
        ADD,
        {"full_name": "Ravi", "phone": "{operator_phone}", "role": "USER"},
        "{operator_phone} is already registered in this project",
    ),
    (
        "unknown team",
        ["users", "add", "-p", "Asha", "--name", "Ravi", "--phone", "9811122233"]
        + ["--team", "Night"],
        ADD,
        {"full_name": "Ravi", "phone": "9811122233", "role": "USER", "team": "Night"},
        "no team 'Night' in Asha",
    ),
    (
        "bad email",
        ["users", "add", "-p", "Asha", "--name", "Ravi", "--phone", "9811122233"]
        + ["--email", "ravi at asha"],
        ADD,
        {"full_name": "Ravi", "phone": "9811122233", "role": "USER", "email": "ravi at asha"},
        "'ravi at asha' is not an email address",
    ),
    (
        "duplicate email",
        ["users", "add", "-p", "Asha", "--name", "Ravi", "--phone", "9811122233"]
        + ["--email", "{admin_email}"],
        ADD,
        {"full_name": "Ravi", "phone": "9811122233", "role": "USER", "email": "{admin_email}"},
        "{admin_email} is already registered",
    ),
    (
        "duplicate team",
        ["teams", "add", "-p", "Asha", "Asha Callers"],
        "/admin/teams",
        {"name": "Asha Callers"},
        "team 'Asha Callers' already exists",
    ),
    (
        "duplicate campaign",
        ["campaigns", "add", "-p", "Asha", "Asha Drive"],
        "/admin/campaigns",
        {"name": "Asha Drive"},
        "campaign 'Asha Drive' already exists",
    ),
    (
        "campaign ends before it starts",
        ["campaigns", "add", "-p", "Asha", "Winter", "--start", "2026-12-10"]
        + ["--end", "2026-12-01"],
        "/admin/campaigns",
        {"name": "Winter", "start": "2026-12-10", "end": "2026-12-01"},
        "a campaign cannot end before it starts",
    ),
    (
        "bad campaign date",
        ["campaigns", "add", "-p", "Asha", "Winter", "--start", "10/12/2026"],
        "/admin/campaigns",
        {"name": "Winter", "start": "10/12/2026"},
        "'10/12/2026' is not a date (YYYY-MM-DD)",
    ),
    (
        "bad amount",
        ["goals", "set", "-p", "Asha", "--campaign", "Asha Drive", "--date", "2026-11-27"]
        + ["--amount", "lots"],
        "/admin/campaigns/{campaign_id}/goals",
        {"date": "2026-11-27", "amount": "lots"},
        "goal amount: 'lots' is not an amount",
    ),
    (
        "zero amount",
        ["goals", "set", "-p", "Asha", "--campaign", "Asha Drive", "--date", "2026-11-27"]
        + ["--amount", "0"],
        "/admin/campaigns/{campaign_id}/goals",
        {"date": "2026-11-27", "amount": "0"},
        "goal amount: the amount must be more than zero",
    ),
    (
        "bad goal date",
        ["goals", "set", "-p", "Asha", "--campaign", "Asha Drive", "--date", "2026-13-01"]
        + ["--amount", "50000"],
        "/admin/campaigns/{campaign_id}/goals",
        {"date": "2026-13-01", "amount": "50000"},
        "'2026-13-01' is not a date (YYYY-MM-DD)",
    ),
]


@pytest.mark.parametrize(
    ("args", "url", "form", "message"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_the_dashboard_refuses_what_the_cli_refuses_in_its_words(
    client, world, db, calltime, args, url, form, message
) -> None:
    values = {
        "operator_phone": operator_phone(db, world),
        "admin_email": world.admin_email,
        "campaign_id": world.campaign_id,
    }
    message = message.format(**values)
    before = (audit_count(db), row_counts(db))

    code, output = calltime(*(a.format(**values) for a in args))
    assert code != 0 and message in output, output
    assert "Traceback" not in output

    form = {k: v.format(**values) for k, v in form.items()}
    response = client.post(url.format(**values), data={"csrf_token": csrf_token(client), **form})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and f"Not saved — {message}" in page
    for key, value in form.items():  # what was typed comes back (the choices are lists)
        assert key in ("role", "team") or f'value="{value}"' in page, key
    assert (audit_count(db), row_counts(db)) == before


def test_an_operator_added_on_the_dashboard_is_audited_as_the_admin(client, world, db) -> None:
    response = client.post(
        ADD,
        data={
            "csrf_token": csrf_token(client),
            "full_name": "Ravi Kumar",
            "phone": "098111 22233",
            "role": "user",
            "team": str(world.team_id),
        },
    )
    assert response.status_code == 302
    page = client.get(ADD).get_data(as_text=True)
    assert "Added Ravi Kumar (+91•••••22233) as USER." in page  # the number stays masked
    with db.session() as session:
        ravi = session.scalars(select(User).where(User.full_name == "Ravi Kumar")).one()
        assert (ravi.phone, ravi.role, ravi.project_id) == (
            "+919811122233",
            "USER",
            world.project_id,
        )
        assert ravi.password_hash is None
        member = session.scalars(select(TeamMember).where(TeamMember.user_id == ravi.id)).one()
        assert member.team_id == world.team_id
        entries = session.scalars(
            select(AuditLog).where(AuditLog.changed_by == f"user:{world.admin_id}")
        ).all()
        assert {(a.table_name, a.action, a.record_id) for a in entries} == {
            ("users", "insert", str(ravi.id)),
            ("team_members", "insert", str(member.id)),
        }


def test_role_team_and_deactivation_are_saved_and_audited(client, world, db) -> None:
    token = csrf_token(client)
    night = client.post("/admin/teams", data={"csrf_token": token, "name": "Night shift"})
    assert night.status_code == 302
    with db.session() as session:
        night_id = session.scalars(select(Team.id).where(Team.name == "Night shift")).one()
    url = f"/admin/operators/{world.operator_id}"
    assert "Asha Operator" in client.get(url).get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "role": "DEVELOPER", "team": str(night_id)})
    client.post(url, data={"csrf_token": token, "active": "no"})
    with db.session() as session:
        operator = session.get(User, world.operator_id)
        assert (operator.role, operator.is_active) == ("DEVELOPER", False)
        teams = session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == operator.id))
        assert list(teams) == [night_id]
        entries = session.scalars(
            select(AuditLog)
            .where(AuditLog.changed_by == f"user:{world.admin_id}")
            .order_by(AuditLog.timestamp, AuditLog.id)
        ).all()
    changes = [(a.table_name, a.action, a.old_values, a.new_values) for a in entries]
    # leaving USER for DEVELOPER: the seeded password (only admins may have one) goes too
    assert ("users", "update", {"role": "USER", "password_hash": PASSWORD_HASH}) + (
        {"role": "DEVELOPER", "password_hash": None},
    ) in changes
    assert ("users", "update", {"is_active": True}, {"is_active": False}) in changes
    assert [(t, a) for t, a, _, _ in changes if t == "team_members"] == [
        ("team_members", "delete"),
        ("team_members", "insert"),
    ]
    assert ("teams", "insert") in [(t, a) for t, a, _, _ in changes]
    listing = client.get(ADD).get_data(as_text=True)
    assert "deactivated" in listing and "Night shift" in listing


def test_a_demoted_admin_loses_password_and_sessions(app, client, world, db) -> None:
    with db.session() as session:
        other = session.get(User, world.operator_id)
        other.role, other.password_hash = "ADMIN", PASSWORD_HASH
    theirs = app.test_client()
    assert login(theirs, world.operator_email).status_code == 302
    assert theirs.get("/admin/operators").status_code == 200
    url = f"/admin/operators/{world.operator_id}"
    client.post(url, data={"csrf_token": csrf_token(client), "role": "USER"})
    assert theirs.get("/admin/operators").status_code == 302  # their session ended
    with db.session() as session:
        demoted = session.get(User, world.operator_id)
        assert (demoted.role, demoted.password_hash) == ("USER", None)
    # re-promoted, the old password does not come back with the role
    client.post(url, data={"csrf_token": csrf_token(client), "role": "ADMIN"})
    assert login(theirs, world.operator_email).status_code == 401


@pytest.mark.parametrize("form", [{"role": "USER"}, {"active": "no"}], ids=["demote", "deactivate"])
def test_the_last_active_admin_cannot_lock_everyone_out(client, world, db, form) -> None:
    url = f"/admin/operators/{world.admin_id}"
    before = audit_count(db)
    page = client.post(
        url, data={"csrf_token": csrf_token(client), **form}, follow_redirects=True
    ).get_data(as_text=True)
    assert (
        "Not saved — Asha Admin is the only active admin of this project; "
        "make someone else an admin first"
    ) in page
    with db.session() as session:
        admin = session.get(User, world.admin_id)
        assert (admin.role, admin.is_active, admin.password_hash) == ("ADMIN", True, PASSWORD_HASH)
    assert audit_count(db) == before


def test_a_refused_part_of_the_operator_form_saves_no_other_part(client, world, db) -> None:
    url = f"/admin/operators/{world.operator_id}"
    client.post(url, data={"csrf_token": csrf_token(client), "role": "DEVELOPER", "team": "Nope"})
    with db.session() as session:
        assert session.get(User, world.operator_id).role == "USER"


def test_teams_are_renamed_and_get_a_leaderboard(client, world, db) -> None:
    url = f"/admin/teams/{world.team_id}"
    client.post(
        url, data={"csrf_token": csrf_token(client), "name": "Evening", "leaderboard": "yes"}
    )
    with db.session() as session:
        team = session.get(Team, world.team_id)
        assert (team.name, team.leaderboard_enabled) == ("Evening", True)
        audit = session.scalars(
            select(AuditLog).where(
                AuditLog.record_id == str(world.team_id), AuditLog.action == "update"
            )
        ).one()
        assert audit.changed_by == f"user:{world.admin_id}"
        assert audit.new_values == {"name": "Evening", "leaderboard_enabled": True}


def test_campaigns_and_daily_goals_from_the_dashboard(client, world, db) -> None:
    token = csrf_token(client)
    response = client.post(
        "/admin/campaigns",
        data={"csrf_token": token, "name": "Diwali appeal", "start": "2026-11-20", "end": ""},
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    goals = f"{url}/goals"
    client.post(goals, data={"csrf_token": token, "date": "2026-11-26", "amount": "2.5L"})
    client.post(goals, data={"csrf_token": token, "date": "2026-11-27", "amount": "₹1,00,000"})
    client.post(
        goals, data={"csrf_token": token, "date": "2026-11-26", "amount": "3L", "contacts": "40"}
    )
    early = client.post(goals, data={"csrf_token": token, "date": "2026-11-01", "amount": "5"})
    assert "Diwali appeal starts on 2026-11-20, after 2026-11-01" in html.unescape(
        early.get_data(as_text=True)
    )
    page = client.get(url).get_data(as_text=True)
    assert "Thu 26 Nov" in page and "₹3,00,000" in page and "₹1,00,000" in page
    # today's goal on the overview: Asha Drive's ₹1,00,000 plus Diwali's ₹3,00,000
    assert "₹4,00,000" in client.get("/admin/").get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "status": "paused"})
    assert "₹4,00,000" not in client.get("/admin/").get_data(as_text=True)
    with db.session() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.name == "Diwali appeal")).one()
        assert (campaign.status, campaign.start_date) == ("paused", date(2026, 11, 20))
        rows = session.scalars(
            select(CampaignGoal)
            .where(CampaignGoal.campaign_id == campaign.id)
            .order_by(CampaignGoal.date)
        ).all()
        assert [(g.date.day, g.target_amount, g.target_contacts) for g in rows] == [
            (26, Decimal("300000.00"), 40),
            (27, Decimal("100000.00"), 0),
        ]
        removed = rows[1].id
    client.post(f"{url}/goals/{removed}/remove", data={"csrf_token": token})
    with db.session() as session:
        assert session.get(CampaignGoal, removed) is None
        actions = session.scalars(
            select(AuditLog.action).where(
                AuditLog.table_name == "campaign_goals",
                AuditLog.changed_by == f"user:{world.admin_id}",
            )
        ).all()
        assert sorted(actions) == ["delete", "insert", "insert", "update"]


def test_every_management_form_needs_the_csrf_token(client, world, db) -> None:
    before = (audit_count(db), row_counts(db))
    posts = {
        ADD: {"full_name": "Ravi", "phone": "9811122233", "role": "USER"},
        f"/admin/operators/{world.operator_id}": {"role": "ADMIN"},
        "/admin/teams": {"name": "Night"},
        f"/admin/teams/{world.team_id}": {"name": "Night"},
        "/admin/campaigns": {"name": "Winter"},
        f"/admin/campaigns/{world.campaign_id}": {"status": "paused"},
        f"/admin/campaigns/{world.campaign_id}/goals": {"date": "2026-11-27", "amount": "5"},
        f"/admin/campaigns/{world.campaign_id}/goals/{world.goal_id}/remove": {},
    }
    for url, form in posts.items():
        assert client.post(url, data=form).status_code == 400, url
        assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 400, url
    assert (audit_count(db), row_counts(db)) == before


def test_management_pages_are_for_admins_only(app, world) -> None:
    visitor = app.test_client()
    for url in (ADD, "/admin/campaigns", f"/admin/operators/{world.operator_id}"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert login(visitor, world.operator_email).status_code == 401  # an operator cannot sign in
