"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

CENTS = Decimal("0.01")

#: JSONB on PostgreSQL, JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A fresh primary key: a version-7 UUID (RFC 9562), time-ordered, 74 random bits.

    Keys made one after another sort one after another, so each index on a key (the
    primary key, ``contact_id`` in a contact's identities and tags, …) grows at its end:
    a batch of inserts touches a few pages instead of one page per row, which keeps
    SQLite's write-ahead log and checkpoints small and its pages full. The key shows
    when the row was made, which ``created_at`` says anyway.
    """
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10))
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | rand & ~(0xF << 76) & ~(0b11 << 62)
    value |= 0x7 << 76 | 0b10 << 62  # version 7, variant RFC 9562
    return uuid.UUID(int=value)


class UTCDateTime(TypeDecorator[datetime]):
    """A TIMESTAMP holding UTC; aware datetimes in, aware UTC datetimes out.

    Naive values are refused: a naive time is ambiguous between the operator's
    timezone and UTC, and guessing is how follow-ups end up five hours late.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """NUMERIC(12,2) that always yields ``Decimal`` quantized to paise/cents."""

    impl = Numeric(12, 2)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return quantize_amount(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return quantize_amount(value)


def quantize_amount(value: Any) -> Decimal:
    """Convert ``value`` to a two-place Decimal, refusing floats' binary noise."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


NUL = "\x00"


def strip_nul(value: Any) -> Any:
    """``value`` without NUL characters, inside JSON lists and dicts too.

    PostgreSQL refuses NUL in ``text`` and ``\\u0000`` in ``jsonb``; SQLite would keep
    it and make the two engines differ. Nobody types a NUL on purpose, so it is dropped.
    """
    if not has_nul(value):
        return value
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, list):
        return [strip_nul(item) for item in value]
    if isinstance(value, dict):
        return {strip_nul(key): strip_nul(item) for key, item in value.items()}
    return value


def has_nul(value: Any) -> bool:
    """Whether ``value`` (text, or JSON lists and dicts) holds a NUL character anywhere."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False
