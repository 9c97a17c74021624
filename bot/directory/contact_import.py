"""Writing imported contacts a batch at a time: bulk upserts, one audit entry per batch.

An import has an id. Its validated rows are written a batch at a time and the caller
may commit after each batch (the CLI and the dashboard do), so no write lock is held for
longer than one batch. Batches hold up to :data:`BATCH_SIZE` rows; when committing, each
next batch is sized from the last one's duration so a transaction takes about
:data:`TARGET_SECONDS` (fewer rows on a slow or busy machine). A batch:

1. looks up, in three queries, which contacts own the batch's phones and emails, and
   their identities and tags;
2. decides each row in memory with the rules of a single-row import (a known phone or
   email updates that contact; identities owned by two contacts, or by a deleted one,
   skip the row; an import never lifts ``do_not_contact``);
3. inserts new contacts, identities and tags together and applies the updates;
4. writes **one** ``audit_log`` entry — ``table_name`` ``contact_imports``,
   ``record_id`` the import id, ``idempotency_key`` ``import:<id>:<batch>`` — listing the
   contacts it created, the identities and tags it added to existing contacts, and the
   old and new values of every field it changed. :func:`undo_import` reverts exactly
   that, batch by batch, newest first.

When the import ends, one more entry (``import:<id>:summary``) carries the report:
totals, warnings and the skipped lines with their reasons. An import that changed
nothing writes no entry at all.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from bot.directory.contact_rows import ContactRow
from bot.directory.import_journal import STATUSES, Journal, audit_batch
from bot.models import Contact, ContactIdentity, ContactTag
from bot.models.base import table_of
from bot.models.types import new_id, utcnow
from bot.store import ProjectScope

#: Rows per batch at most (and the first batch's size).
BATCH_SIZE = 500
#: Rows per batch at least, however slow the machine (a commit has its own cost).
MIN_BATCH = 100
#: What one batch's transaction should take: the webhook waits at most this long.
TARGET_SECONDS = 0.1
FIELDS = ("display_name", "capacity_band", "relationship_strength", "notes", "status")


@dataclass
class _NewContact:
    """A contact this batch creates (inserted in bulk; later rows may still change it)."""

    id: uuid.UUID
    display_name: str
    capacity_band: str | None
    relationship_strength: int
    status: str
    notes: str | None
    deleted_at: None = None

    def values(self, project_id: uuid.UUID, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "project_id": project_id,
            "display_name": self.display_name,
            "primary_channel": "whatsapp",
            "capacity_band": self.capacity_band,
            "relationship_strength": self.relationship_strength,
            "status": self.status,
            "notes": self.notes,
            "created_at": now,
            "updated_at": now,
        }


class _Batch:
    """The rows of one batch, decided against what the database already holds."""

    def __init__(self, scope: ProjectScope, rows: Sequence[ContactRow]) -> None:
        self.scope = scope
        self.journal = Journal()
        self.new_contacts: list[_NewContact] = []
        self.new_identities: list[dict[str, Any]] = []
        self.new_tags: list[dict[str, Any]] = []
        self.created: set[uuid.UUID] = set()
        pairs = {pair for row in rows for pair in _identities(row)}
        # Type and value both named: the unique (project_id, type, value) index serves it.
        self.owner: dict[tuple[str, str], uuid.UUID] = {
            (kind, value): contact_id
            for kind, value, contact_id in scope.session.execute(
                select(ContactIdentity.type, ContactIdentity.value, ContactIdentity.contact_id)
                .where(ContactIdentity.project_id == scope.project_id)
                .where(ContactIdentity.type.in_({kind for kind, _ in pairs}))
                .where(ContactIdentity.value.in_({value for _, value in pairs}))
            )
            if (kind, value) in pairs
        }
        owners = set(self.owner.values())
        self.loaded: list[Contact] = []
        self.contacts: dict[uuid.UUID, Contact | _NewContact] = {}
        self.idents: dict[uuid.UUID, list[tuple[str, str, bool]]] = {c: [] for c in owners}
        self.tagged: dict[uuid.UUID, set[str]] = {c: set() for c in owners}
        if owners:  # a fresh import finds none: three fewer queries per batch
            self._load(owners)

    def _load(self, owners: set[uuid.UUID]) -> None:
        """The known contacts the batch touches, with their identities and tags."""
        scope = self.scope
        self.loaded = scope.all(Contact, Contact.id.in_(owners))
        self.contacts.update({c.id: c for c in self.loaded})
        for contact_id, kind, value, primary in scope.session.execute(
            select(
                ContactIdentity.contact_id,
                ContactIdentity.type,
                ContactIdentity.value,
                ContactIdentity.is_primary,
            ).where(
                ContactIdentity.project_id == scope.project_id,
                ContactIdentity.contact_id.in_(owners),
            )
        ):
            self.idents[contact_id].append((kind, value, primary))
        for contact_id, tag in scope.session.execute(
            select(ContactTag.contact_id, ContactTag.tag).where(
                ContactTag.project_id == scope.project_id, ContactTag.contact_id.in_(owners)
            )
        ):
            self.tagged[contact_id].add(tag)

    def decide(self, row: ContactRow) -> tuple[str, str]:
        """Apply one row in memory; ``(status, reason)`` as in the import report."""
        identities = _identities(row)
        owners = {self.owner[key] for key in identities if key in self.owner}
        if len(owners) > 1:
            return "skipped", "its phone numbers/email belong to different existing contacts"
        contact = self.contacts.get(next(iter(owners))) if owners else None
        if contact is not None and contact.deleted_at is not None:
            return "skipped", "its phone numbers/email belong to a deleted contact"
        if contact is None:
            self._create(row, identities)
            return "imported", ""
        return self._update(contact, row, identities)

    def _create(self, row: ContactRow, identities: list[tuple[str, str]]) -> None:
        contact = _NewContact(
            id=new_id(),
            display_name=row.display_name,
            capacity_band=row.capacity_band,
            relationship_strength=row.relationship_strength or 3,
            status=row.status or "active",
            notes=row.notes,
        )
        self.new_contacts.append(contact)
        self.contacts[contact.id] = contact
        self.created.add(contact.id)
        self.idents[contact.id], self.tagged[contact.id] = [], set()
        self.journal.contacts.append(str(contact.id))
        self._add_identities(contact.id, identities)
        self._add_tags(contact.id, row.tags)

    def _update(
        self, contact: Contact | _NewContact, row: ContactRow, identities: list[tuple[str, str]]
    ) -> tuple[str, str]:
        wanted = {key: getattr(row, key) for key in FIELDS}
        changes = {k: v for k, v in wanted.items() if v is not None and getattr(contact, k) != v}
        reason = ""
        # An import never lifts a do-not-contact request; only an admin's explicit edit does.
        if contact.status == "do_not_contact" and changes.get("status") not in (
            None,
            "do_not_contact",
        ):
            changes.pop("status")
            reason = "kept do_not_contact"
        if changes and contact.id not in self.created:
            self._journal_update(contact, changes)
        for key, value in changes.items():
            setattr(contact, key, value)
        added = self._add_identities(contact.id, identities) + self._add_tags(contact.id, row.tags)
        if not changes and not added:
            return "unchanged", reason
        return "updated", reason

    def _journal_update(self, contact: Contact | _NewContact, changes: dict[str, Any]) -> None:
        """Old values as they were before this batch; new values as it leaves them."""
        key = str(contact.id)
        old, new = self.journal.old.setdefault(key, {}), self.journal.new.setdefault(key, {})
        for name, value in changes.items():
            old.setdefault(name, getattr(contact, name))
            new[name] = value

    def _add_identities(self, contact_id: uuid.UUID, identities: list[tuple[str, str]]) -> int:
        known = self.idents[contact_id]
        existing = {(kind, value) for kind, value, _ in known}
        has_primary = {kind for kind, _, primary in known if primary}
        added = 0
        for kind, value in identities:
            if (kind, value) in existing:
                continue
            primary = kind not in has_primary
            ident = {
                "id": new_id(),
                "project_id": self.scope.project_id,
                "contact_id": contact_id,
                "type": kind,
                "value": value,
                "is_primary": primary,
                "is_whatsapp_capable": kind == "phone",
            }
            self.new_identities.append(ident)
            known.append((kind, value, primary))
            existing.add((kind, value))
            has_primary.add(kind)
            self.owner[(kind, value)] = contact_id
            if contact_id not in self.created:
                self.journal.identities.append(str(ident["id"]))
            added += 1
        return added

    def _add_tags(self, contact_id: uuid.UUID, tags: list[str]) -> int:
        new = [t for t in tags if t not in self.tagged[contact_id]]
        for tag in new:
            row = {"id": new_id(), "project_id": self.scope.project_id, "contact_id": contact_id}
            self.new_tags.append({**row, "tag": tag})
            self.tagged[contact_id].add(tag)
            if contact_id not in self.created:
                self.journal.tags.append(str(row["id"]))
        return len(new)

    def flush(self) -> None:
        """Insert what the batch created (in bulk, contacts first) and apply its updates."""
        session, now = self.scope.session, utcnow()
        # Core inserts (executemany) rather than ORM objects: a batch is thousands of rows.
        if self.new_contacts:
            project_id = self.scope.project_id
            rows = [c.values(project_id, now) for c in self.new_contacts]
            session.execute(insert(table_of(Contact)), rows)
        for model, rows in ((ContactIdentity, self.new_identities), (ContactTag, self.new_tags)):
            if rows:
                session.execute(insert(table_of(model)), [{**r, "created_at": now} for r in rows])
        session.flush()


def _identities(row: ContactRow) -> list[tuple[str, str]]:
    return [("phone", p) for p in row.phones] + ([("email", row.email)] if row.email else [])


def next_batch_size(size: int, seconds: float) -> int:
    """The next batch's size after a batch of ``size`` rows took ``seconds`` to commit.

    Halfway (geometrically) towards the size that would take :data:`TARGET_SECONDS`, so
    one slow batch does not swing the next one too far.
    """
    ideal = size * TARGET_SECONDS / max(seconds, 1e-6)
    return max(MIN_BATCH, min(BATCH_SIZE, round(math.sqrt(size * ideal))))


def write_batch(
    scope: ProjectScope, import_id: uuid.UUID, batch: int, rows: Sequence[ContactRow]
) -> list[tuple[str, str]]:
    """Write one batch of validated rows; ``(status, reason)`` per row, in order.

    Everything happens in the caller's transaction; the rows' objects are detached
    afterwards so a long import keeps a flat memory profile.
    """
    state = _Batch(scope, rows)
    results = [state.decide(row) for row in rows]
    state.flush()
    if state.journal.changed():
        counts = {s: sum(1 for status, _ in results if status == s) for s in STATUSES}
        audit_batch(scope, import_id, batch, state.journal, counts)
        # No acting user (the scope's actor ran the import); named, so no count can fill it.
        scope.emit("contacts.imported", user_id=None, import_id=import_id, batch=batch, **counts)
        scope.session.flush()
    for contact in state.loaded:
        scope.session.expunge(contact)
    return results
