"""Small builders for test data. Each returns the committed row."""

from __future__ import annotations

import itertools
from typing import Any

from bot.db import Database
from bot.directory.org import add_user, create_project
from bot.models import Contact, ContactIdentity, Project, User
from bot.store import ProjectScope

_numbers = itertools.count(1)


def unique_mobile() -> str:
    """A valid, unused Indian mobile number in E.164."""
    return f"+9198{next(_numbers):08d}"


def make_project(db: Database, name: str = "Asha Trust", **kwargs: Any) -> Project:
    with db.session() as session:
        return create_project(
            session, name, kwargs.pop("whatsapp_number", unique_mobile()), **kwargs
        )


def make_user(
    db: Database,
    project: Project,
    name: str = "Priya",
    role: str = "USER",
    phone: str | None = None,
) -> User:
    with db.session() as session:
        return add_user(ProjectScope(session, project.id), name, phone or unique_mobile(), role)


def make_contact(
    db: Database,
    project: Project,
    name: str = "Anita Sharma",
    phone: str | None = None,
    **fields: Any,
) -> Contact:
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        contact = scope.insert(Contact(display_name=name, **fields))
        scope.insert(
            ContactIdentity(
                contact_id=contact.id,
                type="phone",
                value=phone or unique_mobile(),
                is_primary=True,
                is_whatsapp_capable=True,
            )
        )
        return contact
