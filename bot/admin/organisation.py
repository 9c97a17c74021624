"""What the operators and campaigns pages list: one project's people, teams and goals.

Reads only; every change goes through :mod:`bot.directory.org`, the functions the CLI
calls, so the dashboard and ``calltime users|teams|campaigns|goals`` validate alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from bot.models import Campaign, CampaignGoal, Team, TeamMember, User
from bot.store import ProjectScope

#: Goals listed on a campaign's page: the coming weeks and the recent past.
GOALS_SHOWN = 60


@dataclass
class Operator:
    user: User
    teams: list[Team] = field(default_factory=list)

    @property
    def team(self) -> Team | None:
        """The team the dashboard shows (a user joined to several shows the first)."""
        return self.teams[0] if self.teams else None


def operators(scope: ProjectScope) -> list[Operator]:
    """Every user of the project, active ones first, by name, with their teams."""
    users = scope.all(User, order_by=[User.is_active.desc(), User.full_name, User.id])
    teams_of = teams_by_user(scope)
    return [Operator(u, teams_of.get(u.id, [])) for u in users]


def teams_by_user(scope: ProjectScope) -> dict[uuid.UUID, list[Team]]:
    stmt = (
        select(TeamMember.user_id, Team)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.project_id == scope.project_id, Team.project_id == scope.project_id)
        .order_by(Team.name)
    )
    found: dict[uuid.UUID, list[Team]] = {}
    for user_id, team in scope.session.execute(stmt):
        found.setdefault(user_id, []).append(team)
    return found


def teams(scope: ProjectScope) -> list[tuple[Team, int]]:
    """The project's teams by name, each with its number of members."""
    members = (
        select(TeamMember.team_id, func.count().label("n"))
        .where(TeamMember.project_id == scope.project_id)
        .group_by(TeamMember.team_id)
        .subquery()
    )
    stmt = (
        select(Team, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.team_id == Team.id)
        .where(Team.project_id == scope.project_id)
        .order_by(Team.name, Team.id)
    )
    return [(team, int(n)) for team, n in scope.session.execute(stmt)]


_STATUS_ORDER = case((Campaign.status == "active", 0), (Campaign.status == "paused", 1), else_=2)


@dataclass
class CampaignRow:
    campaign: Campaign
    today_goal: Decimal | None
    goal_days: int


def campaigns(scope: ProjectScope, today: date) -> list[CampaignRow]:
    """Campaigns (active first, newest first) with today's goal and how many days have one."""
    stmt = (
        select(
            Campaign,
            func.sum(CampaignGoal.target_amount).filter(CampaignGoal.date == today),
            func.count(CampaignGoal.id),
        )
        .outerjoin(
            CampaignGoal,
            (CampaignGoal.campaign_id == Campaign.id)
            & (CampaignGoal.project_id == scope.project_id),
        )
        .where(Campaign.project_id == scope.project_id)
        .group_by(Campaign.id)
        .order_by(_STATUS_ORDER, Campaign.created_at.desc(), Campaign.name)
    )
    return [
        CampaignRow(c, Decimal(str(goal)) if goal is not None else None, int(days))
        for c, goal, days in scope.session.execute(stmt)
    ]


def goals(scope: ProjectScope, campaign: Campaign, today: date) -> list[CampaignGoal]:
    """The campaign's goals from a week ago on, soonest first; without any, its latest."""
    upcoming = scope.all(
        CampaignGoal,
        CampaignGoal.campaign_id == campaign.id,
        CampaignGoal.date >= today - timedelta(days=7),
        order_by=CampaignGoal.date,
        limit=GOALS_SHOWN,
    )
    return upcoming or scope.all(
        CampaignGoal,
        CampaignGoal.campaign_id == campaign.id,
        order_by=CampaignGoal.date.desc(),
        limit=GOALS_SHOWN,
    )
