"""What goes in and out of the memory API: validated metadata, filters and entries."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.models import Memory
from bot.models.enums import Importance, MemoryType

IMPORTANCE_ORDER = {"low": 0, "medium": 1, "high": 2}
MAX_CONTENT = 2000
MAX_TAGS = 20
#: The most entries one search or listing returns.
MAX_LIMIT = 50


class MemoryError(ValueError):  # noqa: A001 - the memory API's own error family
    """Refused input to the memory API; the message is safe to show to an operator."""


class EmbeddingModelMismatch(MemoryError):
    """A namespace holds vectors of another embedding model or dimension."""


class MemoryMetadata(BaseModel):
    """The data model's memory metadata (§4.3); unknown keys are kept as extra metadata."""

    model_config = ConfigDict(extra="allow")

    memory_type: MemoryType
    importance: Importance = "medium"
    project_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None

    def extra(self) -> dict[str, Any]:
        """The metadata keys outside the data model's standard set."""
        return dict(self.model_extra or {})


class MemoryFilters(BaseModel):
    """What ``search`` and ``list`` may filter on; every key narrows the result."""

    model_config = ConfigDict(extra="forbid")

    contact_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    memory_type: MemoryType | None = None
    importance: Importance | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("tags", mode="before")
    @classmethod
    def _one_tag_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Entry(BaseModel):
    """A stored memory as the API returns it; ``score`` is set by searches."""

    id: str
    content: str
    memory_type: str
    importance: str
    contact_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    score: float | None = None
    merged: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Memory, *, score: float | None = None, merged: bool = False) -> Entry:
        return cls(
            id=str(row.id),
            content=row.content,
            memory_type=row.memory_type,
            importance=row.importance,
            contact_id=row.contact_id,
            user_id=row.user_id,
            session_id=row.session_id,
            tags=list(row.tags or []),
            metadata=dict(row.meta or {}),
            score=score,
            merged=merged,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def parse_model(model: type[BaseModel], value: Any, what: str) -> Any:
    """Validate ``value`` as ``model``, turning pydantic's report into one clear error."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or what}: {err['msg']}" for err in exc.errors()
        )
        raise MemoryError(f"invalid memory {what}: {problems}") from None


def clean_content(content: str) -> str:
    """Whitespace-collapsed content; refuses empty or over-long text."""
    text = re.sub(r"\s+", " ", str(content or "")).strip()
    if not text:
        raise MemoryError("a memory needs some content")
    if len(text) > MAX_CONTENT:
        raise MemoryError(f"a memory is at most {MAX_CONTENT} characters (got {len(text)})")
    return text


def clean_tags(tags: Any) -> list[str]:
    """Lower-case, de-duplicated tags; refuses non-strings and too many."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = [tags]
    cleaned: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            raise MemoryError(f"tags must be non-empty strings (got {tag!r})")
        value = tag.strip().lower()[:64]
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_TAGS:
        raise MemoryError(f"at most {MAX_TAGS} tags per memory")
    return cleaned


def content_hash(text: str) -> str:
    """The hash that decides whether text must be embedded again."""
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()


def bounded_limit(limit: Any) -> int:
    """``limit`` as a whole number between 1 and :data:`MAX_LIMIT`."""
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise MemoryError(f"limit must be a number (got {limit!r})") from None
    return max(1, min(MAX_LIMIT, value))
