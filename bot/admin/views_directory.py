"""Operators, teams, campaigns and daily goals: run the campaign without a shell.

Every change calls the function the CLI calls (:mod:`bot.directory.org`), so the
dashboard refuses exactly what ``calltime users add`` or ``calltime goals set`` refuse,
with the same words; writes go through the admin's :class:`~bot.store.ProjectScope`
(audited as ``user:<admin id>``). A refused form changes nothing and is shown again
with the reason.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot.admin import organisation
from bot.admin.blueprint import bp, local_when
from bot.admin.security import admin_view
from bot.admin.timeframe import local_today
from bot.directory.org import (
    DirectoryError,
    add_campaign,
    add_team,
    add_user,
    parse_day,
    remove_goal,
    require_named,
    set_active,
    set_campaign_status,
    set_goal,
    set_role,
    set_team,
    update_team,
)
from bot.models import Campaign, CampaignGoal, Team, User
from bot.models.enums import CAMPAIGN_STATUSES, ROLES
from bot.phones import mask
from bot.store import ProjectScope


def _refused(exc: DirectoryError) -> str:
    """Undo whatever part of the form was applied; the reason, for the page."""
    g.scope.session.rollback()
    return f"Not saved — {exc}"


def _team_or_none(ref: str) -> Team | None:
    return require_named(g.scope, Team, ref) if ref.strip() else None


# -- operators and teams ----------------------------------------------------------------
def _operators_page(error: str | None = None, form: dict[str, str] | None = None) -> Any:
    body = render_template(
        "admin/operators.html",
        operators=organisation.operators(g.scope),
        teams=organisation.teams(g.scope),
        roles=ROLES,
        error=error,
        form=form or {},
    )
    return (body, 400) if error else body


@bp.get("/operators")
@admin_view
def operators() -> Any:
    """Every operator and admin with role, team and state; the add form; the teams."""
    return _operators_page()


@bp.post("/operators")
@admin_view
def add_operator() -> Any:
    """Register an operator (or admin) as ``calltime users add`` does."""
    form = {k: request.form.get(k, "") for k in ("full_name", "phone", "role", "team", "email")}
    try:
        user = add_user(
            g.scope,
            form["full_name"],
            form["phone"],
            form["role"] or "USER",
            email=form["email"] or None,
            team=_team_or_none(form["team"]),
            region=g.project.default_region,
        )
    except DirectoryError as exc:
        return _operators_page(_refused(exc), form)
    flash(f"Added {user.full_name} ({mask(user.phone)}) as {user.role}.", "ok")
    return redirect(url_for("admin.operators"))


def _user_or_404(user_id: str) -> User:
    scope: ProjectScope = g.scope
    user = scope.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/operators/<user_id>")
@admin_view
def operator(user_id: str) -> Any:
    """One operator: change the role or the team, deactivate or reactivate."""
    user = _user_or_404(user_id)
    return render_template(
        "admin/operator.html",
        op=organisation.Operator(user, organisation.teams_by_user(g.scope).get(user.id, [])),
        teams=organisation.teams(g.scope),
        roles=ROLES,
    )


@bp.post("/operators/<user_id>")
@admin_view
def edit_operator(user_id: str) -> Any:
    """Save role, team and active state together; a refusal changes none of them."""
    user = _user_or_404(user_id)
    form = request.form
    try:
        if "role" in form:
            set_role(g.scope, user, form["role"])
        if "team" in form:
            set_team(g.scope, user, _team_or_none(form["team"]))
        if "active" in form:
            set_active(g.scope, user, form["active"] == "yes")
    except DirectoryError as exc:
        flash(_refused(exc), "error")
        return redirect(url_for("admin.operator", user_id=user_id))
    flash(f"Saved {user.full_name}.", "ok")
    return redirect(url_for("admin.operator", user_id=user_id))


@bp.post("/teams")
@admin_view
def add_team_view() -> Any:
    """Create a team as ``calltime teams add`` does."""
    name = request.form.get("name", "")
    try:
        team = add_team(g.scope, name, leaderboard=request.form.get("leaderboard") == "yes")
    except DirectoryError as exc:
        return _operators_page(_refused(exc), {"team_name": name})
    flash(f"Team {team.name} created.", "ok")
    return redirect(url_for("admin.operators") + "#teams")


@bp.post("/teams/<team_id>")
@admin_view
def edit_team(team_id: str) -> Any:
    """Rename a team or switch its leaderboard."""
    team = g.scope.get(Team, team_id)
    if team is None:
        abort(404)
    try:
        update_team(
            g.scope,
            team,
            name=request.form.get("name"),
            leaderboard=request.form.get("leaderboard") == "yes",
        )
    except DirectoryError as exc:
        flash(_refused(exc), "error")
    else:
        flash(f"Team {team.name} saved.", "ok")
    return redirect(url_for("admin.operators") + "#teams")


# -- campaigns and goals ----------------------------------------------------------------
def _campaigns_page(error: str | None = None, form: dict[str, str] | None = None) -> Any:
    today = local_today(g.now, g.project.timezone)
    body = render_template(
        "admin/campaigns.html",
        rows=organisation.campaigns(g.scope, today),
        today=today,
        error=error,
        form=form or {},
    )
    return (body, 400) if error else body


@bp.get("/campaigns")
@admin_view
def campaigns() -> Any:
    """Campaigns with today's goal; the add form."""
    return _campaigns_page()


