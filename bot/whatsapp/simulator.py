"""``/simulator``: a WhatsApp-like page that talks to the real pipeline.

Messages typed here go through :func:`bot.whatsapp.intake.inject_inbound` — the same store →
queue → worker → sender path as Twilio's webhook — and the page polls a JSON endpoint
for the newest :data:`PAGE` messages of the thread, paging backwards on request (``Load
earlier``). Times are the operator's (the project's unless the operator has their own
timezone), written as on WhatsApp (``5:02 PM IST``). Only mounted in demo mode
(``calltime serve --demo``) or under tests.

The page opens on the first operator listed: operators (role USER) come before admins.

Anyone who can reach a demo server can use this page, so it exposes little: an anonymous
visitor sees and speaks for the demo project's operators only (not its admin); a
signed-in admin sees their own project's users. Messages are stored with origin
``simulator``, and the turn refuses commands that hand out access (``admin login``).
Login links in a thread are masked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import and_, case, false, or_, select
from sqlalchemy.orm import Session

from bot.admin.security import signed_in_admin
from bot.directory.accounts import ADMIN_ROLES, mask_login_links
from bot.engine.timezones import operator_tz
from bot.engine.wording import day_text, time_text, zone_text
from bot.models import Message, Project, User
from bot.runtime import get_runtime
from bot.whatsapp.intake import (
    MAX_INBOUND_BODY,
    MalformedInbound,
    UnknownProjectNumber,
    inject_inbound,
)

bp = Blueprint("simulator", __name__, url_prefix="/simulator", template_folder="templates")

#: Messages per page of the thread (the newest page is polled; older ones on request).
PAGE = 50


@bp.before_request
def _demo_only() -> None:
    if not (current_app.config.get("CALLTIME_DEMO") or current_app.testing):
        abort(404)


class SimulatedMessage(BaseModel):
    user_id: uuid.UUID
    body: str = Field(min_length=1, max_length=MAX_INBOUND_BODY)


@bp.get("/")
def page() -> str:
    return render_template("simulator/index.html")


@dataclass
class Audience:
    """Whose conversations this visitor may use: one project, admins included or not."""

    project_id: uuid.UUID
    with_admins: bool


def _audience(session: Session) -> Audience | None:
    """A signed-in admin's own project, else the demo project's operators, else nothing."""
    admin = signed_in_admin(session)
    if admin is not None:
        return Audience(admin.project_id, with_admins=True)
    demo = current_app.config.get("CALLTIME_DEMO_PROJECT_ID")
    return Audience(uuid.UUID(str(demo)), with_admins=False) if demo else None


def _visible(audience: Audience | None) -> list[Any]:
    if audience is None:
        return [false()]
    conditions = [
        User.project_id == audience.project_id,
        User.is_active.is_(True),
        User.phone.is_not(None),
    ]
    if not audience.with_admins:
        conditions.append(User.role.not_in(ADMIN_ROLES))
    return conditions


@bp.get("/api/operators")
def operators() -> Any:
    """The operators this visitor may speak for (see the module's docstring)."""
    with get_runtime().db.session() as session:
        rows = session.execute(
            select(User, Project)
            .join(Project, Project.id == User.project_id)
            .where(*_visible(_audience(session)))
            .order_by(case((User.role.in_(ADMIN_ROLES), 1), else_=0), User.full_name)
        ).all()
        return jsonify(
            [
                {"id": str(u.id), "name": u.full_name, "role": u.role, "project": p.name}
                for u, p in rows
            ]
        )


def _operator(session: Session, user_id: uuid.UUID) -> tuple[User, Project]:
    """The operator ``user_id`` if this visitor may use them; 404 otherwise (no hint)."""
    user = session.scalar(select(User).where(User.id == user_id, *_visible(_audience(session))))
    if user is None:
        abort(404, description="no such operator")
    project = session.get(Project, user.project_id)
    if project is None:  # users.project_id references projects: a broken database
        raise LookupError(f"operator {user.id} has no project {user.project_id}")
    return user, project


@bp.post("/api/send")
def send() -> Any:
    """Queue what the operator typed, exactly as if Twilio had delivered it."""
    try:
        typed = SimulatedMessage.model_validate(request.get_json(silent=True) or {})
    except ValidationError as exc:
        return jsonify(error=exc.errors()[0]["msg"]), 400
    runtime = get_runtime()
    with runtime.db.session() as session:
        user, project = _operator(session, typed.user_id)
    try:
        message = inject_inbound(
            runtime,
            to_number=project.whatsapp_number,
            from_number=user.phone or "",
            body=typed.body,
            origin="simulator",
        )
    except (MalformedInbound, UnknownProjectNumber) as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(id=str(message.id), status=message.status), 202


@bp.get("/api/thread/<uuid:user_id>")
def thread(user_id: uuid.UUID) -> Any:
    """The newest :data:`PAGE` messages of the operator's conversation, oldest first.

    ``?before=<message id>`` gives the page before that message instead. ``earlier``
    says whether older messages remain.
    """
    try:
        before = uuid.UUID(request.args["before"]) if request.args.get("before") else None
    except ValueError:
        return jsonify(error="before must be a message id"), 400
    with get_runtime().db.session(read_only=True) as session:
        user, project = _operator(session, user_id)
        mine = [
            Message.project_id == project.id,
            or_(Message.from_number == user.phone, Message.to_number == user.phone),
        ]
        if before is not None:
            anchor = session.scalar(select(Message).where(Message.id == before, *mine))
            if anchor is None:
                abort(404, description="no such message")
            mine.append(
                or_(
                    Message.created_at < anchor.created_at,
                    and_(Message.created_at == anchor.created_at, Message.id < anchor.id),
                )
            )
        newest = session.scalars(
            select(Message)
            .where(*mine)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(PAGE + 1)
        ).all()
        zone = operator_tz(user, project)
        page = [_shown(m, zone) for m in reversed(newest[:PAGE])]
        return jsonify(messages=page, earlier=len(newest) > PAGE)


def _shown(message: Message, zone: tzinfo) -> dict[str, Any]:
    """One message as the page shows it: body (login links masked), day and local time."""
    return {
        "id": str(message.id),
        "direction": message.direction,
        "body": mask_login_links(message.body),
        "status": message.status,
        "at": message.created_at.isoformat(),
        "day": day_text(message.created_at, zone),
        "time": f"{time_text(message.created_at, zone)} {zone_text(message.created_at, zone)}",
    }
