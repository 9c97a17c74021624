"""Contact import and export (CSV), shared by the CLI and the admin dashboard.

Columns: ``display_name, phone, phone2, email, tags, capacity_band,
relationship_strength, status, notes``. Phones are normalised to E.164 in the
project's region; identities are unique per project, so a row whose phone or email
is already known updates that contact instead of creating a second one. Every bad row
is skipped with its line number and reason, inside its own savepoint, so it never
leaves partial data. Reading and writing go through :mod:`bot.csv_safety`: formula
cells are neutralised on export and restored on import, NUL characters are removed
(with a warning naming the line), and a line the CSV reader cannot take is skipped.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy.orm import Session

from bot import csv_safety
from bot.models import Contact, ContactIdentity, ContactTag, Project
from bot.models.enums import CONTACT_STATUSES
from bot.phones import InvalidPhone, to_e164
from bot.store import ProjectScope

COLUMNS = (
    "display_name",
    "phone",
    "phone2",
    "email",
    "tags",
    "capacity_band",
    "relationship_strength",
    "status",
    "notes",
)
#: The longest value a column may hold (characters); longer rows are skipped.
MAX_LENGTHS = {
    "display_name": 200,
    "phone": 40,
    "phone2": 40,
    "email": 254,
    "tags": 1000,
    "capacity_band": 50,
    "relationship_strength": 10,
    "status": 40,
    "notes": 4000,
}
_TAG_SPLIT = re.compile(r"[;|,]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowError(ValueError):
    """Why one import row was skipped."""


@dataclass
class RowResult:
    line: int
    status: str  # imported | updated | unchanged | skipped
    display_name: str
    reason: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def imported(self) -> int:
        return self._count("imported")

    @property
    def updated(self) -> int:
        return self._count("updated")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    def as_text(self) -> str:
        lines = [*(f"warning: {w}" for w in self.warnings)]
        lines += [
            f"line {r.line}: skipped – {r.reason}" for r in self.rows if r.status == "skipped"
        ]
        lines.append(
            f"{self.imported} imported, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        )
        return "\n".join(lines)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv_safety.writer(out, lineterminator="\n")
        writer.writerow(["line", "status", "display_name", "reason"])
        for r in self.rows:
            writer.writerow([r.line, r.status, r.display_name, r.reason])
        return out.getvalue()


class ContactRow(BaseModel):
    """One validated CSV row; phones are E.164 after validation."""

    display_name: str
    phones: list[str]
    email: str | None
    tags: list[str]
    capacity_band: str | None
    relationship_strength: int | None
    status: str | None
    notes: str | None

    @field_validator("relationship_strength")
    @classmethod
    def _strength(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 5:
            raise ValueError(f"relationship_strength must be 1 to 5, not {value}")
        return value


def parse_row(raw: dict[str, str], region: str) -> ContactRow:
    """Validate one CSV row; raises :class:`RowError` with a reason a person can act on."""
    get = lambda key: (raw.get(key) or "").strip()  # noqa: E731
    for key, limit in MAX_LENGTHS.items():
        if len(get(key)) > limit:
            raise RowError(f"{key} is {len(get(key)):,} characters long; the most is {limit:,}")
    name = get("display_name")
    if not name:
        raise RowError("no display_name")
    phones = []
    for key in ("phone", "phone2"):
        if get(key):
            try:
                phones.append(to_e164(get(key), region))
            except InvalidPhone as exc:
                raise RowError(f"{key}: {exc}") from exc
    email = get("email").lower() or None
    if email and not _EMAIL.match(email):
        raise RowError(f"email: {email!r} is not an email address")
    status = get("status").lower() or None
    if status and status not in CONTACT_STATUSES:
        raise RowError(f"status must be one of {', '.join(CONTACT_STATUSES)}, not {status!r}")
    strength_text = get("relationship_strength")
    try:
        strength = int(strength_text) if strength_text else None
    except ValueError as exc:
        raise RowError(
            f"relationship_strength must be a whole number 1 to 5, not {strength_text!r}"
        ) from exc
    tags = sorted({t.strip().lower() for t in _TAG_SPLIT.split(get("tags")) if t.strip()})
    try:
        return ContactRow(
            display_name=name,
            phones=list(dict.fromkeys(phones)),
            email=email,
            tags=tags,
            capacity_band=get("capacity_band") or None,
            relationship_strength=strength,
            status=status,
            notes=get("notes") or None,
        )
    except ValidationError as exc:
        raise RowError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def import_contacts(session: Session, project: Project, text: str, *, actor: str) -> ImportReport:
    """Import CSV ``text`` into ``project``; returns the line-by-line report."""
    report = ImportReport()
    try:
        reader = csv_safety.SafeDictReader(text)
    except ValueError as exc:
        raise RowError(str(exc)) from exc
    headers = reader.headers
    if "display_name" not in headers:
        raise RowError("the file has no display_name column (expected: " + ", ".join(COLUMNS) + ")")
    extra = [h for h in headers if h not in COLUMNS]
    if extra:
        report.warnings.append("ignored columns: " + ", ".join(extra))
    scope = ProjectScope(session, project.id, actor=actor)
    for record in reader:
        line, raw = record.line, record.values
        if record.error:
            report.rows.append(RowResult(line, "skipped", "", record.error))
            continue
        if record.nul_removed:
            report.warnings.append(f"line {line}: removed NUL characters")
        name = (raw.get("display_name") or "").strip()[: MAX_LENGTHS["display_name"]]
        try:
            row = parse_row(raw, project.default_region)
            with session.begin_nested():
                status, reason = _apply_row(scope, row)
            report.rows.append(RowResult(line, status, name, reason))
        except RowError as exc:
            report.rows.append(RowResult(line, "skipped", name, str(exc)))
    return report


def _apply_row(scope: ProjectScope, row: ContactRow) -> tuple[str, str]:
    identities = [("phone", p) for p in row.phones] + ([("email", row.email)] if row.email else [])
    owners = {
        ident.contact_id
        for kind, value in identities
        if (
            ident := scope.first(
                ContactIdentity, ContactIdentity.type == kind, ContactIdentity.value == value
            )
        )
    }
    if len(owners) > 1:
        raise RowError("its phone numbers/email belong to different existing contacts")
    contact = scope.get(Contact, next(iter(owners))) if owners else None
    if contact is None or contact.deleted_at is not None:
        contact = scope.insert(
            Contact(
                display_name=row.display_name,
                capacity_band=row.capacity_band,
                relationship_strength=row.relationship_strength or 3,
                status=row.status or "active",
                notes=row.notes,
            )
        )
        _add_identities(scope, contact.id, identities)
        _add_tags(scope, contact.id, row.tags)
        scope.emit("contact.created", contact_id=contact.id, source="import")
        return "imported", ""
    return _update_contact(scope, contact, row, identities)


def _update_contact(
    scope: ProjectScope, contact: Contact, row: ContactRow, identities: list[tuple[str, str]]
) -> tuple[str, str]:
    changes: dict[str, object] = {}
    wanted = {
        "display_name": row.display_name,
        "capacity_band": row.capacity_band,
        "relationship_strength": row.relationship_strength,
        "notes": row.notes,
        "status": row.status,
    }
    for key, value in wanted.items():
        if value is not None and getattr(contact, key) != value:
            changes[key] = value
    reason = ""
    # An import never lifts a do-not-contact request; only an admin's explicit edit does.
    if contact.status == "do_not_contact" and changes.get("status") not in (None, "do_not_contact"):
        changes.pop("status")
        reason = "kept do_not_contact"
    if changes:
        scope.update(contact, **changes)
    added = _add_identities(scope, contact.id, identities) + _add_tags(scope, contact.id, row.tags)
    if not changes and not added:
        return "unchanged", reason
    scope.emit("contact.updated", contact_id=contact.id, source="import")
    return "updated", reason


def _add_identities(
    scope: ProjectScope, contact_id: uuid.UUID, identities: list[tuple[str, str]]
) -> int:
    existing = {
        (i.type, i.value)
        for i in scope.all(ContactIdentity, ContactIdentity.contact_id == contact_id)
    }
    has_primary = {
        i.type
        for i in scope.all(
            ContactIdentity,
            ContactIdentity.contact_id == contact_id,
            ContactIdentity.is_primary.is_(True),
        )
    }
    added = 0
    for kind, value in identities:
        if (kind, value) in existing:
            continue
        scope.insert(
            ContactIdentity(
                contact_id=contact_id,
                type=kind,
                value=value,
                is_primary=kind not in has_primary,
                is_whatsapp_capable=kind == "phone",
            )
        )
        has_primary.add(kind)
        added += 1
    return added


def _add_tags(scope: ProjectScope, contact_id: uuid.UUID, tags: list[str]) -> int:
    existing = {t.tag for t in scope.all(ContactTag, ContactTag.contact_id == contact_id)}
    new = [t for t in tags if t not in existing]
    for tag in new:
        scope.insert(ContactTag(contact_id=contact_id, tag=tag))
    return len(new)


def export_contacts(session: Session, project: Project) -> str:
    """All live contacts of ``project`` as CSV in the import format (round-trips unchanged;
    formula-like cells are neutralised with a leading ``'`` that import removes)."""
    scope = ProjectScope(session, project.id)
    identities: dict[uuid.UUID, list[ContactIdentity]] = {}
    for ident in scope.all(
        ContactIdentity,
        order_by=[
            ContactIdentity.is_primary.desc(),
            ContactIdentity.created_at,
            ContactIdentity.value,
        ],
    ):
        identities.setdefault(ident.contact_id, []).append(ident)
    tags: dict[uuid.UUID, list[str]] = {}
    for tag in scope.all(ContactTag, order_by=ContactTag.tag):
        tags.setdefault(tag.contact_id, []).append(tag.tag)
    out = io.StringIO()
    writer = csv_safety.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for contact in scope.all(
        Contact, Contact.deleted_at.is_(None), order_by=[Contact.display_name, Contact.id]
    ):
        idents = identities.get(contact.id, [])
        phones = [i.value for i in idents if i.type == "phone"]
        emails = [i.value for i in idents if i.type == "email"]
        writer.writerow(
            [
                contact.display_name,
                phones[0] if phones else "",
                phones[1] if len(phones) > 1 else "",
                emails[0] if emails else "",
                ";".join(tags.get(contact.id, [])),
                contact.capacity_band or "",
                contact.relationship_strength,
                contact.status,
                contact.notes or "",
            ]
        )
    return out.getvalue()
