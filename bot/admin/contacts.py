"""Contact search and edits for the dashboard (writes are audited as ``user:<id>``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy import text as sql_text

from bot.models import Contact, ContactIdentity, Followup, User
from bot.models.contacts import NOT_ACTIVE
from bot.models.enums import CHANNELS, CONTACT_STATUSES
from bot.phones import InvalidPhone, to_e164
from bot.store import ProjectScope

EDITABLE = (
    "display_name",
    "status",
    "relationship_strength",
    "capacity_band",
    "notes",
    "primary_channel",
    "assigned_to_user_id",
)


class ContactEditError(ValueError):
    """A contact form that cannot be saved; nothing was written."""


@dataclass
class EditResult:
    contact: Contact
    changed: list[str]
    cancelled_followups: int


def search_statement(scope: ProjectScope, query: str, status: str, region: str) -> Select[Any]:
    """Live contacts matching a name fragment or an exact phone number, by name."""
    stmt = scope.select(Contact, Contact.deleted_at.is_(None))
    text = query.strip()[:100]
    if text:
        phone = _as_phone(text, region)
        if phone:
            owners = select(ContactIdentity.contact_id).where(
                ContactIdentity.project_id == scope.project_id,
                ContactIdentity.type == "phone",
                ContactIdentity.value == phone,
            )
            stmt = stmt.where(Contact.id.in_(owners))
        else:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(Contact.display_name.ilike(pattern, escape="\\"))
    if status in CONTACT_STATUSES:
        stmt = stmt.where(Contact.status == status)
        if status != "active":  # the few such contacts are in the partial status index
            stmt = stmt.where(sql_text(NOT_ACTIVE))
    return stmt.order_by(Contact.display_name, Contact.id)


def after_name(name: str, contact_id: uuid.UUID) -> Any:
    """Keyset condition: contacts sorting after ``(name, id)``."""
    return or_(
        Contact.display_name > name, and_(Contact.display_name == name, Contact.id > contact_id)
    )


def _as_phone(text: str, region: str) -> str | None:
    if sum(ch.isdigit() for ch in text) < 6:
        return None
    try:
        return to_e164(text, region)
    except InvalidPhone:
        return None


def primary_phones(scope: ProjectScope, contact_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The first phone of each listed contact (primary first)."""
    if not contact_ids:
        return {}
    rows = scope.all(
        ContactIdentity,
        ContactIdentity.contact_id.in_(contact_ids),
        ContactIdentity.type == "phone",
        order_by=[ContactIdentity.is_primary.desc(), ContactIdentity.created_at],
    )
    found: dict[uuid.UUID, str] = {}
    for ident in rows:
        found.setdefault(ident.contact_id, ident.value)
    return found


def parse_edit(scope: ProjectScope, form: dict[str, str]) -> dict[str, Any]:
    """Validated column values from the edit form (only the fields it carries)."""
    values: dict[str, Any] = {}
    if "display_name" in form:
        name = form["display_name"].strip()
        if not name or len(name) > 200:
            raise ContactEditError("name: required, up to 200 characters")
        values["display_name"] = name
    if "status" in form:
        if form["status"] not in CONTACT_STATUSES:
            raise ContactEditError(f"status: one of {', '.join(CONTACT_STATUSES)}")
        values["status"] = form["status"]
    if "primary_channel" in form:
        if form["primary_channel"] not in CHANNELS:
            raise ContactEditError(f"channel: one of {', '.join(CHANNELS)}")
        values["primary_channel"] = form["primary_channel"]
    if "relationship_strength" in form:
        try:
            strength = int(form["relationship_strength"])
        except ValueError:
            strength = 0
        if not 1 <= strength <= 5:
            raise ContactEditError("relationship strength: a whole number from 1 to 5")
        values["relationship_strength"] = strength
    for key, limit in (("capacity_band", 40), ("notes", 4000)):
        if key in form:
            text = form[key].strip()
            if len(text) > limit:
                raise ContactEditError(f"{key.replace('_', ' ')}: up to {limit} characters")
            values[key] = text or None
    if "assigned_to_user_id" in form:
        values["assigned_to_user_id"] = _operator(scope, form["assigned_to_user_id"])
    return values


def _operator(scope: ProjectScope, raw: str) -> uuid.UUID | None:
    if not raw.strip():
        return None
    user = scope.get(User, raw.strip())
    if user is None:
        raise ContactEditError("operator: not a user of this project")
    return user.id


def apply_edit(scope: ProjectScope, contact: Contact, values: dict[str, Any]) -> EditResult:
    """Save ``values``; marking do_not_contact also cancels the contact's open follow-ups."""
    changed = [k for k, v in values.items() if getattr(contact, k) != v]
    if changed:
        scope.update(contact, **{k: values[k] for k in changed})
        scope.emit("contact.updated", contact_id=contact.id, fields=changed, by=scope.actor)
    cancelled = 0
    if values.get("status") == "do_not_contact":
        for followup in scope.all(
            Followup, Followup.contact_id == contact.id, Followup.status.in_(("due", "scheduled"))
        ):
            scope.update(followup, status="cancelled")
            cancelled += 1
    return EditResult(contact, changed, cancelled)
