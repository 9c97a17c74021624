"""Declarative base, naming convention and the columns every table shares."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.models.types import CompactUuid, UTCDateTime, has_nul, new_id, strip_nul, utcnow

# Stable constraint names keep Alembic's autogenerate and hand-written migrations in step.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """All Calltime tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The table ``model`` maps, for Core statements that skip the ORM (bulk inserts).

    SQLAlchemy types ``__table__`` as any ``FromClause``; every Calltime model maps a table.

    Raises:
        TypeError: ``model`` maps something other than a table.
    """
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} maps {table!r}, not a table")
    return table


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _no_nul_characters(_mapper: Any, _connection: Any, row: Any) -> None:
    """Drop NUL characters from every text and JSON value a row is about to store.

    One place for the rule "PostgreSQL cannot store NUL": webhook bodies, CSV imports,
    dashboard edits and the model's tool input all reach the database through here.
    (Core ``insert()``/``update()`` statements bypass it: the contact import, which writes
    values its CSV reader has already cleaned, the webhook's intake, which applies
    :func:`strip_nul` itself, and the benchmarks' loaders.)
    """
    for key, value in list(vars(row).items()):
        if not key.startswith("_") and has_nul(value):
            setattr(row, key, strip_nul(value))


class IdMixin:
    """UUID primary key."""

    id: Mapped[uuid.UUID] = mapped_column(CompactUuid, primary_key=True, default=new_id)


class ProjectMixin(IdMixin):
    """Every tenant row belongs to exactly one project."""

    project_id: Mapped[uuid.UUID] = mapped_column(
        CompactUuid, ForeignKey("projects.id"), nullable=False
    )


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TimestampsMixin(CreatedMixin):
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


def enum_check(column: str, values: Iterable[str], *, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint that keeps ``column`` inside the data model's enum ``values``."""
    quoted = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({quoted})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=column)


def contact_fk_index() -> Index:
    """``(contact_id)``: what deleting a contact searches each child table by.

    Deleting a contact (an import's undo) makes both engines look for rows still
    pointing at it with ``WHERE contact_id = ?`` alone, which ``(project_id, contact_id,
    …)`` cannot serve: SQLite read the whole index for every contact deleted, 45 ms each
    beside a million interactions (migration 0013).
    """
    return Index(None, "contact_id")
