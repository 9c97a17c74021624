"""An import's audit trail: one entry per batch, one for its report, one per undo.

Entries have ``table_name`` :data:`TABLE` and ``record_id`` the import id; what a batch
changed is its :class:`Journal` (see :mod:`bot.directory.contact_import`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.models import AuditLog
from bot.models.types import utcnow
from bot.store import ProjectScope

TABLE = "contact_imports"
STATUSES = ("imported", "updated", "unchanged", "skipped")


@dataclass
class Journal:
    """What one batch changed, as recorded in its audit entry (ids as strings)."""

    contacts: list[str] = field(default_factory=list)
    identities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    old: dict[str, dict[str, Any]] = field(default_factory=dict)
    new: dict[str, dict[str, Any]] = field(default_factory=dict)

    def changed(self) -> bool:
        return bool(self.contacts or self.identities or self.tags or self.new)


def audit_batch(
    scope: ProjectScope,
    import_id: uuid.UUID,
    batch: int,
    journal: Journal,
    counts: dict[str, int],
) -> None:
    """The one ``audit_log`` entry of a batch (``import:<id>:<batch>``)."""
    new_values = {
        "batch": batch,
        "counts": counts,
        "contacts": journal.contacts,
        "identities": journal.identities,
        "tags": journal.tags,
        "fields": journal.new,
    }
    old_values = {"fields": journal.old} if journal.old else None
    add_entry(
        scope,
        import_id,
        f"import:{import_id}:{batch}",
        "insert",
        new_values=new_values,
        old_values=old_values,
    )


def add_entry(
    scope: ProjectScope,
    import_id: uuid.UUID,
    key: str,
    action: str,
    *,
    new_values: dict[str, Any] | None = None,
    old_values: dict[str, Any] | None = None,
) -> None:
    """One ``audit_log`` entry about import ``import_id`` (a batch, its report, an undo)."""
    scope.session.add(
        AuditLog(
            project_id=scope.project_id,
            table_name=TABLE,
            record_id=str(import_id),
            action=action,
            changed_by=scope.actor,
            old_values=old_values,
            new_values=new_values,
            timestamp=utcnow(),
            idempotency_key=key,
        )
    )
