"""Fast bulk loading for benchmark data: ``COPY`` on PostgreSQL, raw executemany on SQLite.

Benchmarks measure queries over big tables; loading those tables is set-up, not the
thing measured, and through ``insert()`` executemany it dominated ``make bench``. This
loader keeps SQLAlchemy's own value conversion (each column type's bind processor, so
UUIDs, UTC timestamps, money, JSON and embeddings are stored exactly as the application
stores them) but hands the rows to the driver's fastest path: psycopg's ``COPY ... FROM
STDIN`` on PostgreSQL, and one ``executemany`` per large batch on SQLite.

Columns a row leaves out get their Python-side default (``default=`` on the model) or,
when they have none, are left to the database's server default.

:func:`deferred_indexes` drops a table's secondary indexes for the length of a load and
builds them again afterwards, as a bulk import into a live system would: one sorted
index build is far cheaper than maintaining every index row by row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import Column, Table, inspect, text
from sqlalchemy.engine import Dialect, Engine

#: Rows handed to the driver at a time; one transaction per batch on SQLite.
BATCH = 50_000


def bulk_load(engine: Engine, model_or_table: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` into the model's table; returns the count.

    Rows are keyed as ``insert(model)`` would take them: by attribute name for a mapped
    class (``meta`` for the column ``metadata``), by column key for a plain table.
    """
    table: Table = getattr(model_or_table, "__table__", model_or_table)
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    plan = _plan(table, _row_keys(model_or_table, table), first)
    convert = _converter(plan, engine.dialect)
    records = (convert(row) for row in chain([first], iterator))
    names = ", ".join(engine.dialect.identifier_preparer.quote(c.name) for _, c, _ in plan)
    if engine.dialect.name == "postgresql":
        return _copy(engine, table, names, records)
    return _executemany(engine, table, names, len(plan), records)


def _row_keys(model_or_table: Any, table: Table) -> dict[str, Column[Any]]:
    """How rows name each column: mapped attribute names, else column keys."""
    if hasattr(model_or_table, "__mapper__"):
        mapper = inspect(model_or_table)
        return {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    return {column.key: column for column in table.columns}


Plan = list[tuple[str, Column[Any], Callable[[], Any] | None]]


def _plan(table: Table, keys: dict[str, Column[Any]], first: dict[str, Any]) -> Plan:
    """(row key, column, filler) for each column written; fillers supply left-out values."""
    unknown = set(first) - set(keys)
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    plan: Plan = []
    for key, column in keys.items():
        if key in first:
            plan.append((key, column, None))
            continue
        default = column.default
        if default is None or not (default.is_scalar or default.is_callable):
            continue  # the server default (or NULL) applies
        if default.is_scalar:
            plan.append((key, column, lambda value=default.arg: value))
        else:
            plan.append((key, column, lambda fn=default.arg: fn(None)))
    return plan


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, VECTOR):
        return _vector_text
    return impl.bind_processor(dialect)


def _vector_text(value: Any) -> str:
    """pgvector's text form, formatted in one ``%`` per vector rather than per float.

    ``%.9g`` round-trips every float32 exactly, so the stored vector is the one given.
    """
    values = value.tolist() if hasattr(value, "tolist") else list(value)
    return "[" + ",".join(["%.9g"] * len(values)) % tuple(values) + "]"


def _converter(plan: Plan, dialect: Dialect) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    steps = [(key, fill, _processor(column, dialect)) for key, column, fill in plan]

    def convert(row: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for key, fill, processor in steps:
            value = row[key] if fill is None or key in row else fill()
            values.append(
                processor(value) if processor is not None and value is not None else value
            )
        return tuple(values)

    return convert


def _copy(engine: Engine, table: Table, names: str, records: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    raw = engine.raw_connection()
    try:
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(record)
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def _executemany(
    engine: Engine, table: Table, names: str, width: int, records: Iterator[tuple[Any, ...]]
) -> int:
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * width)})"
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA cache_size=-262144")  # index pages stay in memory while loading
        while batch := list(islice(records, BATCH)):
            # Calltime's engine runs the driver in autocommit mode (it issues BEGIN
            # IMMEDIATE itself), so without this every row would be its own transaction.
            cursor.execute("BEGIN")
            cursor.executemany(statement, batch)
            cursor.execute("COMMIT")
            count += len(batch)
        cursor.close()
    finally:
        raw.close()
    return count


@contextmanager
def deferred_indexes(engine: Engine, *models: Any) -> Iterator[None]:
    """Drop the secondary indexes of ``models``' tables now; build them again on exit.

    Primary keys and unique constraints stay (they guard the data being loaded); plain
    and partial indexes, including the HNSW/GIN ones, are rebuilt from their own
    definitions, so the schema afterwards is exactly what the migrations created.
    """
    tables = [getattr(m, "__table__", m).name for m in models]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                    "WHERE c.conname = i.indexname AND c.contype IN ('p', 'u', 'x'))"
                ),
                {"tables": tables},
            ).all()
        else:
            rows = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(:tables))"
                ),
                {"tables": json.dumps(tables)},
            ).all()
        for name, _ in rows:
            conn.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET maintenance_work_mem = '1GB'"))
            for _, definition in rows:
                conn.execute(text(definition))
