"""Creating the organisation's skeleton: projects, operators, teams, campaigns, goals.

Used by the CLI, the demo seeder and the admin pages. Each function validates its input
and raises :class:`DirectoryError` with a message fit for a person before writing.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine.timezones import known_zone
from bot.models import Campaign, CampaignGoal, Project, Team, TeamMember, User
from bot.models.enums import ROLES
from bot.models.types import quantize_amount
from bot.phones import InvalidPhone, to_e164
from bot.store import ProjectScope


class DirectoryError(ValueError):
    """Input that cannot be saved, with the reason."""


def create_project(
    session: Session,
    name: str,
    whatsapp_number: str,
    *,
    timezone: str = "Asia/Kolkata",
    currency: str = "INR",
    upi_vpa: str | None = None,
    default_region: str = "IN",
) -> Project:
    """Create a project reached on ``whatsapp_number``."""
    if not name.strip():
        raise DirectoryError("a project needs a name")
    if known_zone(timezone) is None:
        raise DirectoryError(f"unknown timezone {timezone!r}")
    if len(currency) != 3 or not currency.isalpha():
        raise DirectoryError(f"currency must be a 3-letter code, not {currency!r}")
    number = _phone(whatsapp_number, default_region)
    if session.scalar(select(Project).where(Project.whatsapp_number == number)):
        raise DirectoryError(f"another project already uses {number}")
    project = Project(
        name=name.strip(),
        whatsapp_number=number,
        timezone=timezone,
        currency=currency.upper(),
        upi_vpa=upi_vpa or None,
        default_region=default_region,
        settings_json={},
    )
    session.add(project)
    session.flush()
    return project


def add_user(
    scope: ProjectScope,
    full_name: str,
    phone: str | None,
    role: str,
    *,
    email: str | None = None,
    team: Team | None = None,
    region: str = "IN",
) -> User:
    """Register an operator or admin; the phone is the WhatsApp number they write from."""
    role = role.upper()
    if role not in ROLES:
        raise DirectoryError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not full_name.strip():
        raise DirectoryError("a user needs a name")
    number = _phone(phone, region) if phone else None
    if number and scope.first(User, User.phone == number):
        raise DirectoryError(f"{number} is already registered in this project")
    if email and scope.session.scalar(select(User).where(User.email == email)):
        raise DirectoryError(f"{email} is already registered")
    user = scope.insert(User(full_name=full_name.strip(), phone=number, email=email, role=role))
    if team is not None:
        scope.insert(TeamMember(team_id=team.id, user_id=user.id, member_role="MEMBER"))
    return user


def add_team(scope: ProjectScope, name: str, *, leaderboard: bool = False) -> Team:
    if not name.strip():
        raise DirectoryError("a team needs a name")
    if scope.first(Team, Team.name == name.strip()):
        raise DirectoryError(f"team {name!r} already exists")
    return scope.insert(Team(name=name.strip(), leaderboard_enabled=leaderboard))


def add_campaign(
    scope: ProjectScope,
    name: str,
    *,
    start: date | None = None,
    end: date | None = None,
    description: str | None = None,
) -> Campaign:
    if not name.strip():
        raise DirectoryError("a campaign needs a name")
    if start and end and end < start:
        raise DirectoryError("a campaign cannot end before it starts")
    return scope.insert(
        Campaign(name=name.strip(), start_date=start, end_date=end, description=description)
    )


def set_goal(
    scope: ProjectScope, campaign: Campaign, day: date, amount: str | Decimal, contacts: int = 0
) -> CampaignGoal:
    """Set (or change) a campaign's target for ``day``."""
    try:
        target = quantize_amount(str(amount).replace(",", ""))
    except InvalidOperation as exc:
        raise DirectoryError(f"{amount!r} is not an amount") from exc
    if target < 0 or contacts < 0:
        raise DirectoryError("targets cannot be negative")
    goal = scope.first(
        CampaignGoal, CampaignGoal.campaign_id == campaign.id, CampaignGoal.date == day
    )
    if goal is not None:
        return scope.update(goal, target_amount=target, target_contacts=contacts)
    return scope.insert(
        CampaignGoal(
            campaign_id=campaign.id, date=day, target_amount=target, target_contacts=contacts
        )
    )


def find_by_name_or_id(scope: ProjectScope, model: type, ref: str):  # type: ignore[no-untyped-def]
    """A team, campaign or user of this project by id or exact name."""
    try:
        return scope.get(model, uuid.UUID(ref))
    except ValueError:
        column = model.full_name if model is User else model.name
        return scope.first(model, column == ref)


def _phone(raw: str, region: str) -> str:
    try:
        return to_e164(raw, region)
    except InvalidPhone as exc:
        raise DirectoryError(str(exc)) from exc
