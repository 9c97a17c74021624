"""Project settings an admin changes after set-up: the 80G line of payment thank-yous.

The sentence lives in ``projects.settings_json["receipt_80g"]`` (the data model's
per-project settings column; no new column for one optional sentence). Every payment
thank-you draft ends with it (:mod:`bot.engine.drafts`). Set it with ``calltime projects
receipt -p PROJECT "TEXT"`` (``--clear`` removes it); the dashboard may call
:func:`set_receipt_line` too. Each change is written to ``audit_log``.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session

from bot.directory.org import DirectoryError
from bot.engine.drafts import RECEIPT_SETTING, receipt_line
from bot.models import AuditLog, Project
from bot.models.types import utcnow

#: Long enough for "Your 80G receipt (reg. no. AAATA1234F/80G/2024) follows by email
#: within 7 days.", short enough that the thank-you keeps its own words within 320.
MAX_RECEIPT = 140
#: The line's length inside the draft's ``wa.me`` link (Devanagari takes nine characters
#: a letter there): a Hindi line of about 50 letters fits beside the thank-you.
MAX_RECEIPT_ENCODED = 500


def set_receipt_line(session: Session, project: Project, text: str | None, *, actor: str) -> str:
    """Set (or, with empty ``text``, clear) the project's 80G line; returns the line kept.

    Raises:
        DirectoryError: the text is longer than :data:`MAX_RECEIPT` characters.
    """
    line = " ".join((text or "").split())
    if len(line) > MAX_RECEIPT:
        raise DirectoryError(
            f"the 80G line is {len(line)} characters; keep it within {MAX_RECEIPT}"
        )
    if len(quote(line, safe="")) > MAX_RECEIPT_ENCODED:
        raise DirectoryError("the 80G line is too long for a WhatsApp link; shorten it")
    old = dict(project.settings_json or {})
    new = {k: v for k, v in old.items() if k != RECEIPT_SETTING}
    if line:
        new[RECEIPT_SETTING] = line
    if new == old:
        return receipt_line(project)
    project.settings_json = new  # a new dict: JSON columns do not track changes inside
    session.add(
        AuditLog(
            project_id=project.id,
            table_name="projects",
            record_id=str(project.id),
            action="update",
            changed_by=actor,
            old_values={"settings_json": old},
            new_values={"settings_json": new},
            timestamp=utcnow(),
        )
    )
    session.flush()
    return line
