"""Follow-up tools: list, schedule and complete promises to get back to a contact."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import or_

from bot.engine import records as engine
from bot.engine.records import is_reachable
from bot.models import Contact, Followup
from tools.base import ToolContext, ToolRefused, tool


class ListFollowups(BaseModel):
    only_due: bool = Field(
        default=True, description="True: only follow-ups due now; false: all open ones."
    )
    limit: int = Field(default=10, ge=1, le=20, description="How many to return.")


class ScheduleFollowup(BaseModel):
    contact_id: uuid.UUID = Field(description="Whom to follow up with.")
    due_at: datetime = Field(
        description="When it is due (ISO 8601; the operator's local time if no offset)."
    )
    reason: str = Field(min_length=2, max_length=200, description="Why, in a few words.")
    suggested_message: str | None = Field(
        default=None,
        max_length=320,
        description="A short message to send then, in the donor's language.",
    )


class FollowupRef(BaseModel):
    followup_id: uuid.UUID = Field(description="The follow-up's id from list_followups.")


@tool("list_followups", ListFollowups)
def list_followups(ctx: ToolContext, args: ListFollowups) -> dict[str, Any]:
    """The operator's open follow-ups (theirs and unassigned), earliest first."""
    where = [
        Followup.status.in_(("due", "scheduled")),
        or_(
            Followup.assigned_to_user_id == ctx.operator.id,
            Followup.assigned_to_user_id.is_(None),
        ),
    ]
    if args.only_due:
        where.append(Followup.due_at <= ctx.now)
    rows = ctx.scope.all(Followup, *where, order_by=Followup.due_at, limit=args.limit * 2)
    items = []
    for followup in rows:
        contact = ctx.scope.get(Contact, followup.contact_id)
        if contact is None or not is_reachable(contact):
            continue
        items.append(
            {
                "id": str(followup.id),
                "contact_id": str(contact.id),
                "contact": contact.display_name,
                "due_at": followup.due_at.astimezone(ctx.tz).isoformat(),
                "reason": followup.reason,
            }
        )
    return {"followups": items[: args.limit]}


@tool("schedule_followup", ScheduleFollowup, writes=True)
def schedule_followup(ctx: ToolContext, args: ScheduleFollowup) -> dict[str, Any]:
    """Schedule a follow-up with a contact at a given time."""
    contact = ctx.writable_contact(args.contact_id)
    due_at = args.due_at if args.due_at.tzinfo else args.due_at.replace(tzinfo=ctx.tz)
    followup = engine.schedule_followup(
        ctx.scope,
        ctx.operator,
        contact,
        due_at=due_at,
        reason=args.reason,
        suggested_message=args.suggested_message,
        now=ctx.now,
    )
    return {"followup_id": str(followup.id), "due_at": due_at.astimezone(ctx.tz).isoformat()}


@tool("complete_followup", FollowupRef, writes=True)
def complete_followup(ctx: ToolContext, args: FollowupRef) -> dict[str, Any]:
    """Mark a follow-up done."""
    followup = ctx.scope.get(Followup, args.followup_id)
    if followup is None:
        raise ToolRefused(f"follow-up {args.followup_id} not found")
    if followup.status in ("done", "cancelled"):
        raise ToolRefused(f"follow-up {args.followup_id} is already {followup.status}")
    engine.complete_followup(ctx.scope, ctx.operator, followup, now=ctx.now)
    return {"followup_id": str(followup.id), "status": followup.status}
