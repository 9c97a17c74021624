"""Two contact indexes that other indexes already cover

``ix_contacts_project_id_relationship_strength`` is a prefix of
``(project_id, relationship_strength, id)``, which serves every query it served.
``ix_contact_tags_project_id_contact_id`` duplicates the unique ``(contact_id, tag)``
for a contact's tags (a contact id belongs to one project; ``project_id`` stays in every
query as a filter). Each index is written on every insert: a 100,000-row contact import
wrote both, about a tenth of the database.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DROPPED = (
    (
        "ix_contacts_project_id_relationship_strength",
        "contacts",
        ["project_id", "relationship_strength"],
    ),
    ("ix_contact_tags_project_id_contact_id", "contact_tags", ["project_id", "contact_id"]),
)


def upgrade() -> None:
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns)
