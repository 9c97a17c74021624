"""Remembered payer identities: a donor's UPI addresses and bank-name spellings.

Stored in ``contact_identities`` (types ``upi_vpa`` and ``bank_name``), project-scoped,
written through the confirming turn's or batch's audited scope, so ``undo`` (or undoing
the batch) forgets them together with the payment that taught them.
"""

from __future__ import annotations

import re
import uuid

from bot.models import Contact, ContactIdentity
from bot.reconcile.credit import Credit
from bot.store import ProjectScope

VPA, BANK_NAME = "upi_vpa", "bank_name"
_MOBILE_VPA = re.compile(r"^(?:91)?([6-9]\d{9})@")


def bank_name_key(name: str | None) -> str | None:
    """A bank-name spelling as stored: upper case, single spaces."""
    key = re.sub(r"\s+", " ", name or "").strip().upper()
    return key or None


def owner(scope: ProjectScope, kind: str, value: str | None) -> uuid.UUID | None:
    """The contact an identity of ``kind`` with ``value`` belongs to, in this project."""
    if not value:
        return None
    found = scope.first(
        ContactIdentity, ContactIdentity.type == kind, ContactIdentity.value == value
    )
    return found.contact_id if found else None


def mobile_owner(scope: ProjectScope, vpa: str | None) -> uuid.UUID | None:
    """The contact whose Indian mobile number is the VPA's local part (``9876543210@ybl``)."""
    match = _MOBILE_VPA.match(vpa or "")
    if match is None:
        return None
    return owner(scope, "phone", f"+91{match[1]}")


def remember(scope: ProjectScope, contact: Contact, credit: Credit) -> list[str]:
    """Store the credit's VPA and bank-name spelling for ``contact``; returns what was new.

    A value another contact already owns is left with them (the unique key is per
    project), so a confirmation never moves an identity between donors.
    """
    learned = []
    for kind, value in ((VPA, credit.payer_vpa), (BANK_NAME, bank_name_key(credit.payer_name))):
        if not value or owner(scope, kind, value) is not None:
            continue
        scope.insert(ContactIdentity(contact_id=contact.id, type=kind, value=value))
        learned.append(value)
    return learned
