"""Contact indexes shaped by the queries that read them; SQLite gets row statistics

Measured on the 100,000-row import benchmark (SQLite, 118 MB before this revision):

- ``ix_contact_identities_project_id_contact_id`` becomes ``(contact_id)``. A contact id
  names one project already, and SQLite's foreign-key check on deleting a contact
  searches the child table by ``contact_id`` alone: with the project first it read the
  whole index for every contact deleted, and undoing that import took 507 s.
- ``ix_contact_tags_project_id_tag`` becomes ``(project_id, tag, contact_id)`` over the
  tags next_contacts ranks by (``vip``, ``renewal``) only, the one lookup by tag: the
  tagged pool walks one tag's contacts in order and stops after a pool's worth. Without
  statistics SQLite also walked the old index for "this contact's tags" and read every
  tag of the project.
- ``ix_contacts_project_id_status`` holds only contacts that are not active, the rare
  ones an admin lists; active is every imported contact's status.
- ``ix_contacts_project_id_relationship_strength_id`` holds strengths 4 and 5, the ones
  the "strongest relationships" pool offers; 3 is the default.

Then SQLite analyses the contact tables (``sqlite_stat1``, sampled) once they hold
1,000 contacts: without statistics it takes every project for ten contacts and walks a
project's index rather than look ten ids up by key. Imports keep them current
(:mod:`bot.directory.import_statistics`); a smaller database is left to the heuristics
that suit it.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: (name before, name after, table, columns before, columns after, WHERE after).
CHANGES = (
    (
        "ix_contact_identities_project_id_contact_id",
        "ix_contact_identities_contact_id",
        "contact_identities",
        ["project_id", "contact_id"],
        ["contact_id"],
        None,
    ),
    (
        "ix_contact_tags_project_id_tag",
        "ix_contact_tags_project_id_tag_contact_id",
        "contact_tags",
        ["project_id", "tag"],
        ["project_id", "tag", "contact_id"],
        "tag IN ('vip', 'renewal')",
    ),
    (
        "ix_contacts_project_id_status",
        "ix_contacts_project_id_status",
        "contacts",
        ["project_id", "status"],
        ["project_id", "status"],
        "status <> 'active'",
    ),
    (
        "ix_contacts_project_id_relationship_strength_id",
        "ix_contacts_project_id_relationship_strength_id",
        "contacts",
        ["project_id", "relationship_strength", "id"],
        ["project_id", "relationship_strength", "id"],
        "relationship_strength >= 4",
    ),
)
#: Rows ANALYZE samples per index on SQLite: milliseconds on any size of table.
ANALYSIS_LIMIT = 1000
#: Contacts below which SQLite is left without statistics.
MIN_ROWS = 1000
CONTACT_TABLES = ("contacts", "contact_identities", "contact_tags")


def _create(name: str, table: str, columns: list[str], where: str | None) -> None:
    condition = sa.text(where) if where else None
    op.create_index(name, table, columns, sqlite_where=condition, postgresql_where=condition)


def upgrade() -> None:
    for old, new, table, _, columns, where in CHANGES:
        op.drop_index(old, table_name=table)
        _create(new, table, columns, where)
    bind = op.get_bind()
    contacts = sa.text("SELECT count(*) FROM contacts")
    if bind.dialect.name == "sqlite" and bind.scalar(contacts) >= MIN_ROWS:
        op.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        for table in CONTACT_TABLES:
            op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for old, new, table, columns, _, _ in CHANGES:
        op.drop_index(new, table_name=table)
        _create(old, table, columns, None)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.scalar(
        sa.text("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'")
    ):
        op.execute(f"DELETE FROM sqlite_stat1 WHERE tbl IN {CONTACT_TABLES!r}")
