"""Creating the organisation's skeleton: projects, operators, teams, campaigns, goals.

Used by the CLI, the demo seeder and the admin pages. Each function validates its input
and raises :class:`DirectoryError` with a message fit for a person before writing.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.directory.accounts import ADMIN_ROLES
from bot.engine.amounts import AmountError, parse_amount
from bot.engine.timezones import known_zone
from bot.models import Campaign, CampaignGoal, Project, Team, TeamMember, User
from bot.models.enums import CAMPAIGN_STATUSES, ROLES
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
    role = _role(role)
    if not full_name.strip():
        raise DirectoryError("a user needs a name")
    number = _phone(phone, region) if phone is not None else None
    if number and scope.first(User, User.phone == number):
        raise DirectoryError(f"{number} is already registered in this project")
    email = _email(email) if email and email.strip() else None
    # Emails sign admins in across projects, so they are unique everywhere.
    if email and scope.session.scalar(select(User).where(func.lower(User.email) == email.lower())):
        raise DirectoryError(f"{email} is already registered")
    user = scope.insert(User(full_name=full_name.strip(), phone=number, email=email, role=role))
    if team is not None:
        scope.insert(TeamMember(team_id=team.id, user_id=user.id, member_role="MEMBER"))
    return user


def set_role(scope: ProjectScope, user: User, role: str) -> User:
    """Change ``user``'s role; leaving the admins also drops their dashboard password.

    Only admins have passwords (:mod:`bot.directory.accounts`); the change of role ends
    the user's open dashboard sessions by itself (``users.session_version``).
    """
    role = _role(role)
    if role == user.role:
        return user
    changes: dict[str, object] = {"role": role}
    if role not in ADMIN_ROLES:
        _keep_an_admin(scope, user)
        if user.password_hash:
            changes["password_hash"] = None
    return scope.update(user, **changes)


def set_active(scope: ProjectScope, user: User, active: bool) -> User:
    """Deactivate (or reactivate) ``user``: an inactive user's messages are not answered.

    Deactivating an admin also drops their dashboard password.
    """
    if active == user.is_active:
        return user
    changes: dict[str, object] = {"is_active": active}
    if not active:
        _keep_an_admin(scope, user)
        if user.password_hash:
            changes["password_hash"] = None
    return scope.update(user, **changes)


def set_team(scope: ProjectScope, user: User, team: Team | None) -> None:
    """Make ``team`` the user's only team (``None``: no team); memberships are audited."""
    if team is not None and team.project_id != scope.project_id:
        raise DirectoryError("that team belongs to another project")
    members = scope.all(TeamMember, TeamMember.user_id == user.id)
    for member in members:
        if team is None or member.team_id != team.id:
            scope.delete(member)
    if team is not None and all(member.team_id != team.id for member in members):
        scope.insert(TeamMember(team_id=team.id, user_id=user.id, member_role="MEMBER"))


def _keep_an_admin(scope: ProjectScope, user: User) -> None:
    """Refuse to leave the project without an active admin: nobody could sign in."""
    if user.role not in ADMIN_ROLES or not user.is_active:
        return
    others = scope.count(
        User, User.id != user.id, User.role.in_(ADMIN_ROLES), User.is_active.is_(True)
    )
    if not others:
        raise DirectoryError(
            f"{user.full_name} is the only active admin of this project; "
            "make someone else an admin first"
        )


def add_team(scope: ProjectScope, name: str, *, leaderboard: bool = False) -> Team:
    """Create a team; names are unique within the project."""
    name = _team_name(scope, name)
    return scope.insert(Team(name=name, leaderboard_enabled=leaderboard))


def update_team(
    scope: ProjectScope, team: Team, *, name: str | None = None, leaderboard: bool | None = None
) -> Team:
    """Rename a team or switch its leaderboard on or off."""
    changes: dict[str, object] = {}
    if name is not None and name.strip() != team.name:
        changes["name"] = _team_name(scope, name)
    if leaderboard is not None:
        changes["leaderboard_enabled"] = leaderboard
    return scope.update(team, **changes) if changes else team


def _team_name(scope: ProjectScope, name: str) -> str:
    if not name.strip():
        raise DirectoryError("a team needs a name")
    if scope.first(Team, Team.name == name.strip()):
        raise DirectoryError(f"team {name!r} already exists")
    return name.strip()


