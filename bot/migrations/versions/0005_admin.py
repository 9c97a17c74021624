"""admin dashboard indexes: sessions by activity, follow-ups by due time, open pledges by age

Revision ID: 0005
Revises: 0004_memory
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004_memory"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_sessions_project_id_last_activity_at", "sessions", ["project_id", "last_activity_at"]),
    ("ix_followups_project_id_due_at", "followups", ["project_id", "due_at"]),
    ("ix_pledges_project_id_status_pledged_at", "pledges", ["project_id", "status", "pledged_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
