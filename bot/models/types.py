"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, LargeBinary, Numeric, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

CENTS = Decimal("0.01")

#: Where SQLite's integer times count from.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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


class _SQLiteMicroseconds(BigInteger):
    """SQLite's storage of :class:`UTCDateTime`: an integer in a column declared ``DATETIME``."""


class _SQLiteUuidBytes(LargeBinary):
    """SQLite's storage of :class:`CompactUuid`: 16 bytes in a column declared ``CHAR(32)``."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> bytes | None:
            if value is None:
                return None
            key = value if value.__class__ is uuid.UUID else uuid.UUID(str(value))
            return key.bytes

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        def process(value: bytes | None) -> uuid.UUID | None:
            return None if value is None else uuid.UUID(bytes=value)

        return process


# The declared types stay those of SQLAlchemy's DateTime and Uuid, so databases made
# before and after migration 0011 have one schema. SQLite keeps an integer in a column of
# numeric affinity (DATETIME) and a BLOB in one of text affinity (CHAR) as they are.
@compiles(_SQLiteMicroseconds, "sqlite")
def _declare_datetime(_type: Any, _compiler: Any, **_kw: Any) -> str:
    return "DATETIME"


@compiles(_SQLiteUuidBytes, "sqlite")
def _declare_char32(_type: Any, _compiler: Any, **_kw: Any) -> str:
    return "CHAR(32)"


class uuid_hex(FunctionElement[str]):  # noqa: N801 - an SQL function, named as one
    """SQL for a UUID column as ``uuid.hex`` gives it: 32 lowercase hexadecimal digits.

    The same text on both engines: ``lower(hex(x))`` of SQLite's 16 bytes, PostgreSQL's
    ``uuid`` text without its dashes.
    """

    type = String()
    name = "uuid_hex"
    inherit_cache = True


@compiles(uuid_hex)
def _uuid_hex(element: uuid_hex, compiler: Any, **kw: Any) -> str:
    return f"replace(CAST({compiler.process(element.clauses, **kw)} AS TEXT), '-', '')"


@compiles(uuid_hex, "sqlite")
def _uuid_hex_sqlite(element: uuid_hex, compiler: Any, **kw: Any) -> str:
    return f"lower(hex({compiler.process(element.clauses, **kw)}))"


class UTCDateTime(TypeDecorator[datetime]):
    """A TIMESTAMP holding UTC; aware datetimes in, aware UTC datetimes out.

    Naive values are refused: a naive time is ambiguous between the operator's
    timezone and UTC, and guessing is how follow-ups end up five hours late.

    On SQLite the time is stored as whole microseconds since 1970-01-01 UTC, an integer
    of 8 bytes where SQLAlchemy's ``DateTime`` writes 26 characters of text; integers
    sort and compare as the times do. SQL that needs a calendar day or an hour of it
    reads ``column / 1000000`` as a Unix time (:mod:`bot.admin.timeframe`). PostgreSQL
    keeps its own ``timestamp`` (8 bytes already).
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteMicroseconds())
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        if dialect.name == "sqlite":
            return epoch_microseconds(value)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return EPOCH + timedelta(microseconds=value)
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def epoch_microseconds(value: datetime) -> int:
    """An aware ``value`` as whole microseconds since 1970-01-01 UTC (SQLite's storage)."""
    return (value - EPOCH) // timedelta(microseconds=1)


class CompactUuid(TypeDecorator[uuid.UUID]):
    """A UUID: PostgreSQL's native ``uuid``, and on SQLite its 16 bytes as a BLOB.

    SQLAlchemy's ``Uuid`` writes 32 hexadecimal characters on SQLite. Every key and
    every reference is one, and most indexes carry the project's id, so the text form
    made keys more than a third of a contact's storage. Bytes sort as the hexadecimal
    text did (and as PostgreSQL sorts ``uuid``), so time-ordered keys stay in order.
    Strings are accepted where a UUID is bound, as ``Uuid`` accepts them.

    The conversions are the storage type's own processors, not this decorator's hooks:
    a key is bound and read for every row of every statement (an import binds five
    keys a row), and each layer of processing costs a Python call.
    """

    impl = Uuid
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteUuidBytes())
        return dialect.type_descriptor(Uuid())


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
