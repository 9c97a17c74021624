"""``calltime projects|users|teams|campaigns|goals …``: the organisation's skeleton."""

from __future__ import annotations

from datetime import date

import click

from bot.cli.common import (
    ROLE_CHOICE,
    CliState,
    echo_row,
    find_project,
    pass_state,
    project_option,
)
from bot.directory.org import (
    DirectoryError,
    add_campaign,
    add_team,
    add_user,
    create_project,
    parse_day,
    require_named,
    set_goal,
)
from bot.models import Campaign, Team
from bot.store import ProjectScope


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except DirectoryError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.group("projects")
def projects_group() -> None:
    """Projects: one organisation each, reached on its own WhatsApp number."""


@projects_group.command("add")
@click.argument("name")
@click.option("--whatsapp-number", required=True, help="The number operators write to (E.164).")
@click.option(
    "--timezone",
    default="Asia/Kolkata",
    show_default=True,
    help="IANA time zone for dates and times shown to operators.",
)
@click.option(
    "--currency", default="INR", show_default=True, help="3-letter currency code for amounts."
)
@click.option("--upi-vpa", default=None, help="UPI address for payment links, e.g. ngo@upi.")
@pass_state
def projects_add(
    state: CliState,
    name: str,
    whatsapp_number: str,
    timezone: str,
    currency: str,
    upi_vpa: str | None,
) -> None:
    """Create a project."""
    with state.runtime.db.session() as session:
        try:
            project = create_project(
                session,
                name,
                whatsapp_number,
                timezone=timezone,
                currency=currency,
                upi_vpa=upi_vpa,
            )
        except DirectoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row(
            "created project", id=project.id, name=project.name, number=project.whatsapp_number
        )


@click.group("users")
def users_group() -> None:
    """Operators and admins."""


@users_group.command("add")
@project_option
@click.option("--name", required=True, help="Full name, as the team knows them.")
@click.option("--phone", required=True, help="WhatsApp number the user writes from.")
@click.option(
    "--role",
    type=ROLE_CHOICE,
    default="user",
    show_default=True,
    help="admin: signs in to the dashboard; user: an operator; guest: an operator whose "
    "assistant only reads; developer: as user.",
)
@click.option("--team", default=None, help="Team name or id to join.")
@click.option("--email", default=None, help="Email address (admins sign in with it).")
@pass_state
def users_add(
    state: CliState,
    project: str,
    name: str,
    phone: str,
    role: str,
    team: str | None,
    email: str | None,
) -> None:
    """Register a user in a project."""
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        scope = ProjectScope(session, proj.id, actor="cli")
        try:
            team_row = require_named(scope, Team, team) if team else None
            user = add_user(
                scope,
                name,
                phone,
                role.upper(),
                email=email,
                team=team_row,
                region=proj.default_region,
            )
        except DirectoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row(
            "created user",
            id=user.id,
            name=user.full_name,
            phone=user.phone,
            role=user.role.lower(),
        )


@click.group("teams")
def teams_group() -> None:
    """Teams of operators."""


@teams_group.command("add")
@project_option
@click.argument("name")
@click.option(
    "--leaderboard/--no-leaderboard", default=False, help="Show a team leaderboard in stats."
)
@pass_state
def teams_add(state: CliState, project: str, name: str, leaderboard: bool) -> None:
    """Create a team."""
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        try:
            team = add_team(
                ProjectScope(session, proj.id, actor="cli"), name, leaderboard=leaderboard
            )
        except DirectoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row("created team", id=team.id, name=team.name)


@click.group("campaigns")
def campaigns_group() -> None:
    """Fundraising campaigns."""


@campaigns_group.command("add")
@project_option
@click.argument("name")
@click.option("--start", default=None, help="Start date, YYYY-MM-DD.")
@click.option("--end", default=None, help="End date, YYYY-MM-DD.")
@click.option("--description", default=None, help="What the campaign is for (shown to admins).")
@pass_state
def campaigns_add(
    state: CliState,
    project: str,
    name: str,
    start: str | None,
    end: str | None,
    description: str | None,
) -> None:
    """Create a campaign."""
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        try:
            campaign = add_campaign(
                ProjectScope(session, proj.id, actor="cli"),
                name,
                start=_date(start),
                end=_date(end),
                description=description,
            )
        except DirectoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row("created campaign", id=campaign.id, name=campaign.name)


@click.group("goals")
def goals_group() -> None:
    """Daily campaign targets."""


@goals_group.command("set")
@project_option
@click.option("--campaign", required=True, help="Campaign name or id.")
@click.option("--date", "day", required=True, help="YYYY-MM-DD.")
@click.option("--amount", required=True, help="Target amount in the project's currency.")
@click.option("--contacts", default=0, type=int, help="Target number of contacts reached.")
@pass_state
def goals_set(
    state: CliState, project: str, campaign: str, day: str, amount: str, contacts: int
) -> None:
    """Set a campaign's target for one day."""
    with state.runtime.db.session() as session:
        proj = find_project(session, project)
        scope = ProjectScope(session, proj.id, actor="cli")
        parsed = _date(day)
        assert parsed is not None
        try:
            camp = require_named(scope, Campaign, campaign)
            goal = set_goal(scope, camp, parsed, amount, contacts)
        except DirectoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row(
            "goal set",
            campaign=camp.name,
            date=goal.date,
            amount=goal.target_amount,
            contacts=goal.target_contacts,
        )
