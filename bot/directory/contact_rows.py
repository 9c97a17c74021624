"""One row of a contact import: the columns, their limits, and the validated row.

:func:`parse_row` turns a CSV row (a dict of column → text) into a :class:`ContactRow`
(phones in E.164, tags folded, status checked) or raises :class:`RowError` with a reason
a person can act on. :mod:`bot.directory.contacts_csv` reads the file;
:mod:`bot.directory.contact_import` writes the rows.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ValidationError, field_validator

from bot.models.enums import CONTACT_STATUSES
from bot.phones import InvalidPhone, to_e164

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

    def get(key: str) -> str:
        return (raw.get(key) or "").strip()

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
