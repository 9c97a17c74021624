"""Index each contact foreign key by ``contact_id`` alone

Deleting a contact (undoing an import) makes both engines look for rows that still
point at it, ``WHERE contact_id = ?`` in each child table. The child tables' indexes
begin with the project (``(project_id, contact_id, …)``), which that lookup cannot
use (PostgreSQL's checks are plain queries on the referencing column too): SQLite
read the whole index for every contact deleted. Beside a million interactions that was
45 ms a contact, so one 500-contact batch of an undo held the write lock for 22 s. The
project-first indexes stay: every query of the app names the project.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("interactions", "pledges", "payments", "followups", "memories")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_contact_id", table, ["contact_id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_contact_id", table_name=table)
