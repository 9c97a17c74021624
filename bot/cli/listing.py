"""``calltime projects|users|teams|campaigns|goals list``: what is there, in columns."""

from __future__ import annotations

from collections import defaultdict

import click
from sqlalchemy import select

from bot.cli.common import (
    ROLE_CHOICE,
    CliState,
    echo_table,
    find_project,
    pass_state,
    project_option,
)
from bot.directory.org import find_by_name_or_id
from bot.engine.amounts import format_money
from bot.models import Campaign, CampaignGoal, Project, Team, TeamMember, User
from bot.store import ProjectScope


@click.command("list")
@pass_state
def projects_list(state: CliState) -> None:
    """List every project with its WhatsApp number and how many active users it has."""
    with state.runtime.db.session(read_only=True) as session:
        rows = []
        for project in session.scalars(select(Project).order_by(Project.name)):
            scope = ProjectScope(session, project.id, actor="cli")
            users = scope.count(User, User.is_active.is_(True))
            rows.append(
                (
                    project.name,
                    project.whatsapp_number,
                    project.timezone,
                    project.currency,
                    users,
                    project.id,
                )
            )
    echo_table(
        ("NAME", "WHATSAPP NUMBER", "TIMEZONE", "CURRENCY", "USERS", "ID"),
        rows,
        "no projects yet: calltime projects add NAME --whatsapp-number N (or calltime demo)",
    )


@click.command("list")
@project_option
@click.option("--role", type=ROLE_CHOICE, default=None, help="Only users with this role.")
@pass_state
def users_list(state: CliState, project: str, role: str | None) -> None:
    """List a project's users: name, phone, role, teams, email, whether active."""
    with state.runtime.db.session(read_only=True) as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        where = [User.role == role.upper()] if role else []
        users = scope.all(User, *where, order_by=(User.full_name, User.id))
        teams = _team_names(scope)
        rows = [
            (
                user.full_name,
                user.phone,
                user.role.lower(),
                ", ".join(teams.get(user.id, [])) or None,
                user.email,
                user.is_active,
            )
            for user in users
        ]
    echo_table(("NAME", "PHONE", "ROLE", "TEAMS", "EMAIL", "ACTIVE"), rows, "no users")


def _team_names(scope: ProjectScope) -> dict[object, list[str]]:
    """Each user's team names, by user id."""
    names = {team.id: team.name for team in scope.all(Team)}
    found: dict[object, list[str]] = defaultdict(list)
    for member in scope.all(TeamMember, order_by=TeamMember.created_at):
        if member.team_id in names:
            found[member.user_id].append(names[member.team_id])
    return found


@click.command("list")
@project_option
@pass_state
def teams_list(state: CliState, project: str) -> None:
    """List a project's teams with their member counts."""
    with state.runtime.db.session(read_only=True) as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        members: dict[object, int] = defaultdict(int)
        for member in scope.all(TeamMember):
            members[member.team_id] += 1
        rows = [
            (team.name, members[team.id], team.leaderboard_enabled, team.id)
            for team in scope.all(Team, order_by=Team.name)
        ]
    echo_table(("NAME", "MEMBERS", "LEADERBOARD", "ID"), rows, "no teams")


@click.command("list")
@project_option
@pass_state
def campaigns_list(state: CliState, project: str) -> None:
    """List a project's campaigns with their dates and how many daily goals they have."""
    with state.runtime.db.session(read_only=True) as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        goals: dict[object, int] = defaultdict(int)
        for goal in scope.all(CampaignGoal):
            goals[goal.campaign_id] += 1
        rows = [
            (c.name, c.start_date, c.end_date, c.status, goals[c.id], c.id)
            for c in scope.all(Campaign, order_by=Campaign.name)
        ]
    echo_table(("NAME", "START", "END", "STATUS", "GOALS", "ID"), rows, "no campaigns")


@click.command("list")
@project_option
@click.option("--campaign", default=None, help="Only this campaign's goals (name or id).")
@pass_state
def goals_list(state: CliState, project: str, campaign: str | None) -> None:
    """List daily targets by campaign and date, amounts in the project's currency."""
    with state.runtime.db.session(read_only=True) as session:
        proj = find_project(session, project)
        scope = ProjectScope(session, proj.id, actor="cli")
        campaigns = {c.id: c.name for c in scope.all(Campaign)}
        where = []
        if campaign is not None:
            found = find_by_name_or_id(scope, Campaign, campaign)
            if found is None:
                raise click.ClickException(f"no campaign {campaign!r} in {proj.name}")
            where.append(CampaignGoal.campaign_id == found.id)
        goals = scope.all(CampaignGoal, *where, order_by=CampaignGoal.date)
        rows = sorted(
            (
                campaigns.get(g.campaign_id, "?"),
                g.date,
                format_money(g.target_amount, proj.currency),
                g.target_contacts,
            )
            for g in goals
        )
    echo_table(("CAMPAIGN", "DATE", "AMOUNT", "CONTACTS"), rows, "no goals")
