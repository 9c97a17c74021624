"""Seeding pledges, payments and identities for the reconciliation tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.db import Database
from bot.engine.records import record_payment, record_pledge
from bot.models import Contact, ContactIdentity, Payment, Pledge, Project, User
from bot.store import ProjectScope

#: The collected message formats, one per line, with expected fields and public sources.
SAMPLES: list[dict[str, Any]] = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "payment_messages.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
CREDITS = [s for s in SAMPLES if s["kind"] == "credit"]
OTHERS = [s for s in SAMPLES if s["kind"] != "credit"]


def pledge(
    db: Database,
    project: Project,
    user: User,
    contact: Contact,
    amount: str,
    pledged_at: datetime,
    expected_by: date | None = None,
) -> Pledge:
    """An open pledge made at ``pledged_at``."""
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="test")
        return record_pledge(
            scope,
            session.merge(user),
            session.merge(contact),
            amount=Decimal(amount),
            now=pledged_at,
            expected_by=expected_by,
        )


def payment(
    db: Database, project: Project, user: User, contact: Contact, amount: str, **kw: Any
) -> Payment:
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="test")
        return record_payment(
            scope, session.merge(user), session.merge(contact), amount=Decimal(amount), **kw
        )


def identity(db: Database, project: Project, contact: Contact, kind: str, value: str) -> None:
    with db.session() as session:
        ProjectScope(session, project.id, actor="test").insert(
            ContactIdentity(contact_id=contact.id, type=kind, value=value)
        )


def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    with db.session() as session:
        return list(session.scalars(select(model).where(*where)))


def identities_of(db: Database, contact: Contact) -> set[tuple[str, str]]:
    return {
        (i.type, i.value)
        for i in rows(db, ContactIdentity, ContactIdentity.contact_id == contact.id)
        if i.type in ("upi_vpa", "bank_name")
    }


STATEMENTS = Path(__file__).parent / "data" / "statements"
PLEDGED = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def statement_world(db: Database, project: Project, user: User) -> dict[str, Any]:
    """The donors behind ``tests/data/statements/hdfc.csv``: five open pledges or payments.

    The HDFC sample then reviews as: line 5 probable (Anita, part of ₹25,000), line 6
    matched (Rahul, exactly ₹5,000), line 8 probable (Meera, part of ₹10,000), line 10
    recorded (Suresh's UTR is already a payment), line 11 unmatched; Anita, Meera and
    Kavya still unpaid (₹38,000).
    """
    from tests.factories import make_contact

    people = {
        name: make_contact(db, project, name)
        for name in ("Anita Sharma", "Rahul Verma", "Meera Iyer", "Suresh Nair", "Kavya Rao")
    }
    pledges = {
        name: pledge(db, project, user, people[name], amount, PLEDGED)
        for name, amount in (
            ("Anita Sharma", "25000"),
            ("Rahul Verma", "5000"),
            ("Meera Iyer", "10000"),
            ("Kavya Rao", "3000"),
        )
    }
    payment(db, project, user, people["Suresh Nair"], "2000", now=PLEDGED, reference="633612345611")
    return {"contacts": people, "pledges": pledges}
