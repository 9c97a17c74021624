"""An import's history: its report as an audit entry, the list of imports, and undo.

Undo reverts an import batch by batch, newest first, each batch in its own transaction
when the caller commits (the CLI and the dashboard do): fields the import changed go
back to their old values, identities and tags it added to existing contacts are
removed, and the contacts it created are deleted with their identities and tags. Kept,
and counted in the report: a field someone changed again since the import, a
``do_not_contact`` status (never lifted, not even by undo), and a contact that has
activity since (interactions, pledges, payments, follow-ups or memories) or that is
``do_not_contact``. Each undone batch is recorded as one ``delete`` entry
(``undo-import:<id>:<batch>``) and its original entry gets ``reverted_at``. An undo is
itself undone by importing the file again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import affected_rows
from bot.directory.import_journal import TABLE, add_entry, created_ids
from bot.models import (
    AuditLog,
    Contact,
    ContactIdentity,
    ContactTag,
    Followup,
    Interaction,
    Memory,
    Payment,
    Pledge,
)
from bot.store import ProjectScope

#: Skipped lines listed in an import's summary entry at most (the count is always exact).
SUMMARY_SKIPPED = 1000
#: Rows that make an imported contact part of the record: undo keeps such a contact.
ACTIVITY = (Interaction, Pledge, Payment, Followup, Memory)


class ImportNotFound(LookupError):
    """No import with that id in this project (or it changed nothing)."""


def record_summary(
    scope: ProjectScope,
    import_id: uuid.UUID,
    counts: dict[str, int],
    skipped: list[tuple[int, str]],
    warnings: list[str],
    batches: int,
) -> None:
    """The import's report as its last audit entry (only if it changed something)."""
    if not (counts.get("imported") or counts.get("updated")):
        return
    summary = {
        "summary": True,
        "counts": counts,
        "batches": batches,
        "warnings": warnings,
        "skipped": [list(s) for s in skipped[:SUMMARY_SKIPPED]],
    }
    add_entry(scope, import_id, f"import:{import_id}:summary", "insert", new_values=summary)


@dataclass
class ImportRecord:
    """One import as the dashboard lists it (``by`` is the actor, e.g. ``user:<id>``)."""

    import_id: str
    at: datetime
    by: str
    counts: dict[str, int]
    undone_at: datetime | None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The admin who ran it from the dashboard (``None`` for the CLI)."""
        if not self.by.startswith("user:"):
            return None
        try:
            return uuid.UUID(self.by.removeprefix("user:"))
        except ValueError:
            return None


def recent_imports(scope: ProjectScope, limit: int = 20) -> list[ImportRecord]:
    """The project's latest imports that changed something, newest first."""
    rows = scope.all(
        AuditLog,
        AuditLog.table_name == TABLE,
        AuditLog.idempotency_key.like("import:%:summary"),
        order_by=AuditLog.timestamp.desc(),
        limit=limit,
    )
    return [
        ImportRecord(
            r.record_id,
            r.timestamp,
            r.changed_by,
            (r.new_values or {}).get("counts", {}),
            r.reverted_at,
        )
        for r in rows
    ]


@dataclass
class UndoReport:
    """What an undo reverted and what it kept."""

    batches: int = 0
    deleted: int = 0
    restored: int = 0
    removed: int = 0
    kept_active: int = 0
    kept_do_not_contact: int = 0
    kept_edited: int = 0
    already_undone: bool = False
    notes: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        if self.already_undone:
            return "That import was undone already; nothing changed."
        kept = [
            f"{n} {what}"
            for n, what in (
                (self.kept_active, "created contact(s) kept: they have activity since"),
                (self.kept_do_not_contact, "do_not_contact contact(s) or status(es) kept"),
                (self.kept_edited, "field(s) kept: changed again since the import"),
            )
            if n
        ]
        return "\n".join(
            [
                f"undone: {self.deleted} contacts deleted, {self.restored} contacts restored, "
                f"{self.removed} identities/tags removed ({self.batches} batches)",
                *kept,
            ]
        )


