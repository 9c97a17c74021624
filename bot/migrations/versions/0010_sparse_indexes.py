"""Contact indexes that hold only the rows their queries can find

``ix_contacts_project_id_assigned_to_user_id`` and
``ix_contacts_project_id_next_suggested_at`` become partial: every query on them asks
for a given operator or a time at or before now, so a contact with neither set (every
imported contact) is never read through them and no longer written to them.
``ix_contact_identities_project_id_value`` goes: every lookup by value also names the
identity's type, which the unique ``(project_id, type, value)`` index serves. On the
100,000-row import benchmark these three indexes were a tenth of the database.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SPARSE = (
    ("ix_contacts_project_id_assigned_to_user_id", "assigned_to_user_id"),
    ("ix_contacts_project_id_next_suggested_at", "next_suggested_at"),
)
BY_VALUE = ("ix_contact_identities_project_id_value", "contact_identities", ["project_id", "value"])


def upgrade() -> None:
    for name, column in SPARSE:
        op.drop_index(name, table_name="contacts")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name, "contacts", ["project_id", column], sqlite_where=where, postgresql_where=where
        )
    op.drop_index(BY_VALUE[0], table_name=BY_VALUE[1])


def downgrade() -> None:
    op.create_index(*BY_VALUE)
    for name, column in SPARSE:
        op.drop_index(name, table_name="contacts")
        op.create_index(name, "contacts", ["project_id", column])
