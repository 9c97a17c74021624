"""Payer names against donor names, and the identity types the schema admits."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.models import ContactIdentity
from bot.reconcile import names
from bot.store import ProjectScope
from tests.factories import make_contact, make_project


@pytest.mark.parametrize(
    ("payer", "vpa", "contact", "fit"),
    [
        ("ANITA SHARMA", None, "Anita Sharma", names.STRONG),
        ("SHARMA ANITA", None, "Anita Sharma", names.STRONG),
        ("Mrs ANITA S", None, "Anita Sharma", names.STRONG),
        ("A SHARMA", None, "Anita Sharma", names.STRONG),
        ("ANITA SARMA", None, "Anita Sharma", names.STRONG),  # a one-letter slip
        (None, "anita.s@okaxis", "Anita Sharma", names.STRONG),
        (None, "anitasharma92@oksbi", "Anita Sharma", names.STRONG),
        ("ANITA", None, "Anita Sharma", names.WEAK),  # a first name is only a hint
        ("ANITA VERMA", None, "Anita Sharma", names.WEAK),
        ("RAHUL KUMAR", None, "Anita Sharma", names.NONE),
        (None, "9876543210@ybl", "Anita Sharma", names.NONE),
        (None, None, "Anita Sharma", names.NONE),
    ],
)
def test_a_payer_fits_a_donor(payer, vpa, contact, fit) -> None:
    assert names.fit(names.tokens(payer) + names.vpa_tokens(vpa), contact) == fit


def test_contact_identities_admit_vpas_and_bank_names_only(db) -> None:
    project = make_project(db)
    contact = make_contact(db, project)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        for kind, value in (("upi_vpa", "anita.s@okaxis"), ("bank_name", "ANITA SHARMA")):
            scope.insert(ContactIdentity(contact_id=contact.id, type=kind, value=value))
    with pytest.raises(IntegrityError), db.session() as session:
        ProjectScope(session, project.id).insert(
            ContactIdentity(contact_id=contact.id, type="twitter", value="@anita")
        )
