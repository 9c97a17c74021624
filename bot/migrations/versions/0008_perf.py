"""next_contacts: the "longest uncontacted" pool reads contacts in index order

``ORDER BY last_contacted_at, id LIMIT 60`` on ``(project_id, last_contacted_at)`` read
and sorted every contact sharing the oldest dates (787 rows on the 100k benchmark
project); with ``id`` in the index the pool reads its 60 rows in order. The new index
covers every query the old one served, so the old one goes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD = ("ix_contacts_project_id_last_contacted_at", ["project_id", "last_contacted_at"])
NEW = ("ix_contacts_project_id_last_contacted_at_id", ["project_id", "last_contacted_at", "id"])


def upgrade() -> None:
    op.create_index(NEW[0], "contacts", NEW[1])
    op.drop_index(OLD[0], table_name="contacts")


def downgrade() -> None:
    op.create_index(OLD[0], "contacts", OLD[1])
    op.drop_index(NEW[0], table_name="contacts")
