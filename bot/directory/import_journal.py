"""An import's audit trail: one entry per batch, one for its report, one per undo.

Entries have ``table_name`` :data:`TABLE` and ``record_id`` the import id; what a batch
changed is its :class:`Journal` (see :mod:`bot.directory.contact_import`). The ids of
the rows a batch created are kept packed (:func:`pack_ids`): about 15 characters each
instead of 40 as a JSON list of UUIDs (time-ordered ids share their leading bytes), so a
100,000-row import's trail takes 1.7 MB instead of 4.2. Entries written before
(``"contacts": [ids]``) are read as well.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from bot.models import AuditLog
from bot.models.types import utcnow
from bot.store import ProjectScope

TABLE = "contact_imports"
STATUSES = ("imported", "updated", "unchanged", "skipped")
#: The kinds of rows a batch creates, as keys of its entry's ``new_values``.
CREATED = ("contacts", "identities", "tags")


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
        "packed_ids": {kind: pack_ids(getattr(journal, kind)) for kind in CREATED},
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


def pack_ids(ids: list[str]) -> str:
    """UUIDs as one text: their bytes (16 per id), compressed, in base64."""
    raw = b"".join(uuid.UUID(i).bytes for i in ids)
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def created_ids(new_values: dict[str, Any], kind: str) -> list[uuid.UUID]:
    """The ids of the ``kind`` rows (one of :data:`CREATED`) a batch entry records."""
    packed = (new_values.get("packed_ids") or {}).get(kind)
    if packed is None:  # an entry written before the ids were packed
        return [uuid.UUID(str(i)) for i in new_values.get(kind, [])]
    raw = zlib.decompress(base64.b64decode(packed))
    return [uuid.UUID(bytes=raw[at : at + 16]) for at in range(0, len(raw), 16)]