def undo_import(
    session: Session,
    project_id: uuid.UUID,
    import_id: uuid.UUID,
    *,
    actor: str,
    now: datetime,
    commit: bool = False,
) -> UndoReport:
    """Revert import ``import_id`` of ``project_id`` (see the module docstring).

    Raises:
        ImportNotFound: no such import in this project.
    """
    scope = ProjectScope(session, project_id, actor=actor)
    entries = scope.all(
        AuditLog,
        AuditLog.table_name == TABLE,
        AuditLog.record_id == str(import_id),
        AuditLog.action == "insert",
    )
    if not entries:
        raise ImportNotFound(f"no import {import_id} in this project")
    batches = sorted(
        (e for e in entries if "batch" in (e.new_values or {}) and e.reverted_at is None),
        key=lambda e: (e.new_values or {})["batch"],
        reverse=True,
    )
    report = UndoReport(already_undone=not batches)
    for entry in batches:
        _undo_batch(scope, import_id, entry, report, now)
        if commit:
            session.commit()
    for entry in entries:
        if (entry.new_values or {}).get("summary") and entry.reverted_at is None:
            entry.reverted_at = now
    return report


def _undo_batch(
    scope: ProjectScope, import_id: uuid.UUID, entry: AuditLog, report: UndoReport, now: datetime
) -> None:
    values = entry.new_values or {}
    old = (entry.old_values or {}).get("fields", {})
    restored = _restore_fields(scope, values.get("fields", {}), old, report)
    removed = _remove(scope, ContactIdentity, created_ids(values, "identities"))
    removed += _remove(scope, ContactTag, created_ids(values, "tags"))
    deleted = _delete_created(scope, created_ids(values, "contacts"), report)
    report.batches += 1
    report.removed += removed
    entry.reverted_at = now
    undone = {
        "batch": values.get("batch"),
        "deleted_contacts": [str(i) for i in deleted],
        "restored_fields": restored,
        "removed_identities_and_tags": removed,
    }
    key = f"undo-import:{import_id}:{values.get('batch')}"
    add_entry(scope, import_id, key, "delete", old_values=undone)
    scope.session.flush()


def _restore_fields(
    scope: ProjectScope,
    new: dict[str, dict[str, Any]],
    old: dict[str, dict[str, Any]],
    report: UndoReport,
) -> dict[str, dict[str, Any]]:
    """Put back the fields the batch changed, where nobody changed them again since."""
    restored: dict[str, dict[str, Any]] = {}
    contacts = {str(c.id): c for c in scope.all(Contact, Contact.id.in_(_uuids(new)))}
    for contact_id, fields in new.items():
        contact = contacts.get(contact_id)
        if contact is None:
            continue
        back = {}
        for name, value in fields.items():
            if getattr(contact, name) != value:
                report.kept_edited += 1
            elif name == "status" and value == "do_not_contact":
                report.kept_do_not_contact += 1
            else:
                back[name] = old.get(contact_id, {}).get(name)
        for name, value in back.items():
            setattr(contact, name, value)
        if back:
            restored[contact_id] = back
            report.restored += 1
    return restored


def _remove(
    scope: ProjectScope, model: type[ContactIdentity] | type[ContactTag], ids: list[uuid.UUID]
) -> int:
    if not ids:
        return 0
    result = scope.session.execute(
        delete(model)
        .where(model.project_id == scope.project_id, model.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def _delete_created(
    scope: ProjectScope, ids: list[uuid.UUID], report: UndoReport
) -> list[uuid.UUID]:
    """Delete the batch's new contacts, except those that became part of the record."""
    if not ids:
        return []
    keep: set[uuid.UUID] = set()
    for model in ACTIVITY:
        keep |= set(
            scope.session.scalars(
                select(model.contact_id).where(
                    model.project_id == scope.project_id, model.contact_id.in_(ids)
                )
            )
        )
    report.kept_active += len(keep)
    dnc = (
        set(
            scope.session.scalars(
                select(Contact.id).where(
                    Contact.project_id == scope.project_id,
                    Contact.id.in_(ids),
                    Contact.status == "do_not_contact",
                )
            )
        )
        - keep
    )
    report.kept_do_not_contact += len(dnc)
    doomed = [i for i in ids if i not in keep and i not in dnc]
    for linked in (ContactTag, ContactIdentity):
        scope.session.execute(
            delete(linked)
            .where(linked.project_id == scope.project_id, linked.contact_id.in_(doomed))
            .execution_options(synchronize_session=False)
        )
    result = scope.session.execute(
        delete(Contact)
        .where(Contact.project_id == scope.project_id, Contact.id.in_(doomed))
        .execution_options(synchronize_session=False)
    )
    report.deleted += affected_rows(result)
    return doomed


def _uuids(ids: Any) -> list[uuid.UUID]:
    return [uuid.UUID(str(i)) for i in ids]
