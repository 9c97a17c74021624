"""memory search structures: SQLite FTS5 tables, PostgreSQL full-text and HNSW indexes

These objects cannot be declared on the SQLAlchemy models (virtual tables, expression
indexes), so their names all start with ``search_`` and :func:`bot.migrate.include_name`
keeps autogenerate from reporting them.

PostgreSQL: a stored generated ``search_tsv`` column (GIN-indexed) and HNSW indexes
per dimension on ``embedding::vector(dim)``.

SQLite: each FTS5 table mirrors ``content`` of its source table, keyed by the source
row's ``rowid`` and kept in step by triggers; ``search_versions`` counts writes per
table and project (also by triggers) so cached vector matrices know when they are stale.
A later migration that rebuilds ``memories`` or ``vectors`` (batch mode) must re-run
:func:`_sqlite_upgrade` for it.

Revision ID: 0004_memory
Revises: 0003 (chained after the engine's migration on the agent branch)
Create Date: 2026-11-26 15:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0004_memory"
down_revision = "0003"
branch_labels = None
depends_on = None

SOURCES = ("memories", "vectors")
DIMENSIONS = (384,)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TABLE IF NOT EXISTS search_versions "
            "(name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        for table in SOURCES:
            _sqlite_upgrade(table)
        return
    for table in SOURCES:
        # A stored tsvector lets ranking read the vector instead of re-parsing content.
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_tsv tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('english', content)) STORED"
        )
        op.execute(
            f"CREATE INDEX IF NOT EXISTS search_{table}_tsv ON {table} USING gin (search_tsv)"
        )
        for dim in DIMENSIONS:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS search_{table}_hnsw_{dim} ON {table} "
                f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
                f"WHERE embedding_dim = {dim}"
            )


def _sqlite_upgrade(table: str) -> None:
    fts = f"search_{table}_fts"
    op.execute(f"DROP TABLE IF EXISTS {fts}")
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(content, tokenize='porter unicode61')")
    op.execute(f"INSERT INTO {fts}(rowid, content) SELECT rowid, content FROM {table}")
    op.execute(
        f"CREATE TRIGGER search_{table}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, content) VALUES (new.rowid, new.content); END"
    )
    op.execute(
        f"CREATE TRIGGER search_{table}_ad AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.rowid; END"
    )
    op.execute(
        f"CREATE TRIGGER search_{table}_au AFTER UPDATE OF content ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.rowid; "
        f"INSERT INTO {fts}(rowid, content) VALUES (new.rowid, new.content); END"
    )
    # A per-project write counter: in-process caches of vector matrices compare it.
    for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
        op.execute(
            f"CREATE TRIGGER search_{table}_v{event[0].lower()} AFTER {event} ON {table} BEGIN "
            f"INSERT INTO search_versions(name, version) "
            f"VALUES ('{table}:' || {row}.project_id, 1) "
            f"ON CONFLICT(name) DO UPDATE SET version = version + 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in SOURCES:
            for suffix in ("ai", "ad", "au", "vi", "vu", "vd"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS search_{table}_fts")
        op.execute("DROP TABLE IF EXISTS search_versions")
        return
    for table in SOURCES:
        op.execute(f"DROP INDEX IF EXISTS search_{table}_tsv")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_tsv")
        for dim in DIMENSIONS:
            op.execute(f"DROP INDEX IF EXISTS search_{table}_hnsw_{dim}")
