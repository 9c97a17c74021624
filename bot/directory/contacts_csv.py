"""Contact import and export (CSV), shared by the CLI and the admin dashboard.

Columns: ``display_name, phone, phone2, email, tags, capacity_band,
relationship_strength, status, notes``. Phones are normalised to E.164 in the
project's region; identities are unique per project, so a row whose phone or email
is already known updates that contact instead of creating a second one. Every bad row
is skipped with its line number and reason and leaves nothing behind. Reading and
writing go through :mod:`bot.csv_safety`: formula cells are neutralised on export and
restored on import, NUL characters are removed (with a warning naming the line), and a
line the CSV reader cannot take is skipped. Rows are written in batches by
:mod:`bot.directory.contact_import` (one audit entry per batch; undo in
:mod:`bot.directory.import_history`).
"""

from __future__ import annotations

import io
import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot import csv_safety
from bot.directory.contact_import import BATCH_SIZE, next_batch_size, write_batch
from bot.directory.contact_rows import COLUMNS, MAX_LENGTHS, ContactRow, RowError, parse_row
from bot.directory.import_history import record_summary
from bot.directory.import_statistics import ImportStatistics
from bot.models import Contact, ContactIdentity, ContactTag, Project
from bot.store import ProjectScope


@dataclass
class RowResult:
    line: int
    status: str  # imported | updated | unchanged | skipped
    display_name: str
    reason: str = ""


@dataclass
class ImportReport:
    #: The import's id (what ``calltime contacts import --undo`` takes).
    import_id: uuid.UUID
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

    def counts(self) -> dict[str, int]:
        """Rows per status: imported, updated, unchanged, skipped."""
        return {s: self._count(s) for s in ("imported", "updated", "unchanged", "skipped")}

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


def import_contacts(
    session: Session,
    project: Project,
    text: str,
    *,
    actor: str,
    commit: bool = False,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    import_id: uuid.UUID | None = None,
) -> ImportReport:
    """Import CSV ``text`` into ``project``; returns the line-by-line report.

    Rows are parsed a batch at a time, then written (see
    :func:`bot.directory.contact_import.write_batch`). With ``commit`` each batch is
    committed before the next is parsed, so a long import never holds the write lock
    for more than one batch, and without ``batch_size`` each batch is sized so its
    transaction stays short; ``progress`` is called with each batch's line count. The
    contact tables are analysed as the import doubles them
    (:mod:`bot.directory.import_statistics`), so every batch is planned from their size.

    Raises:
        RowError: the file has no ``display_name`` column (nothing is written).
    """
    report = ImportReport(import_id=import_id or uuid.uuid4())
    lines = _parsed_lines(text, project.default_region, report)
    scope = ProjectScope(session, project.id, actor=actor)
    batches, size = 0, batch_size or BATCH_SIZE
    statistics = ImportStatistics(session)
    while chunk := list(itertools.islice(lines, size)):
        batches += 1
        started = time.perf_counter()
        valid = [row for _, _, row in chunk if isinstance(row, ContactRow)]
        written = iter(write_batch(scope, report.import_id, batches, valid))
        for line, name, row in chunk:
            status, reason = ("skipped", str(row)) if isinstance(row, RowError) else next(written)
            report.rows.append(RowResult(line, status, name, reason))
        if commit:
            session.commit()
            if batch_size is None:
                size = next_batch_size(size, time.perf_counter() - started)
        if statistics.wrote(len(valid)) and commit:
            session.commit()
        if progress is not None:
            progress(len(chunk))
    skipped = [(r.line, r.reason) for r in report.rows if r.status == "skipped"]
    record_summary(scope, report.import_id, report.counts(), skipped, report.warnings, batches)
    if commit:
        session.commit()
    return report


def _parsed_lines(
    text: str, region: str, report: ImportReport
) -> Iterator[tuple[int, str, ContactRow | RowError]]:
    """Check the header at once, then yield each line parsed (or its error), lazily."""
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
    return _parse_each(reader, region, report)


def _parse_each(
    reader: csv_safety.SafeDictReader, region: str, report: ImportReport
) -> Iterator[tuple[int, str, ContactRow | RowError]]:
    for record in reader:
        line, raw = record.line, record.values
        if record.error:
            yield line, "", RowError(record.error)
            continue
        if record.nul_removed:
            report.warnings.append(f"line {line}: removed NUL characters")
        name = (raw.get("display_name") or "").strip()[: MAX_LENGTHS["display_name"]]
        try:
            yield line, name, parse_row(raw, region)
        except RowError as exc:
            yield line, name, exc


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