def add_campaign(
    scope: ProjectScope,
    name: str,
    *,
    start: date | None = None,
    end: date | None = None,
    description: str | None = None,
) -> Campaign:
    """Create a campaign; names are unique within the project."""
    if not name.strip():
        raise DirectoryError("a campaign needs a name")
    if scope.first(Campaign, Campaign.name == name.strip()):
        raise DirectoryError(f"campaign {name!r} already exists")
    if start and end and end < start:
        raise DirectoryError("a campaign cannot end before it starts")
    return scope.insert(
        Campaign(
            name=name.strip(),
            start_date=start,
            end_date=end,
            description=(description or "").strip() or None,
        )
    )


def set_campaign_status(scope: ProjectScope, campaign: Campaign, status: str) -> Campaign:
    """Pause, resume or complete a campaign: only active campaigns' goals count today."""
    if status not in CAMPAIGN_STATUSES:
        raise DirectoryError(
            f"status must be one of {', '.join(CAMPAIGN_STATUSES)}, not {status!r}"
        )
    return scope.update(campaign, status=status)


def set_goal(
    scope: ProjectScope,
    campaign: Campaign,
    day: date,
    amount: str | Decimal,
    contacts: int | str = 0,
) -> CampaignGoal:
    """Set (or change) a campaign's target for ``day``.

    ``amount`` is read like an operator's amount (``250000``, ``2.5L``, ``₹25k``).
    """
    try:
        target = parse_amount(str(amount))
    except AmountError as exc:
        raise DirectoryError(f"goal amount: {exc}") from exc
    count = _count(contacts)
    if campaign.start_date and day < campaign.start_date:
        raise DirectoryError(f"{campaign.name} starts on {campaign.start_date}, after {day}")
    if campaign.end_date and day > campaign.end_date:
        raise DirectoryError(f"{campaign.name} ended on {campaign.end_date}, before {day}")
    goal = scope.first(
        CampaignGoal, CampaignGoal.campaign_id == campaign.id, CampaignGoal.date == day
    )
    if goal is not None:
        return scope.update(goal, target_amount=target, target_contacts=count)
    return scope.insert(
        CampaignGoal(campaign_id=campaign.id, date=day, target_amount=target, target_contacts=count)
    )


def remove_goal(scope: ProjectScope, goal: CampaignGoal) -> None:
    """Drop one day's target (audited, so it can be put back)."""
    scope.delete(goal)


def _count(raw: int | str) -> int:
    try:
        count = int(str(raw).strip() or 0)
    except ValueError as exc:
        raise DirectoryError(f"{raw!r} is not a whole number of contacts") from exc
    if count < 0:
        raise DirectoryError("targets cannot be negative")
    return count


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` date typed on the command line or into a form."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise DirectoryError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


#: A row a command line or form may name, by id or by exact name.
Named = TypeVar("Named", Team, Campaign, User)


def find_by_name_or_id(scope: ProjectScope, model: type[Named], ref: str) -> Named | None:
    """A team, campaign or user of this project by id or exact name."""
    try:
        return scope.get(model, uuid.UUID(ref))
    except ValueError:
        return scope.first(model, _name_column(model) == ref)


def _name_column(model: type[Team | Campaign | User]) -> InstrumentedAttribute[str]:
    if issubclass(model, User):
        return model.full_name
    return model.name


_NOUNS: dict[type[Team | Campaign | User], str] = {Team: "team", Campaign: "campaign", User: "user"}


def require_named(scope: ProjectScope, model: type[Named], ref: str) -> Named:
    """Like :func:`find_by_name_or_id`, but a missing row is an error naming the project.

    Raises:
        DirectoryError: ``no team 'Night' in Asha Foundation`` (also for another
            project's id: one project never learns of another's rows).
    """
    row = find_by_name_or_id(scope, model, ref.strip()) if ref.strip() else None
    if row is None:
        project = scope.session.get(Project, scope.project_id)
        where = project.name if project is not None else "this project"
        raise DirectoryError(f"no {_NOUNS[model]} {ref!r} in {where}")
    return row


def _role(raw: str) -> str:
    role = (raw or "").strip().upper()
    if role not in ROLES:
        raise DirectoryError(f"role must be one of {', '.join(ROLES)}, not {raw!r}")
    return role


def _email(raw: str) -> str:
    email = raw.strip()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in email) or len(email) > 254:
        raise DirectoryError(f"{raw!r} is not an email address")
    return email


def _phone(raw: str, region: str) -> str:
    try:
        return to_e164(raw, region)
    except InvalidPhone as exc:
        raise DirectoryError(str(exc)) from exc