@bp.post("/campaigns")
@admin_view
def add_campaign_view() -> Any:
    """Create a campaign as ``calltime campaigns add`` does."""
    form = {k: request.form.get(k, "") for k in ("name", "start", "end", "description")}
    try:
        campaign = add_campaign(
            g.scope,
            form["name"],
            start=parse_day(form["start"]) if form["start"].strip() else None,
            end=parse_day(form["end"]) if form["end"].strip() else None,
            description=form["description"],
        )
    except DirectoryError as exc:
        return _campaigns_page(_refused(exc), form)
    flash(f"Campaign {campaign.name} created; set its daily goals below.", "ok")
    return redirect(url_for("admin.campaign", campaign_id=campaign.id))


def _campaign_or_404(campaign_id: str) -> Campaign:
    scope: ProjectScope = g.scope
    campaign = scope.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _campaign_page(
    campaign: Campaign, error: str | None = None, form: dict[str, str] | None = None
) -> Any:
    today = local_today(g.now, g.project.timezone)
    body = render_template(
        "admin/campaign.html",
        c=campaign,
        goals=organisation.goals(g.scope, campaign, today),
        today=today,
        statuses=CAMPAIGN_STATUSES,
        error=error,
        form=form or {},
    )
    return (body, 400) if error else body


@bp.get("/campaigns/<campaign_id>")
@admin_view
def campaign(campaign_id: str) -> Any:
    """One campaign: its status and its daily goals, with a form to set one."""
    return _campaign_page(_campaign_or_404(campaign_id))


@bp.post("/campaigns/<campaign_id>")
@admin_view
def edit_campaign(campaign_id: str) -> Any:
    """Pause, resume or complete a campaign."""
    campaign = _campaign_or_404(campaign_id)
    try:
        set_campaign_status(g.scope, campaign, request.form.get("status", ""))
    except DirectoryError as exc:
        flash(_refused(exc), "error")
    else:
        flash(f"{campaign.name} is {campaign.status}.", "ok")
    return redirect(url_for("admin.campaign", campaign_id=campaign_id))


@bp.post("/campaigns/<campaign_id>/goals")
@admin_view
def set_goal_view(campaign_id: str) -> Any:
    """Set one day's goal as ``calltime goals set`` does."""
    campaign = _campaign_or_404(campaign_id)
    form = {k: request.form.get(k, "") for k in ("date", "amount", "contacts")}
    try:
        goal = set_goal(
            g.scope, campaign, parse_day(form["date"]), form["amount"], form["contacts"] or 0
        )
    except DirectoryError as exc:
        return _campaign_page(campaign, _refused(exc), form)
    flash(f"Goal for {local_when(goal.date)} saved.", "ok")
    return redirect(url_for("admin.campaign", campaign_id=campaign_id))


@bp.post("/campaigns/<campaign_id>/goals/<goal_id>/remove")
@admin_view
def remove_goal_view(campaign_id: str, goal_id: str) -> Any:
    """Drop one day's goal (audited)."""
    campaign = _campaign_or_404(campaign_id)
    goal = g.scope.get(CampaignGoal, goal_id)
    if goal is None or goal.campaign_id != campaign.id:
        abort(404)
    remove_goal(g.scope, goal)
    flash("Goal removed.", "ok")
    return redirect(url_for("admin.campaign", campaign_id=campaign_id))
