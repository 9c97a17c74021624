"""Pagination, filters and masking shared by the dashboard's list pages."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, g, request
from sqlalchemy import Select, and_, or_

from bot.phones import mask

PAGE_SIZE = 50
_PHONE_LIKE = re.compile(r"\+?\d[\d \-]{7,}\d")


@dataclass
class Page:
    """One page of rows; ``next_offset`` is set when more rows follow."""

    rows: list[Any]
    offset: int
    next_offset: int | None
    prev_offset: int | None


def page_arg() -> int:
    """The ``offset`` query argument, clamped to a sane range."""
    try:
        return min(max(int(request.args.get("offset", 0)), 0), 10_000_000)
    except ValueError:
        return 0


def offset_page(
    stmt: Select[*tuple[Any, ...]], offset: int, size: int = PAGE_SIZE, scalars: bool = True
) -> Page:
    """Run ``stmt`` (already ordered by an indexed key) for one page of ``size`` rows."""
    stmt = stmt.offset(offset).limit(size + 1)
    result = g.scope.session.scalars(stmt) if scalars else g.scope.session.execute(stmt)
    rows = list(result)
    more = len(rows) > size
    return Page(
        rows=rows[:size],
        offset=offset,
        next_offset=offset + size if more else None,
        prev_offset=max(offset - size, 0) if offset else None,
    )


def keyset_before(model: Any, cursor: str | None) -> Any:
    """A ``(created_at, id) < cursor`` condition for newest-first keyset pages."""
    if not cursor:
        return None
    try:
        stamp, row_id = cursor.split("_", 1)
        when = datetime.fromisoformat(stamp)
        rid = uuid.UUID(row_id)
    except ValueError:
        abort(400, description="bad page cursor")
    if when.tzinfo is None:
        abort(400, description="bad page cursor")
    return or_(model.created_at < when, and_(model.created_at == when, model.id < rid))


def cursor_of(row: Any) -> str:
    return f"{row.created_at.isoformat()}_{row.id}"


def encode_cursor(*values: Any) -> str:
    """An opaque page cursor for a row's sort key."""
    raw = json.dumps([str(v) for v in values], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    """The ``size`` values of a cursor made by :func:`encode_cursor`; 400 when malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        abort(400, description="bad page cursor")
    if not isinstance(values, list) or len(values) != size:
        abort(400, description="bad page cursor")
    return [str(v) for v in values]


def uuid_arg(name: str) -> uuid.UUID | None:
    """A UUID query argument; blank → None, malformed → 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(400, description=f"{name} must be an id")


def mask_phones(text: Any) -> str:
    """Mask every phone-number-like run in free text (message bodies, tool inputs)."""
    return _PHONE_LIKE.sub(lambda m: mask(re.sub(r"[ \-]", "", m.group(0))), str(text or ""))
